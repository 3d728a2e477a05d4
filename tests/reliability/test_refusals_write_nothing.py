"""Issue 16 item 6: a refused call of unauthenticated garbage (malformed input, unknown
IDs, codes never issued, callbacks that match no pending proofing) is logged and counted,
not audited, and leaves every table byte-identical; a refusal that concerns a real
record (a wrong code for a code that was issued) stays audited."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from softtoken import SoftTokenError
from softtoken.ports import Storage
from softtoken.testing import Harness, in_memory

from ..helpers.devices import EMAIL, USER, registered_account
from ..helpers.otp import code_in, last_mail_text, wrong_code
from ..helpers.storage import snapshot


@pytest.fixture
def harness(storage: Storage) -> Harness:
    h = in_memory(storage=storage)
    registered_account(h)
    return h


def refused_quietly(
    harness: Harness, call: Callable[[], object], code: str, caplog: pytest.LogCaptureFixture
) -> None:
    """``call`` raises ``code``, writes nothing, is counted once and logged by code."""
    before = snapshot(harness)
    counted = harness.softtoken.metrics.refusals().get(code, 0)
    caplog.clear()
    with (
        caplog.at_level(logging.WARNING, logger="softtoken"),
        pytest.raises(SoftTokenError) as caught,
    ):
        call()
    assert caught.value.code == code
    assert snapshot(harness) == before
    assert harness.softtoken.metrics.refusals()[code] == counted + 1
    assert [r.getMessage().rsplit(": ", 1)[-1] for r in caplog.records] == [code]


def test_i6_otp_verify_for_a_code_never_issued_writes_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    otp = harness.softtoken.otp
    refused_quietly(
        harness, lambda: otp.verify("password_reset", USER, "123456"), "otp_not_issued", caplog
    )
    # A wrong code for a code that was issued concerns a real record: counted, audited.
    otp.issue("password_reset", USER, email=EMAIL)
    code = code_in(last_mail_text(harness, template="otp_code"))
    before = len(harness.softtoken.audit.records())
    with pytest.raises(SoftTokenError) as wrong:
        otp.verify("password_reset", USER, wrong_code(code))
    assert wrong.value.code == "otp_wrong"
    assert len(harness.softtoken.audit.records()) == before + 1
    assert otp.verify("password_reset", USER, code).subject == USER


@pytest.mark.parametrize("issuer", [123, "", "Bad:Issuer", "new\nline", "x" * 65])
def test_i6_totp_enroll_with_a_bad_issuer_writes_nothing(
    harness: Harness, issuer: object, caplog: pytest.LogCaptureFixture
) -> None:
    totp = harness.softtoken.totp
    refused_quietly(
        harness,
        lambda: totp.enroll(USER, issuer=issuer),  # type: ignore[arg-type]
        "totp_issuer_invalid",
        caplog,
    )
    assert totp.enroll(USER, issuer="GFMIS Portal").uri.startswith("otpauth://totp/GFMIS")


@pytest.mark.parametrize(
    ("evidence", "code"),
    [("not a token", "proofing_malformed"), ("e30.e30.AA", "proofing_nonce_mismatch")],
)
def test_i6_a_proofing_callback_matching_nothing_writes_nothing(
    harness: Harness, evidence: str, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    proofing = harness.softtoken.proofing
    refused_quietly(harness, lambda: proofing.callback("paotang", evidence), code, caplog)
