"""``softtoken demo`` walks the 7 outcomes of chapter 7: each form recorded by one
officer and approved by another, the effect, the emails, and the person registering
again; a refused form, dual control, a rejection and an overdue request on the way."""

from __future__ import annotations

import io
import re
from pathlib import Path

from softtoken.cli._demo import CHAPTERS, run_demo
from softtoken.cli._demo_portal import CLOSING_CHAPTERS
from softtoken.cli._demo_service_requests import SERVICE_REQUEST_CHAPTERS


def test_the_demo_walks_the_seven_outcomes(tmp_path: Path) -> None:
    # Chapter 7's outcomes run in order, the last chapters of the manual (the demo's
    # closing housekeeping comes after them).
    first = CHAPTERS.index(SERVICE_REQUEST_CHAPTERS[0])
    assert CHAPTERS[first : first + len(SERVICE_REQUEST_CHAPTERS)] == SERVICE_REQUEST_CHAPTERS
    assert CHAPTERS[first + len(SERVICE_REQUEST_CHAPTERS) :] == CLOSING_CHAPTERS
    out = io.StringIO()
    assert run_demo(out, workdir=tmp_path) == 0
    text = out.getvalue()
    chapters = re.findall(r"=== Chapter 7, outcome (\d)", text)
    assert chapters == [str(n) for n in range(1, 8)]
    assert "[device_locked]" in text
    for refused in (
        "unit_code [invalid_disbursement_unit]",
        "mobile [invalid_phone]",
        "purpose [service_request_one_purpose]",
        "signed_form [document_not_pdf]",
    ):
        assert f"refused {refused}" in text
    assert "[service_request_dual_control]" in text
    assert "61 minutes later, overdue: ['" in text
    reasons = re.findall(r"soft token revoked: (\w+) \(RFC 5280 reason (\d)\)", text)
    assert reasons == [
        ("forgot_pin", "4"),
        ("app_deleted", "4"),
        ("new_phone", "4"),
        ("lost_phone", "1"),
        ("email_changed", "4"),
        ("holder_resigned", "5"),
        ("holder_transferred", "3"),
    ]
    assert len(re.findall(r"registers again \(chapter 2\) and activates", text)) == 7
    assert "result emailed to somkiat.new@cgd.example.go.th" in text
    assert "[mail to user5@cgd.example.go.th]" in text  # the old address: a notice
    assert "the new holder logs in with the emailed password: change required True" in text
    assert "your service request was not approved" in text
    assert "chain intact" in text
