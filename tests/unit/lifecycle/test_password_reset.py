"""Forgot password (manual chapter 4) on the memory adapter with the fake clock: the
generic mismatch, the 5-mismatch lock for 5 minutes (per user ID and per client key),
the 90-second resend, the code's own errors, and the emailed password."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from softtoken import (
    AuthenticationError,
    Config,
    FakeClock,
    MemoryMailbox,
    Policy,
    RateLimited,
    SoftToken,
    SoftTokenError,
    StateError,
    ValidationError,
    build,
)
from softtoken.lifecycle import LoginStep
from softtoken.storage.memory import MemoryStorage
from softtoken.testing import Harness, in_memory

from ...helpers.otp import (
    CITIZEN,
    EMAIL,
    OTHER_CITIZEN,
    OTHER_USER,
    PASSWORD,
    USER,
    code_in,
    last_mail_text,
    password_in,
    registered,
    wrong_code,
)

NEW = "quiet river 1987 lantern"


@pytest.fixture
def harness() -> Harness:
    made = in_memory()
    registered(made)
    return made


def mismatch(harness: Harness, **changes: str) -> SoftTokenError:
    fields = {"user_id": USER, "citizen_id": CITIZEN, "email": EMAIL, **changes}
    with pytest.raises((AuthenticationError, RateLimited)) as caught:
        harness.softtoken.password_reset.request(
            fields["user_id"],
            fields["citizen_id"],
            fields["email"],
            client_key=changes.get("client_key"),
        )
    return caught.value


@pytest.mark.parametrize(
    "changes",
    [
        {"citizen_id": OTHER_CITIZEN},
        {"email": "other@cgd.example.go.th"},
        {"user_id": OTHER_USER},
        {"citizen_id": OTHER_CITIZEN, "email": "other@cgd.example.go.th"},
    ],
)
def test_any_mismatch_gives_one_generic_error(harness: Harness, changes: dict[str, str]) -> None:
    error = mismatch(harness, **changes)
    assert isinstance(error, AuthenticationError)
    assert error.code == "reset_data_mismatch"
    assert not hasattr(error, "field")
    assert error.to_dict().keys() == {"code", "message_th", "message_en"}


def test_malformed_fields_are_named_and_not_counted(harness: Harness) -> None:
    with pytest.raises(ValidationError) as caught:
        harness.softtoken.password_reset.request(USER, "1234", EMAIL)
    assert caught.value.field == "citizen_id"
    with pytest.raises(ValidationError):
        harness.softtoken.password_reset.request(USER, CITIZEN, EMAIL, client_key=7)
    for _ in range(4):
        mismatch(harness, citizen_id=OTHER_CITIZEN)
    # Still only four mismatches counted: the right data gets through.
    assert harness.softtoken.password_reset.request(USER, CITIZEN, EMAIL).user_id == USER


def test_the_fifth_mismatch_locks_for_five_minutes_not_a_second_less(harness: Harness) -> None:
    soft, clock = harness.softtoken, harness.clock
    for _ in range(4):
        assert mismatch(harness, citizen_id=OTHER_CITIZEN).code == "reset_data_mismatch"
    fifth = mismatch(harness, citizen_id=OTHER_CITIZEN)
    assert isinstance(fifth, RateLimited)
    assert fifth.code == "reset_locked"
    assert fifth.retry_after == 300
    clock.advance(seconds=299)
    with pytest.raises(RateLimited) as locked:
        soft.password_reset.request(USER, CITIZEN, EMAIL)  # even the right data waits
    assert locked.value.retry_after == 1
    clock.advance(seconds=1)
    assert soft.password_reset.request(USER, CITIZEN, EMAIL).user_id == USER


def test_a_client_key_locks_across_user_ids(harness: Harness) -> None:
    registered(harness, user_id=OTHER_USER, citizen_id=OTHER_CITIZEN, email="b@example.go.th")
    for i in range(5):
        error = mismatch(harness, user_id=f"T0500500000{i:04d}", client_key="203.0.113.7")
    assert isinstance(error, RateLimited)
    assert error.code == "reset_locked"
    with pytest.raises(RateLimited):
        harness.softtoken.password_reset.request(
            OTHER_USER, OTHER_CITIZEN, "b@example.go.th", client_key="203.0.113.7"
        )
    # Another client is not locked, and neither is the user ID on its own.
    done = harness.softtoken.password_reset.request(
        OTHER_USER, OTHER_CITIZEN, "b@example.go.th", client_key="198.51.100.9"
    )
    assert done.user_id == OTHER_USER


def test_the_lock_lives_in_storage_shared_by_every_process() -> None:
    storage, clock, secret = MemoryStorage(), FakeClock(), secrets.token_bytes(32)

    def process() -> SoftToken:
        config = Config(secret_key=secret, storage_url="memory://", policy=Policy.for_tests())
        return build(
            config,
            clock=clock,
            storage=storage,
            email_sender=MemoryMailbox(),
            allow_test_policy=True,
        )

    first, second = process(), process()
    registered(first)
    for soft in [first, second, first, second]:
        with pytest.raises(AuthenticationError):
            soft.password_reset.request(USER, OTHER_CITIZEN, EMAIL)
    with pytest.raises(RateLimited):
        second.password_reset.request(USER, OTHER_CITIZEN, EMAIL)
    with pytest.raises(RateLimited):
        first.password_reset.request(USER, CITIZEN, EMAIL)


def test_a_match_sends_the_reset_password_email(harness: Harness) -> None:
    requested = harness.softtoken.password_reset.request(USER, CITIZEN, EMAIL)
    assert requested.sent_to == "so*******@cgd.example.go.th"
    assert requested.expires_at == harness.clock.now() + timedelta(minutes=10)
    assert requested.resend_after == harness.clock.now() + timedelta(seconds=90)
    harness.deliver_mail()
    (message,) = [m for m in harness.mailbox.messages if m.template == "password_reset_code"]
    assert message.to == EMAIL
    assert "รีเซ็ตรหัสผ่าน" in message.subject
    assert "reset password" in message.subject
    assert "Comptroller General" in message.text  # how to dispute
    assert "กรมบัญชีกลาง" in message.text
    assert len(code_in(message.text)) == 6


def test_a_new_code_at_most_every_90_seconds(harness: Harness) -> None:
    soft, clock = harness.softtoken, harness.clock
    soft.password_reset.request(USER, CITIZEN, EMAIL)
    first = code_in(last_mail_text(harness))
    clock.advance(seconds=89)
    with pytest.raises(RateLimited) as caught:
        soft.password_reset.request(USER, CITIZEN, EMAIL)
    assert caught.value.code == "otp_resend_too_soon"
    assert caught.value.retry_after == 1
    clock.advance(seconds=1)
    soft.password_reset.request(USER, CITIZEN, EMAIL)
    second = code_in(last_mail_text(harness))
    if first != second:
        with pytest.raises(AuthenticationError) as old:
            soft.password_reset.confirm(USER, first)
        assert old.value.code == "otp_wrong"
    assert soft.password_reset.confirm(USER, second).user_id == USER


def test_a_registration_must_be_complete(harness: Harness) -> None:
    registered(
        harness,
        user_id=OTHER_USER,
        citizen_id=OTHER_CITIZEN,
        email="b@example.go.th",
        completed=False,
    )
    with pytest.raises(StateError) as caught:
        harness.softtoken.password_reset.request(OTHER_USER, OTHER_CITIZEN, "b@example.go.th")
    assert caught.value.code == "reset_not_available"
    relaxed = in_memory(policy=Policy.for_tests(reset_requires_completed_registration=False))
    registered(relaxed, completed=False)
    assert relaxed.softtoken.password_reset.request(USER, CITIZEN, EMAIL).user_id == USER


def test_confirm_emails_a_new_password_that_must_be_changed(harness: Harness) -> None:
    soft = harness.softtoken
    soft.password_reset.request(USER, CITIZEN, EMAIL)
    done = soft.password_reset.confirm(USER, code_in(last_mail_text(harness)))
    assert done.sent_to == "so*******@cgd.example.go.th"  # masked, as at the request
    assert not hasattr(done, "password")
    text = last_mail_text(harness, template="password_reset_done")
    assert "Comptroller General" in text
    assert "กรมบัญชีกลาง" in text
    new_password = password_in(text)
    assert len(new_password) == soft.policy.temporary_password_length
    with pytest.raises(AuthenticationError):
        soft.login.password(USER, PASSWORD)  # the old password stopped working
    login = soft.login.password(USER, new_password)
    # A soft token account: the phone first, then the change (issue 12, M7).
    assert login.next_step is LoginStep.SECOND_FACTOR
    assert login.change_reason == "temporary_password"
    soft.login.change_password(
        USER, current_password=new_password, new_password=NEW, confirm_password=NEW
    )
    assert not soft.login.password(USER, NEW).password_change_required
    assert new_password not in str(soft.audit.export())


def test_code_errors_each_have_their_own_code(harness: Harness) -> None:
    soft, clock = harness.softtoken, harness.clock
    with pytest.raises(StateError) as none:
        soft.password_reset.confirm(USER, "123456")
    assert none.value.code == "otp_not_issued"
    soft.password_reset.request(USER, CITIZEN, EMAIL)
    code = code_in(last_mail_text(harness))
    with pytest.raises(AuthenticationError) as wrong:
        soft.password_reset.confirm(USER, wrong_code(code))
    assert wrong.value.code == "otp_wrong"
    with pytest.raises(ValidationError) as malformed:
        soft.password_reset.confirm(USER, "12ab56")
    assert malformed.value.code == "otp_malformed"
    clock.advance(minutes=10)
    with pytest.raises(AuthenticationError) as expired:
        soft.password_reset.confirm(USER, code)
    assert expired.value.code == "otp_expired"
    soft.password_reset.request(USER, CITIZEN, EMAIL)
    code = code_in(last_mail_text(harness))
    soft.password_reset.confirm(USER, code)
    with pytest.raises(AuthenticationError) as used:
        soft.password_reset.confirm(USER, code)
    assert used.value.code == "otp_used"


def test_five_wrong_codes_lock_then_100_disable_until_an_officer_enables(
    harness: Harness,
) -> None:
    soft, clock = harness.softtoken, harness.clock
    soft.password_reset.request(USER, CITIZEN, EMAIL)
    code = code_in(last_mail_text(harness))
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            soft.password_reset.confirm(USER, wrong_code(code))
    with pytest.raises(RateLimited) as locked:
        soft.password_reset.confirm(USER, wrong_code(code))
    assert (locked.value.code, locked.value.retry_after) == ("otp_locked", 300)
    failures = 5
    while failures < 100:
        clock.advance(minutes=5)
        soft.password_reset.request(USER, CITIZEN, EMAIL)
        code = code_in(last_mail_text(harness))
        for _ in range(5):
            with pytest.raises((AuthenticationError, RateLimited)):
                soft.password_reset.confirm(USER, wrong_code(code))
            failures += 1
    with pytest.raises(RateLimited) as disabled:
        soft.password_reset.confirm(USER, code)
    assert (disabled.value.code, disabled.value.retry_after) == ("otp_disabled", None)
    clock.advance(days=7)
    with pytest.raises(RateLimited) as still:
        soft.password_reset.request(USER, CITIZEN, EMAIL)
    assert still.value.code == "otp_disabled"
    soft.password_reset.enable(USER, officer="o1")
    soft.password_reset.request(USER, CITIZEN, EMAIL)
    assert soft.password_reset.confirm(USER, code_in(last_mail_text(harness))).user_id == USER


def test_a_match_does_not_clear_the_client_keys_count(harness: Harness) -> None:
    for i in range(4):
        mismatch(harness, user_id=f"T0500500000{i:04d}", client_key="203.0.113.7")
    harness.softtoken.password_reset.request(USER, CITIZEN, EMAIL, client_key="203.0.113.7")
    fifth = mismatch(harness, user_id="T05005000009999", client_key="203.0.113.7")
    assert isinstance(fifth, RateLimited)
    assert fifth.code == "reset_locked"
