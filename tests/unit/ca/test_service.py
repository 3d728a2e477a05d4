"""soft.ca on the memory adapter: issue, verify, renew, revoke, hold, and every typed
error, with nothing stored when a call fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st

from softtoken.ca import CertificateStatus, RevocationReason
from softtoken.errors import (
    AuthenticationError,
    ConfigurationError,
    Conflict,
    NotFound,
    SoftTokenError,
    StateError,
    ValidationError,
)
from softtoken.policy import Policy
from softtoken.testing import Harness, in_memory, make_test_authority

from ...helpers.ca import device_key, make_csr

ALICE = "T05005000000201"
BOB = "T05005000000202"


@pytest.fixture
def h() -> Harness:
    return in_memory()


def _count(h: Harness, user: str = ALICE) -> int:
    return len(h.softtoken.ca.for_user(user))


def _actions(h: Harness) -> list[str]:
    return [r.entry.action for r in h.softtoken.audit.records()]


def test_issue_records_and_audits(h: Harness) -> None:
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr(), device_id="phone-1", actor="system")
    assert rec.status is CertificateStatus.ACTIVE
    assert rec.version == 1
    assert rec.user_id == ALICE
    assert rec.device_id == "phone-1"
    assert rec.key_type == "ec-p256"
    assert rec.issued_at == h.clock.now()
    assert rec.not_after - rec.not_before == h.softtoken.policy.certificate_validity
    assert rec.certificate.serial_number == int(rec.serial, 16)
    assert h.softtoken.ca.get(rec.serial) == rec
    # Records list by chain, then sequence: find this call's record by its action.
    [entry] = [
        r.entry for r in h.softtoken.audit.records() if r.entry.action == "certificate.issue"
    ]
    assert entry.action == "certificate.issue"
    assert entry.subject == ALICE
    assert entry.details["serial"] == rec.serial


def test_validity_follows_the_policy() -> None:
    h = in_memory(policy=Policy.for_tests(certificate_validity=timedelta(days=90)))
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    assert rec.not_after - rec.not_before == timedelta(days=90)


@pytest.mark.parametrize(
    ("csr", "code"),
    [
        (b"garbage", "csr_malformed"),
        (make_csr(device_key("ec-p521")), "csr_key_not_allowed"),
        (
            make_csr(extensions=[x509.BasicConstraints(ca=True, path_length=None)]),
            "csr_extensions_not_allowed",
        ),
    ],
)
def test_bad_csr_issues_nothing(h: Harness, csr: bytes, code: str) -> None:
    before = len(h.softtoken.audit.records())
    with pytest.raises(ValidationError) as caught:
        h.softtoken.ca.issue(user_id=ALICE, csr=csr)
    assert caught.value.code == code
    assert _count(h) == 0
    assert len(h.softtoken.audit.records()) == before


def test_verify_for_login(h: Harness) -> None:
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    verified = h.softtoken.ca.verify(rec.pem, user_id=ALICE)
    assert verified.record == rec
    assert verified.user_id == ALICE
    assert not verified.renewal_due
    assert h.softtoken.ca.verify(rec.der).record.serial == rec.serial
    with pytest.raises(AuthenticationError) as caught:
        h.softtoken.ca.verify(rec.certificate, user_id=BOB)
    assert caught.value.code == "certificate_wrong_user"


def test_expired_has_its_own_code_and_renewal_notice(h: Harness) -> None:
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    h.clock.set(rec.not_after - timedelta(days=30))
    assert h.softtoken.ca.verify(rec.pem).renewal_due
    h.clock.set(rec.not_after - timedelta(days=31))
    assert not h.softtoken.ca.verify(rec.pem).renewal_due
    h.clock.set(rec.not_after)
    assert h.softtoken.ca.verify(rec.pem).days_left == 0  # notAfter is still inside
    h.clock.advance(seconds=1)
    with pytest.raises(AuthenticationError) as caught:
        h.softtoken.ca.verify(rec.pem)
    assert caught.value.code == "certificate_expired"
    assert h.softtoken.ca.get(rec.serial).status_at(h.clock.now()) is CertificateStatus.EXPIRED


def test_foreign_and_unregistered_certificates(h: Harness) -> None:
    other = in_memory()
    foreign = other.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    with pytest.raises(AuthenticationError) as caught:
        h.softtoken.ca.verify(foreign.pem)
    assert caught.value.code == "certificate_untrusted"
    # Signed by our CA but never recorded (e.g. a lost transaction): unknown.
    shared = make_test_authority(now=h.clock.now())
    a, b = in_memory(authority=shared, clock=h.clock), in_memory(authority=shared, clock=h.clock)
    rec = a.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    with pytest.raises(AuthenticationError) as caught:
        b.softtoken.ca.verify(rec.pem)
    assert caught.value.code == "certificate_unknown"


@settings(max_examples=100)
@given(st.one_of(st.binary(max_size=1024), st.text(max_size=256)))
def test_verify_garbage_stays_in_the_error_tree(data: object) -> None:
    with pytest.raises(SoftTokenError):
        _GARBAGE_HARNESS.softtoken.ca.verify(data)


_GARBAGE_HARNESS = in_memory()


def test_revoke(h: Harness) -> None:
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    h.clock.advance(minutes=5)
    revoked = h.softtoken.ca.revoke(
        rec.serial, reason="lost_phone", actor="user:" + ALICE, user_id=ALICE
    )
    assert revoked.status is CertificateStatus.REVOKED
    assert revoked.revoked_at == h.clock.now()
    assert revoked.revocation_reason is RevocationReason.LOST_PHONE
    with pytest.raises(AuthenticationError) as caught:
        h.softtoken.ca.verify(rec.pem)
    assert caught.value.code == "certificate_revoked"
    with pytest.raises(StateError) as state:
        h.softtoken.ca.revoke(rec.serial, reason=RevocationReason.NEW_PHONE)
    assert state.value.code == "certificate_already_revoked"
    [entry] = [
        r.entry for r in h.softtoken.audit.records() if r.entry.action == "certificate.revoke"
    ]
    assert (entry.action, entry.details["reason"], entry.details["crl_reason"]) == (
        "certificate.revoke",
        "lost_phone",
        1,
    )


def test_revoke_errors(h: Harness) -> None:
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    with pytest.raises(Conflict) as caught:
        h.softtoken.ca.revoke(rec.serial, reason="new_phone", user_id=BOB)
    assert caught.value.code == "certificate_not_owned"
    with pytest.raises(ValidationError) as bad:
        h.softtoken.ca.revoke(rec.serial, reason="bored")
    assert bad.value.field == "reason"
    with pytest.raises(NotFound) as missing:
        h.softtoken.ca.revoke("abcdef", reason="new_phone")
    assert missing.value.code == "certificate_not_found"
    with pytest.raises(ValidationError):
        h.softtoken.ca.revoke("not hex", reason="new_phone")
    assert h.softtoken.ca.get(rec.serial).status is CertificateStatus.ACTIVE


def test_hold_then_release_or_revoke(h: Harness) -> None:
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    h.softtoken.ca.revoke(rec.serial, reason="suspended")
    with pytest.raises(StateError):
        h.softtoken.ca.revoke(rec.serial, reason="suspended")
    released = h.softtoken.ca.release_hold(rec.serial, actor="officer:o1")
    assert released.status is CertificateStatus.ACTIVE
    assert released.revoked_at is None
    h.softtoken.ca.verify(rec.pem)
    with pytest.raises(StateError) as caught:
        h.softtoken.ca.release_hold(rec.serial)
    assert caught.value.code == "certificate_not_on_hold"
    h.softtoken.ca.revoke(rec.serial, reason="suspended")
    final = h.softtoken.ca.revoke(rec.serial, reason="holder_resigned")  # hold -> permanent
    assert final.revocation_reason is RevocationReason.HOLDER_RESIGNED


def test_renew_same_key(h: Harness) -> None:
    old = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr(), device_id="phone-1")
    h.clock.advance(days=700)
    new = h.softtoken.ca.renew(old.serial, user_id=ALICE)
    assert new.renewed_from == old.serial
    assert new.device_id == "phone-1"
    assert new.key_fingerprint == old.key_fingerprint
    assert new.not_before == h.clock.now()
    stored_old = h.softtoken.ca.get(old.serial)
    assert stored_old.status is CertificateStatus.SUPERSEDED
    assert (stored_old.superseded_by, stored_old.superseded_at) == (new.serial, h.clock.now())
    with pytest.raises(AuthenticationError) as caught:
        h.softtoken.ca.verify(old.pem)
    assert caught.value.code == "certificate_superseded"
    h.softtoken.ca.verify(new.pem, user_id=ALICE)
    assert "certificate.renew" in _actions(h)
    with pytest.raises(StateError) as again:
        h.softtoken.ca.renew(old.serial, user_id=ALICE)
    assert again.value.code == "certificate_not_renewable"


def test_renew_expired_with_new_key(h: Harness) -> None:
    old = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    h.clock.set(old.not_after + timedelta(days=3))
    new = h.softtoken.ca.renew(old.serial, user_id=ALICE, csr=make_csr(device_key("ed25519")))
    assert new.key_type == "ed25519"
    assert new.key_fingerprint != old.key_fingerprint
    h.softtoken.ca.verify(new.pem)


def test_renew_errors(h: Harness) -> None:
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    with pytest.raises(Conflict) as other:
        h.softtoken.ca.renew(rec.serial, user_id=BOB)
    assert other.value.code == "certificate_not_owned"
    with pytest.raises(ValidationError):
        h.softtoken.ca.renew(rec.serial, user_id=ALICE, csr=b"junk")
    h.softtoken.ca.revoke(rec.serial, reason="lost_phone")
    with pytest.raises(StateError) as revoked:
        h.softtoken.ca.renew(rec.serial, user_id=ALICE)
    assert revoked.value.code == "certificate_not_renewable"
    assert _count(h) == 1


def test_renewal_new_key_policy() -> None:
    h = in_memory(policy=Policy.for_tests(renewal_new_key=True))
    key = device_key()
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr(key))
    with pytest.raises(ValidationError) as missing:
        h.softtoken.ca.renew(rec.serial, user_id=ALICE)
    assert missing.value.code == "required"
    with pytest.raises(ValidationError) as same:
        h.softtoken.ca.renew(rec.serial, user_id=ALICE, csr=make_csr(key))
    assert same.value.code == "certificate_same_key"
    assert h.softtoken.ca.renew(rec.serial, user_id=ALICE, csr=make_csr()).renewed_from


def test_one_key_one_holder(h: Harness) -> None:
    key = device_key()
    h.softtoken.ca.issue(user_id=ALICE, csr=make_csr(key))
    with pytest.raises(Conflict) as caught:
        h.softtoken.ca.issue(user_id=BOB, csr=make_csr(key))
    assert caught.value.code == "certificate_key_in_use"
    h.softtoken.ca.issue(user_id=ALICE, csr=make_csr(key))  # the same holder may


def test_revoke_all(h: Harness) -> None:
    a = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    b = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    h.softtoken.ca.revoke(b.serial, reason="new_phone")
    c = h.softtoken.ca.issue(user_id=BOB, csr=make_csr())
    done = h.softtoken.ca.revoke_all(ALICE, reason="holder_resigned", actor="officer:o1")
    assert [r.serial for r in done] == [a.serial]
    assert h.softtoken.ca.get(c.serial).status is CertificateStatus.ACTIVE


def test_not_configured() -> None:
    from softtoken._facade import SoftToken

    h = in_memory()
    bare = SoftToken(
        context=h.softtoken.context, storage=h.softtoken.storage, email_sender=h.mailbox
    )
    with pytest.raises(ConfigurationError) as caught:
        bare.ca.issue(user_id=ALICE, csr=make_csr())
    assert caught.value.code == "ca_not_configured"
    with pytest.raises(ConfigurationError):
        bare.ca.crl()
