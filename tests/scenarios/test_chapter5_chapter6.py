"""Manual chapter 6 (renewal: notice, forced renewal, "Update Profile") and chapter 5
(self-revocation), on every storage adapter, with the reference device and the fake
clock at the boundaries."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from softtoken import AuthenticationError, Policy, StateError, ValidationError
from softtoken.authenticator import Device
from softtoken.ca import RevocationReason
from softtoken.lifecycle.login._push import SoftTokenLogin
from softtoken.ports import Storage
from softtoken.testing import Harness, in_memory

from ..helpers.ca import OPENSSL, openssl_ocsp, openssl_verify
from ..helpers.devices import (
    EMAIL,
    PASSWORD,
    PIN,
    USER,
    activate,
    answer_for,
    new_phone,
    pending_one,
    registered_account,
    soft_token_user,
)
from ..helpers.storage import snapshot


def log_in(harness: Harness, phone: Device) -> SoftTokenLogin:
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    soft.push_login.respond(
        phone.approve(
            item, pin=PIN, answer=answer_for(challenge.mode, challenge.picture.id, challenge.code)
        )
    )
    return soft.push_login.check(challenge.challenge_id, user_id=USER)


def not_after(harness: Harness, phone: Device) -> datetime:
    return harness.softtoken.ca.get(phone.certificate_serial).not_after


def renew(harness: Harness, phone: Device, *, password: str | None = None) -> str:
    """Chapter 6: "Renew", confirm; the app: "Update Profile", "Accept"; "check"."""
    soft = harness.softtoken
    start = soft.renewal.begin(USER, password=password)
    [request] = soft.renewal.pending_for_device(phone.certificate_serial)
    assert request["type"] == "renewal"
    verified = soft.renewal.complete(phone.accept_renewal(request, pin=PIN))
    phone.install_renewal(verified.answer, pin=PIN)
    assert soft.renewal.check(start.renewal_id, user_id=USER).completed
    return verified.new_serial


@pytest.fixture
def user(storage: Storage) -> tuple[Harness, Device]:
    return soft_token_user(in_memory(storage=storage))


# --- chapter 6 ---------------------------------------------------------------------------


def test_renewal_notice_boundaries(user: tuple[Harness, Device]) -> None:
    harness, phone = user
    end = not_after(harness, phone)
    for left, notice in ((31, False), (30, True), (1, True)):
        harness.clock.set(end - timedelta(days=left))
        login = log_in(harness, phone)
        assert login.renewal_notice is notice, left
        assert login.certificate_days_left == left
    # The last day shows the notice too; only expiry stops the login (chapter 6).
    harness.clock.set(end - timedelta(days=1) + timedelta(seconds=1))
    last_day = log_in(harness, phone)
    assert last_day.renewal_notice
    assert last_day.certificate_days_left == 1
    harness.clock.set(end + timedelta(seconds=1))
    with pytest.raises(StateError) as expired:
        harness.softtoken.push_login.begin(USER, PASSWORD)
    assert expired.value.code == "soft_token_expired"


def test_renewal_ceremony_and_the_old_certificate_until_the_new_is_used(
    user: tuple[Harness, Device],
) -> None:
    harness, phone = user
    soft = harness.softtoken
    old_serial = phone.certificate_serial
    harness.clock.set(not_after(harness, phone) - timedelta(days=10))
    assert log_in(harness, phone).renewal_notice
    new_serial = renew(harness, phone)
    assert phone.certificate_serial == new_serial
    harness.deliver_mail()
    assert harness.mailbox.last(EMAIL).template == "soft_token_renewed"
    # Until the device uses the new certificate, the old one still stands.
    assert soft.ca.get(old_serial).status.value == "active"
    login = log_in(harness, phone)
    assert login.certificate_serial == new_serial
    assert login.certificate_days_left == 730
    assert not login.renewal_notice
    old = soft.ca.get(old_serial)
    assert old.status.value == "superseded"
    assert old.superseded_by == new_serial
    events = [e.event.value for e in soft.revocation.history(USER)]
    assert events == ["bound", "renewed"]


def test_expired_renews_only_after_the_password_within_the_grace_period(
    user: tuple[Harness, Device],
) -> None:
    harness, phone = user
    soft = harness.softtoken
    end = not_after(harness, phone)
    grace = soft.policy.renewal_grace_period
    harness.clock.set(end + grace)
    with pytest.raises(StateError) as needs:
        soft.renewal.begin(USER)
    assert needs.value.code == "renewal_needs_password"
    harness.clock.set(end + grace + timedelta(microseconds=1))
    with pytest.raises(StateError) as over:
        soft.renewal.begin(USER, password=PASSWORD)
    assert over.value.code == "renewal_grace_over"
    harness.clock.set(end + grace)
    renew(harness, phone, password=PASSWORD)
    assert log_in(harness, phone).certificate_days_left == 730


def test_renewal_with_a_new_key(storage: Storage) -> None:
    harness, phone = soft_token_user(
        in_memory(storage=storage, policy=Policy.for_tests(renewal_new_key=True))
    )
    soft = harness.softtoken
    old_key = soft.ca.get(phone.certificate_serial).key_fingerprint
    new_serial = renew(harness, phone)
    assert soft.ca.get(new_serial).key_fingerprint != old_key
    log_in(harness, phone)


def test_renewal_refusals_change_nothing(user: tuple[Harness, Device]) -> None:
    harness, phone = user
    soft = harness.softtoken
    start = soft.renewal.begin(USER)
    [request] = soft.renewal.pending_for_device(phone.certificate_serial)
    accepted = phone.accept_renewal(request, pin=PIN)
    # Someone else's device accepting this person's request.
    other, other_email = "T05005000000202", "other@example.go.th"
    registered_account(harness, other, other_email)
    stranger = new_phone()
    activate(harness, stranger, other)
    foreign = stranger.accept_renewal(request, pin=PIN)
    before = snapshot(harness)
    with pytest.raises(AuthenticationError) as caught:
        soft.renewal.complete(foreign)
    assert caught.value.code == "renewal_wrong_account"
    assert snapshot(harness) == before
    first = soft.renewal.complete(accepted)
    before = snapshot(harness)
    # The same answer again (the first was lost): the same certificate, nothing written
    # (issue 16 item 3, tests/reliability/test_lost_renewal_answer.py).
    assert soft.renewal.complete(accepted).answer == first.answer
    assert snapshot(harness) == before
    assert soft.renewal.check(start.renewal_id, user_id=USER).completed


# --- chapter 5 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "crl_reason"),
    [
        ("own_data_changed", x509.ReasonFlags.affiliation_changed),
        ("holder_resigned", x509.ReasonFlags.cessation_of_operation),
        ("holder_transferred", x509.ReasonFlags.affiliation_changed),
        ("email_changed", x509.ReasonFlags.superseded),
        ("new_phone", x509.ReasonFlags.superseded),
    ],
)
def test_self_revocation_for_each_reason(
    user: tuple[Harness, Device], reason: str, crl_reason: x509.ReasonFlags
) -> None:
    harness, phone = user
    soft = harness.softtoken
    serial = phone.certificate_serial
    pending = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    assert item["cid"] == pending.challenge_id
    done = soft.revocation.revoke(USER, reason=reason)
    assert done.revoked_serials == (serial,)
    [entry] = list(soft.ca.crl())
    assert format(entry.serial_number, "x") == serial
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == crl_reason
    # The device learns it at its next poll.
    [notice] = soft.device_poll(serial)
    assert notice == {"v": 1, "type": "revoked", "reason": reason}
    phone.learn_revoked(notice["reason"])
    assert not phone.activated
    # Nothing waits for the device any more; no login, no renewal.
    assert soft.push_login.pending_for_device(serial) == []
    with pytest.raises(StateError) as no_login:
        soft.push_login.begin(USER, PASSWORD)
    assert no_login.value.code == "soft_token_not_active"
    with pytest.raises(StateError):
        soft.renewal.begin(USER)
    # Ready to register again with the same user ID and password.
    account = soft.accounts.get(USER)
    assert account.login_type.value == "password"
    assert not account.registration_completed
    assert soft.login.password(USER, PASSWORD).authenticated
    harness.deliver_mail()
    assert harness.mailbox.last(EMAIL).template == "soft_token_revoked"
    assert [e.event.value for e in soft.revocation.history(USER)] == ["bound", "revoked"]


def test_a_revoked_certificate_cannot_approve_a_pending_challenge(
    user: tuple[Harness, Device],
) -> None:
    harness, phone = user
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    approval = phone.approve(
        pending_one(harness, phone),
        pin=PIN,
        answer=answer_for(challenge.mode, challenge.picture.id, challenge.code),
    )
    soft.revocation.revoke(USER, reason="new_phone")
    with pytest.raises(AuthenticationError) as caught:
        soft.push_login.respond(approval)
    assert caught.value.code == "certificate_revoked"


@pytest.mark.parametrize("reason", ["lost_phone", "renewed", "privilege_withdrawn", "x", "", 3])
def test_reasons_outside_the_manuals_four_are_refused(
    user: tuple[Harness, Device], reason: object
) -> None:
    harness, _ = user
    before = snapshot(harness)
    with pytest.raises(ValidationError) as caught:
        harness.softtoken.revocation.revoke(USER, reason=reason)
    assert caught.value.code == "revocation_reason_invalid"
    assert snapshot(harness) == before


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_openssl_sees_the_revocation_in_the_crl_and_ocsp(tmp_path: Path) -> None:
    harness, phone = soft_token_user()
    soft = harness.softtoken
    authority = soft.ca.authority
    leaf = phone.chain()[0]
    soft.revocation.revoke(USER, reason="own_data_changed")
    checked = openssl_verify(
        tmp_path,
        root=authority.root,
        issuing=authority.issuing,
        leaf=leaf,
        crl=soft.ca.crl(),
        at=harness.clock.now(),
    )
    assert checked.returncode != 0
    assert "certificate revoked" in (checked.stdout + checked.stderr)
    ocsp = openssl_ocsp(
        tmp_path, soft.ca.ocsp_response, root=authority.root, issuing=authority.issuing, leaf=leaf
    )
    assert ocsp.returncode == 0, ocsp.stderr
    assert "revoked" in ocsp.stdout.lower()
    assert RevocationReason.OWN_DATA_CHANGED.rfc5280_code == 3


def test_after_revoking_the_person_registers_and_activates_again(
    user: tuple[Harness, Device],
) -> None:
    from ..helpers.registration import to_awaiting_approval

    harness, old_phone = user
    soft = harness.softtoken
    soft.revocation.revoke(USER, reason="new_phone")
    with pytest.raises(StateError) as closed:
        soft.activation.begin(USER)
    assert closed.value.code == "registration_not_approved"
    # Chapter 2 again, same user ID and password.
    registration = to_awaiting_approval(harness)
    soft.registration.approve(registration.registration_id, officer="officer.test")
    phone = new_phone()
    activate(harness, phone)
    assert phone.certificate_serial != old_phone.certificate_serial
    login = log_in(harness, phone)
    assert login.password_change_required  # first login on the new soft token
    events = [e.event.value for e in soft.revocation.history(USER)]
    assert events == ["bound", "revoked", "bound"]
