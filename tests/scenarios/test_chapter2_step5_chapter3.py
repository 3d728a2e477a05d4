"""Manual chapter 2 step 5 (activate the soft token) and chapter 3 (first login with the
soft token), walked as the manual does, on every storage adapter, with the reference
device as the phone and the QR code read back from the rendered image by zbar."""

from __future__ import annotations

import pytest

from softtoken import Policy, StateError
from softtoken._qr import qr_png
from softtoken.ports import Storage
from softtoken.testing import Harness, in_memory

from ..helpers.devices import (
    EMAIL,
    PASSWORD,
    PIN,
    USER,
    answer_for,
    decode_qr,
    new_phone,
    pending_one,
    registered_account,
)

NEW_PASSWORD = "another long passphrase"


@pytest.mark.parametrize("mode", ["confirm", "select", "enter"])
def test_activate_then_first_login_in_each_matching_mode(storage: Storage, mode: str) -> None:
    harness = in_memory(storage=storage, policy=Policy.for_tests(matching_mode=mode))
    soft = harness.softtoken
    registered_account(harness)

    # Step 5: "Activate", OK: the computer shows a QR code and keeps the page open.
    start = soft.activation.begin(USER)
    scanned = decode_qr(qr_png(start.qr_payload))
    assert scanned == start.qr_payload
    # The phone: "Scan QR code", "Activate", set a 6-digit PIN and confirm it.
    phone = new_phone(biometrics=True, clock=harness.clock)
    enrollment = phone.enroll(phone.scan(scanned), pin=PIN)
    verified = soft.activation.enroll(enrollment)
    phone.install(verified.answer)
    # The computer: "check": the app finished.
    status = soft.activation.check(start.activation_id, user_id=USER)
    assert status.completed
    assert status.certificate_serial == phone.certificate_serial
    account = soft.accounts.get(USER)
    assert account.login_type.value == "soft_token"
    harness.deliver_mail()
    assert harness.mailbox.last(EMAIL).template == "device_bound"

    # Chapter 3: user ID and password; the computer shows a picture.
    challenge = soft.push_login.begin(USER, PASSWORD)
    assert challenge.mode == mode
    assert (challenge.code is not None) == (mode == "enter")
    # The phone shows the picture(s); the person approves only if they match.
    shown = phone.view(pending_one(harness, phone))
    if mode == "confirm":
        assert [p.id for p in shown.pictures] == [challenge.picture.id]
    elif mode == "select":
        assert challenge.picture in shown.pictures
        assert len(shown.pictures) == soft.policy.matching_select_choices
    else:
        assert shown.pictures == ()
    with pytest.raises(StateError) as pending:
        soft.push_login.check(challenge.challenge_id, user_id=USER)
    assert pending.value.code == "challenge_pending"
    approval = phone.approve(
        pending_one(harness, phone),
        pin=PIN,
        answer=answer_for(mode, challenge.picture.id, challenge.code),
    )
    assert soft.push_login.respond(approval).decision == "approved"
    login = soft.push_login.check(challenge.challenge_id, user_id=USER)
    # First login with the soft token: "please change password".
    assert login.password_change_required
    soft.login.change_password(
        USER, current_password=PASSWORD, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    # "Please log in again".
    again = soft.push_login.begin(USER, NEW_PASSWORD)
    item = pending_one(harness, phone)
    soft.push_login.respond(
        phone.approve(item, biometric=True, answer=answer_for(mode, again.picture.id, again.code))
    )
    second = soft.push_login.check(again.challenge_id, user_id=USER)
    assert not second.password_change_required
    assert second.certificate_days_left == 730
    assert not second.renewal_notice
    assert soft.audit.verify() > 0


def test_a_declined_push_is_recorded_and_emailed(harness: Harness) -> None:
    from softtoken import AuthenticationError

    from ..helpers.devices import soft_token_user

    harness, phone = soft_token_user(harness)
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    soft.push_login.respond(phone.decline(pending_one(harness, phone), pin=PIN))
    with pytest.raises(AuthenticationError) as caught:
        soft.push_login.check(challenge.challenge_id, user_id=USER)
    assert caught.value.code == "challenge_declined"
    harness.deliver_mail()
    assert harness.mailbox.last(EMAIL).template == "login_declined"
    declined = [r for r in soft.audit.records() if r.entry.action == "login.push_answer"]
    assert declined[-1].entry.outcome == "denied"


def test_offline_codes_only_when_the_policy_allows(memory_harness: Harness) -> None:
    from softtoken import AuthenticationError

    from ..helpers.devices import soft_token_user

    harness, phone = soft_token_user(memory_harness)
    with pytest.raises(StateError) as caught:
        harness.softtoken.push_login.offline(USER, PASSWORD, "123456")
    assert caught.value.code == "offline_login_not_allowed"
    assert phone.totp is None

    allowed, phone = soft_token_user(policy=Policy.for_tests(totp_offline_fallback=True))
    soft = allowed.softtoken
    code = phone.offline_code(pin=PIN, now=allowed.clock.now())
    login = soft.push_login.offline(USER, PASSWORD, code)
    assert login.account.user_id.value == USER
    with pytest.raises(AuthenticationError) as replay:
        soft.push_login.offline(USER, PASSWORD, code)
    assert replay.value.code == "totp_replayed"
    assert "sealed" in (phone.totp or {})
    assert "secret" not in (phone.totp or {})
