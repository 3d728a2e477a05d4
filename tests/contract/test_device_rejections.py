"""Everything the device protocol must refuse, on every adapter: each with its own code,
and storage left exactly as it was (a wrong picture or code is the one exception: it
fails the challenge for good, so a guess cannot be repeated)."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from softtoken import AuthenticationError, Policy, SoftTokenError, ValidationError
from softtoken.authenticator import Device
from softtoken.ports import Storage
from softtoken.protocol import ENROLL_TYP, ActivationPayload, read, sign
from softtoken.testing import Harness, in_memory, make_test_authority

from ..helpers.devices import (
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


def refused(harness: Harness, call: object, code: str) -> None:
    before = snapshot(harness)
    with pytest.raises(SoftTokenError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == code
    assert snapshot(harness) == before


# --- activation -------------------------------------------------------------------------


def test_forged_enrollment_signature(harness: Harness) -> None:
    registered_account(harness)
    phone = new_phone()
    start = harness.softtoken.activation.begin(USER)
    token = phone.enroll(phone.scan(start.qr_payload), pin=PIN)
    claims = dict(read(token, expect_typ=ENROLL_TYP).claims)
    other = sign(claims, ec.generate_private_key(ec.SECP256R1()), typ=ENROLL_TYP)
    header = token.split(".")[0]
    forged = f"{header}.{other.split('.')[1]}.{other.split('.')[2]}"
    refused(
        harness, lambda: harness.softtoken.activation.enroll(forged), "device_signature_invalid"
    )
    # Signed by another key that put itself in the header: the CSR's key is not it.
    refused(harness, lambda: harness.softtoken.activation.enroll(other), "enrollment_key_mismatch")


def test_expired_activation_secret(harness: Harness) -> None:
    registered_account(harness)
    phone = new_phone()
    start = harness.softtoken.activation.begin(USER)
    harness.clock.advance(harness.softtoken.policy.activation_lifetime)
    token = phone.enroll(phone.scan(start.qr_payload), pin=PIN)
    refused(harness, lambda: harness.softtoken.activation.enroll(token), "activation_expired")


def test_reused_and_wrong_activation_secrets(harness: Harness) -> None:
    registered_account(harness)
    start = harness.softtoken.activation.begin(USER)
    first = new_phone()
    payload = first.scan(start.qr_payload)
    harness.softtoken.activation.enroll(first.enroll(payload, pin=PIN))
    second = new_phone()
    refused(
        harness,
        lambda: harness.softtoken.activation.enroll(second.enroll(payload, pin=PIN)),
        "activation_used",
    )
    guessed = ActivationPayload(
        server=payload.server,
        activation_id=payload.activation_id,
        secret=secrets.token_bytes(16),
        expires_at=payload.expires_at,
    )
    refused(
        harness,
        lambda: harness.softtoken.activation.enroll(second.enroll(guessed, pin=PIN)),
        "activation_secret_invalid",
    )


def test_a_newer_qr_code_supersedes_the_older(harness: Harness) -> None:
    registered_account(harness)
    older = harness.softtoken.activation.begin(USER)
    harness.softtoken.activation.begin(USER)
    phone = new_phone()
    token = phone.enroll(phone.scan(older.qr_payload), pin=PIN)
    refused(harness, lambda: harness.softtoken.activation.enroll(token), "activation_used")


def test_activation_needs_an_approved_registration(harness: Harness) -> None:
    harness.softtoken.accounts.create(user_id=USER, first_name="A", last_name="B")
    refused(harness, lambda: harness.softtoken.activation.begin(USER), "registration_not_approved")


# --- login challenges -------------------------------------------------------------------


@pytest.fixture(params=["confirm", "select", "enter"])
def user(storage: Storage, request: pytest.FixtureRequest) -> tuple[Harness, Device]:
    return soft_token_user(
        in_memory(storage=storage, policy=Policy.for_tests(matching_mode=request.param))
    )


@pytest.mark.parametrize("mode", ["select", "enter"])  # confirm has no answer to get wrong
def test_wrong_picture_or_code_fails_the_challenge_for_good(storage: Storage, mode: str) -> None:
    harness, phone = soft_token_user(
        in_memory(storage=storage, policy=Policy.for_tests(matching_mode=mode))
    )
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    wrong = "000000" if challenge.mode == "enter" and challenge.code != "000000" else "111111"
    if challenge.mode == "select":
        wrong = next(p for p in item["pictures"] if p != challenge.picture.id)
    with pytest.raises(AuthenticationError) as caught:
        soft.push_login.respond(phone.approve(item, answer=wrong, pin=PIN))
    assert caught.value.code == "challenge_answer_wrong"
    # The right answer cannot follow: the challenge is spent.
    right = phone.approve(
        item, answer=answer_for(challenge.mode, challenge.picture.id, challenge.code), pin=PIN
    )
    refused(harness, lambda: soft.push_login.respond(right), "challenge_used")
    refused(
        harness,
        lambda: soft.push_login.check(challenge.challenge_id, user_id=USER),
        "challenge_answer_wrong",
    )


def test_replayed_approval_and_expired_challenge(user: tuple[Harness, Device]) -> None:
    harness, phone = user
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    approval = phone.approve(
        item,
        pin=PIN,
        answer=answer_for(challenge.mode, challenge.picture.id, challenge.code),
    )
    soft.push_login.respond(approval)
    refused(harness, lambda: soft.push_login.respond(approval), "challenge_used")
    soft.push_login.check(challenge.challenge_id, user_id=USER)
    refused(
        harness,
        lambda: soft.push_login.check(challenge.challenge_id, user_id=USER),
        "challenge_used",
    )

    late = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    harness.clock.advance(soft.policy.challenge_lifetime)
    approval = phone.approve(
        item,
        pin=PIN,
        answer=answer_for(late.mode, late.picture.id, late.code),
    )
    refused(harness, lambda: soft.push_login.respond(approval), "challenge_expired")
    refused(
        harness, lambda: soft.push_login.check(late.challenge_id, user_id=USER), "challenge_expired"
    )


def test_revoked_expired_and_foreign_certificates(harness: Harness) -> None:
    harness, phone = soft_token_user(harness)
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    answer = answer_for(challenge.mode, challenge.picture.id, challenge.code)

    # A device certificate from another CA, for the same user ID and key.
    stranger = in_memory(authority=make_test_authority(now=harness.clock.now()))
    stranger_phone = new_phone()
    registered_account(stranger)
    activate(stranger, stranger_phone)
    refused(
        harness,
        lambda: soft.push_login.respond(stranger_phone.approve(item, pin=PIN, answer=answer)),
        "certificate_untrusted",
    )

    # Expired: two years and a day later.
    approval = phone.approve(item, pin=PIN, answer=answer)
    harness.clock.advance(days=731)
    refused(harness, lambda: soft.push_login.respond(approval), "certificate_expired")


def test_revocation_during_a_pending_challenge(harness: Harness) -> None:
    harness, phone = soft_token_user(harness)
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    soft.ca.revoke(phone.certificate_serial, reason="lost_phone", actor="officer:test")
    approval = phone.approve(
        item, pin=PIN, answer=answer_for(challenge.mode, challenge.picture.id, challenge.code)
    )
    refused(harness, lambda: soft.push_login.respond(approval), "certificate_revoked")


def test_approval_for_another_accounts_challenge(harness: Harness) -> None:
    harness, phone = soft_token_user(harness)
    soft = harness.softtoken
    other_user, other_email = "T05005000000202", "other@example.go.th"
    registered_account(harness, other_user, other_email)
    other_phone = new_phone()
    activate(harness, other_phone, other_user)
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    forged = other_phone.approve(
        item, pin=PIN, answer=answer_for(challenge.mode, challenge.picture.id, challenge.code)
    )
    refused(harness, lambda: soft.push_login.respond(forged), "challenge_wrong_account")


def test_too_many_unanswered_pushes_wait(memory_harness: Harness) -> None:
    harness, _ = soft_token_user(memory_harness)
    soft = harness.softtoken
    for _ in range(soft.policy.pushes_since_last_login):
        soft.push_login.begin(USER, PASSWORD)
    from softtoken import RateLimited

    with pytest.raises(RateLimited) as caught:
        soft.push_login.begin(USER, PASSWORD)
    assert caught.value.code == "too_many_pushes"
    assert caught.value.retry_after == int(soft.policy.login_lockout.total_seconds()) + 1
    harness.clock.advance(soft.policy.login_lockout)
    soft.push_login.begin(USER, PASSWORD)


def test_only_one_open_challenge_per_account(memory_harness: Harness) -> None:
    harness, phone = soft_token_user(memory_harness)
    soft = harness.softtoken
    first = soft.push_login.begin(USER, PASSWORD)
    first_item = pending_one(harness, phone)
    second = soft.push_login.begin(USER, PASSWORD)
    assert pending_one(harness, phone)["cid"] == second.challenge_id
    stale = phone.approve(
        first_item, pin=PIN, answer=answer_for(first.mode, first.picture.id, first.code)
    )
    refused(harness, lambda: soft.push_login.respond(stale), "challenge_used")


def test_the_pushes_window_resets_after_a_successful_login(memory_harness: Harness) -> None:
    harness, phone = soft_token_user(memory_harness)
    soft = harness.softtoken
    for _ in range(soft.policy.pushes_since_last_login - 1):
        soft.push_login.begin(USER, PASSWORD)
    last = soft.push_login.begin(USER, PASSWORD)
    soft.push_login.respond(
        phone.approve(
            pending_one(harness, phone),
            pin=PIN,
            answer=answer_for(last.mode, last.picture.id, last.code),
        )
    )
    soft.push_login.check(last.challenge_id, user_id=USER)
    for _ in range(soft.policy.pushes_since_last_login):
        soft.push_login.begin(USER, PASSWORD)


def test_expiry_is_exact(memory_harness: Harness) -> None:
    harness, phone = soft_token_user(memory_harness)
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    harness.clock.advance(soft.policy.challenge_lifetime - timedelta(seconds=1))
    soft.push_login.respond(
        phone.approve(
            item, pin=PIN, answer=answer_for(challenge.mode, challenge.picture.id, challenge.code)
        )
    )


def test_garbage_messages_are_malformed(memory_harness: Harness) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    soft = memory_harness.softtoken

    @given(st.one_of(st.text(max_size=300), st.binary(max_size=60), st.none()))
    @settings(max_examples=150)
    def check(raw: object) -> None:
        for call in (soft.push_login.respond, soft.activation.enroll):
            with pytest.raises(ValidationError) as caught:
                call(raw)
            assert caught.value.code == "device_message_malformed"

    check()
