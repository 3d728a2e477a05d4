"""The demo's chapters for step 0, chapter 3 (password part) and chapter 4 run on the
in-memory adapter and show each number: the 5-minute locks and the 90-second resend."""

from __future__ import annotations

import io
from pathlib import Path

from softtoken import Config, Policy
from softtoken.cli._demo import Demo
from softtoken.cli._demo_login import LOGIN_CHAPTERS
from softtoken.testing import in_memory


def test_login_chapters_show_the_flows(tmp_path: Path) -> None:
    harness = in_memory()
    out = io.StringIO()
    config = Config(secret_key=b"d" * 32, storage_url="memory://", policy=Policy.for_tests())
    demo = Demo(
        softtoken=harness.softtoken,
        clock=harness.clock,
        mailbox=harness.mailbox,
        out=out,
        workdir=tmp_path,
        config=config,
    )
    for chapter in LOGIN_CHAPTERS:
        chapter(demo)
    text = out.getvalue()
    assert "Chapter 2, step 0" in text
    assert (
        "next step: second_factor (token_key), then a change (temporary_password); "
        "logged in: False" in text
    )
    assert "[login_locked]" in text
    assert "(retry after 300 s)" in text
    assert "0:05:00 later: next step second_factor (token_key); logged in: False" in text
    assert text.count("[reset_data_mismatch]") == 4
    assert "[reset_locked]" in text
    assert "[otp_resend_too_soon]" in text
    assert "(retry after 1 s)" in text
    assert "a new password has been sent to ma*****@cgd.example.go.th" in text
    assert text.rstrip().endswith("your password was changed")
    assert harness.softtoken.audit.verify() > 20
