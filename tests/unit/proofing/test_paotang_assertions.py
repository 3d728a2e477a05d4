"""Pao Tang answers that must be refused: forged, replayed, expired, for another
audience or issuer, for another nonce or citizen ID, malformed. Every refusal leaves
storage as it was (only the audit log records it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from joserfc.jwk import ECKey

from softtoken import AuthenticationError, SoftTokenError, StateError, ValidationError
from softtoken.proofing import ProofingStatus
from softtoken.storage.sql import metadata
from softtoken.testing import Harness

from ...helpers.registration import (
    CITIZEN,
    OTHER_CITIZEN,
    USER,
    make_account,
    phone_for,
    to_proofing,
)
from ...helpers.storage import new_records

AUDIT = {"st_audit_events", "st_audit_head"}


def snapshot(harness: Harness) -> dict[str, list[dict[str, object]]]:
    tx = harness.softtoken.storage.begin()
    try:
        return {
            t.name: tx.select(t.name, order_by=[c.name for c in t.primary_key.columns])
            for t in metadata.sorted_tables
            if t.name not in AUDIT
        }
    finally:
        tx.rollback()


@pytest.fixture
def pending(harness: Harness) -> tuple[Harness, str, dict[str, str]]:
    make_account(harness)
    to_proofing(harness)
    challenge = harness.softtoken.registration.begin_proofing(USER)
    assert challenge.qr_payload is not None
    request = harness.wallet.read_qr(challenge.qr_payload)
    return harness, challenge.qr_payload, request


def claims(request: dict[str, str], **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "aud": request["client_id"],
        "nonce": request["nonce"],
        "sub": CITIZEN,
        "given_name": "สมชาย",
        "family_name": "ใจดี",
        "verification_status": "verified",
    }
    return {**base, **overrides}


Forge = Callable[[Harness, dict[str, str]], str]

CASES: dict[str, tuple[Forge, type[SoftTokenError], str]] = {
    "forged (another key)": (
        lambda h, r: h.wallet.sign(claims(r), key=ECKey.generate_key("P-256")),
        AuthenticationError, "proofing_bad_signature"),
    "forged (kid of the provider, another key)": (
        lambda h, r: h.wallet.sign(claims(r), key=ECKey.generate_key(
            "P-256", parameters={"kid": str(h.wallet.key.kid)})),
        AuthenticationError, "proofing_bad_signature"),
    "signature cut off": (
        lambda h, r: h.wallet.sign(claims(r)).rsplit(".", 1)[0] + ".",
        AuthenticationError, "proofing_bad_signature"),
    "alg none": (
        lambda h, r: "eyJhbGciOiJub25lIn0." + h.wallet.sign(claims(r)).split(".")[1] + ".",
        AuthenticationError, "proofing_bad_signature"),
    "wrong audience": (
        lambda h, r: h.wallet.sign(claims(r, aud="another-portal")),
        AuthenticationError, "proofing_wrong_audience"),
    "wrong issuer": (
        lambda h, r: h.wallet.sign(claims(r, iss="https://evil.example")),
        AuthenticationError, "proofing_wrong_issuer"),
    "expired assertion": (
        lambda h, r: h.wallet.sign(claims(
            r, iat=int(h.clock.now().timestamp()) - 600,
            exp=int(h.clock.now().timestamp()) - 300)),
        AuthenticationError, "proofing_assertion_expired"),
    "another citizen ID": (
        lambda h, r: h.wallet.sign(claims(r, sub=OTHER_CITIZEN)),
        StateError, "proofing_citizen_mismatch"),
    "awaiting further verification": (
        lambda h, r: h.wallet.sign(claims(r, verification_status="awaiting_verification")),
        StateError, "proofing_wallet_unverified"),
    "unknown nonce": (
        lambda h, r: h.wallet.sign(claims(r, nonce="x" * 43)),
        AuthenticationError, "proofing_nonce_mismatch"),
    "not a JWS": (lambda _h, _r: "hello", ValidationError, "proofing_malformed"),
    "claims not JSON": (lambda _h, _r: "e30.bm90IGpzb24.c2ln", ValidationError,
                        "proofing_malformed"),
    "lifetime too long": (
        lambda h, r: h.wallet.sign(claims(r, exp=int(h.clock.now().timestamp()) + 86400)),
        ValidationError, "proofing_malformed"),
}  # fmt: skip


#: Answers that match no pending proofing: anyone can post them.
MATCH_NOTHING = {"unknown nonce", "not a JWS", "claims not JSON"}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_answers_change_nothing(
    pending: tuple[Harness, str, dict[str, str]], case: str
) -> None:
    harness, _, request = pending
    forge, kind, code = CASES[case]
    token = forge(harness, request)
    before = snapshot(harness)
    audit_before = harness.softtoken.audit.verify()
    records = harness.softtoken.audit.records()
    with pytest.raises(kind) as refused:
        harness.softtoken.proofing.callback("paotang", token)
    assert refused.value.code == code
    assert snapshot(harness) == before
    if case in MATCH_NOTHING:
        # No pending proofing matched: logged and counted, not audited (issue 16 item 6).
        assert harness.softtoken.audit.verify() == audit_before
    else:
        assert harness.softtoken.audit.verify() == audit_before + 1  # the refusal is audited
        (written,) = new_records(harness, records)
        last = written.entry
        assert (last.action, last.outcome, last.details["reason"]) == (
            "proofing.complete",
            "failure",
            code,
        )
    with pytest.raises(StateError):
        harness.softtoken.registration.check_status(USER)


def test_a_replayed_answer_is_refused(pending: tuple[Harness, str, dict[str, str]]) -> None:
    harness, qr, _ = pending
    soft = harness.softtoken
    token = phone_for(harness).scan(qr, accept_consent=True)
    record = soft.proofing.callback("paotang", token)
    assert record.status is ProofingStatus.VERIFIED
    before = snapshot(harness)
    with pytest.raises(AuthenticationError) as replayed:
        soft.proofing.callback("paotang", token)
    assert replayed.value.code == "proofing_replayed"
    assert snapshot(harness) == before
    # The same answer replayed against a later proofing does not fit either.
    soft.registration.check_status(USER)
    soft.registration.cancel(USER)
    to_proofing(harness)
    later = soft.registration.begin_proofing(USER)
    with pytest.raises(AuthenticationError):
        soft.proofing.complete(later.proofing_id, token, expected_citizen_id=CITIZEN)


def test_an_expired_qr_code_is_refused(pending: tuple[Harness, str, dict[str, str]]) -> None:
    harness, qr, _ = pending
    phone = phone_for(harness)
    token = phone.scan(qr, accept_consent=True)
    harness.clock.advance(harness.softtoken.policy.proofing_request_lifetime + timedelta(seconds=1))
    before = snapshot(harness)
    with pytest.raises(AuthenticationError) as expired:
        harness.softtoken.proofing.callback("paotang", token)
    assert expired.value.code == "proofing_expired"
    assert snapshot(harness) == before
    with pytest.raises(AuthenticationError):
        harness.softtoken.registration.check_status(USER)  # the polled answer is too late
    # A new QR code works.
    again = harness.softtoken.registration.begin_proofing(USER)
    assert again.qr_payload is not None
    harness.softtoken.proofing.callback("paotang", phone.scan(again.qr_payload))
    assert harness.softtoken.registration.check_status(USER).step == 3


def test_complete_checks_the_expected_citizen_id(
    pending: tuple[Harness, str, dict[str, str]],
) -> None:
    harness, qr, _ = pending
    token = phone_for(harness).scan(qr, accept_consent=True)
    proofing_id = harness.softtoken.registration.current(USER).proofing_id  # type: ignore[union-attr]
    assert proofing_id is not None
    with pytest.raises(StateError) as other:
        harness.softtoken.proofing.complete(proofing_id, token, expected_citizen_id=OTHER_CITIZEN)
    assert other.value.code == "proofing_citizen_mismatch"
    verified = harness.softtoken.proofing.complete(proofing_id, token, expected_citizen_id=CITIZEN)
    assert verified.citizen_id.value == CITIZEN
    assert verified.evidence_reference.startswith("paotang:")
