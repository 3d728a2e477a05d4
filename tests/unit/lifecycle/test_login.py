"""Password login (manual chapter 3, password part): the forced change, its rules and
field errors in Thai and English, "please log in again", the lockout and the audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from softtoken import (
    AuthenticationError,
    PasswordRejected,
    Policy,
    RateLimited,
    StateError,
    ValidationError,
)
from softtoken.audit import AuditRecord
from softtoken.lifecycle import LoginStep
from softtoken.testing import Harness, in_memory

from ...helpers.otp import PASSWORD, USER
from ...helpers.storage import new_records

NEW = "quiet river 1987 lantern"


def make_account(harness: Harness) -> str:
    harness.softtoken.accounts.create(
        user_id=USER, first_name="Somchai", last_name="Jaidee", email="s@example.go.th"
    )
    return harness.softtoken.accounts.issue_temporary_password(USER, actor="officer:o1")


def test_first_login_demands_a_change_and_completes_no_login(memory_harness: Harness) -> None:
    soft = memory_harness.softtoken
    temporary = make_account(memory_harness)
    result = soft.login.password(USER, temporary)
    assert result.next_step is LoginStep.CHANGE_PASSWORD
    assert not result.authenticated
    assert result.change_reason == "temporary_password"
    assert soft.accounts.get(USER).last_login_at is None  # no login completed
    changed = soft.login.change_password(
        USER, current_password=temporary, new_password=NEW, confirm_password=NEW
    )
    assert changed.message("en") == "Please log in again."
    assert changed.message("th") == "กรุณาเข้าสู่ระบบอีกครั้ง"
    with pytest.raises(AuthenticationError) as caught:
        soft.login.password(USER, temporary)
    assert caught.value.code == "login_failed"
    again = soft.login.password(USER, NEW)
    assert again.authenticated
    assert again.next_step is LoginStep.AUTHENTICATED
    assert soft.accounts.get(USER).last_login_at == memory_harness.clock.now()


def test_forced_change_without_expiry_is_a_first_login(memory_harness: Harness) -> None:
    import attrs

    from softtoken import UserId

    soft = memory_harness.softtoken
    temporary = make_account(memory_harness)
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(USER))
        uow.accounts.update(attrs.evolve(account, password_expires_at=None))
        uow.commit()
    assert soft.login.password(USER, temporary).change_reason == "first_login"


def test_the_new_password_must_meet_the_rules_with_messages_in_both_languages(
    memory_harness: Harness,
) -> None:
    soft = memory_harness.softtoken
    temporary = make_account(memory_harness)
    with pytest.raises(PasswordRejected) as caught:
        soft.login.change_password(
            USER, current_password=temporary, new_password="short", confirm_password="short"
        )
    error = caught.value
    assert error.field == "new_password"
    assert error.reasons == ("password_too_short",)
    assert error.messages("th") == ["รหัสผ่านสั้นเกินไป"]
    assert error.messages("en") == ["The password is too short."]
    with pytest.raises(PasswordRejected) as common:
        soft.login.change_password(
            USER,
            current_password=temporary,
            new_password="password123",
            confirm_password="password123",
        )
    assert "password_common" in common.value.reasons
    with pytest.raises(PasswordRejected) as context:
        soft.login.change_password(
            USER,
            current_password=temporary,
            new_password=f"my id {USER}",
            confirm_password=f"my id {USER}",
        )
    assert "password_context" in context.value.reasons
    with pytest.raises(ValidationError) as mismatch:
        soft.login.change_password(
            USER, current_password=temporary, new_password=NEW, confirm_password=NEW + "x"
        )
    assert mismatch.value.field == "confirm_password"
    assert mismatch.value.code == "password_confirmation_mismatch"
    assert mismatch.value.to_dict()["message_th"] == "รหัสผ่านใหม่และการยืนยันรหัสผ่านไม่ตรงกัน"
    with pytest.raises(PasswordRejected) as same:
        soft.login.change_password(
            USER,
            current_password=temporary,
            new_password=temporary,
            confirm_password=temporary,
        )
    assert same.value.reasons == ("password_unchanged",)
    # None of that changed the account: the temporary password still demands a change.
    assert soft.login.password(USER, temporary).next_step is LoginStep.CHANGE_PASSWORD


def test_the_rules_shown_on_screen_follow_the_policy() -> None:
    harness = in_memory(policy=Policy.for_tests(password_min_length=12))
    assert harness.softtoken.login.password_rules("en")[0].startswith("At least 12 ")
    assert "12" in harness.softtoken.login.password_rules("th")[0]


def test_wrong_current_password_is_counted(memory_harness: Harness) -> None:
    soft = memory_harness.softtoken
    temporary = make_account(memory_harness)
    with pytest.raises(AuthenticationError) as caught:
        soft.login.change_password(
            USER, current_password="not it at all", new_password=NEW, confirm_password=NEW
        )
    assert caught.value.code == "wrong_password"
    assert soft.accounts.get(USER).failed_logins == 1
    soft.login.change_password(
        USER, current_password=temporary, new_password=NEW, confirm_password=NEW
    )


def test_five_wrong_passwords_lock_for_five_minutes_and_not_a_second_less(
    memory_harness: Harness,
) -> None:
    soft, clock = memory_harness.softtoken, memory_harness.clock
    temporary = make_account(memory_harness)
    soft.login.change_password(
        USER, current_password=temporary, new_password=PASSWORD, confirm_password=PASSWORD
    )
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            soft.login.password(USER, "wrong password here")
    with pytest.raises(RateLimited) as caught:
        soft.login.password(USER, PASSWORD)
    assert caught.value.code == "login_locked"
    assert caught.value.retry_after == 300
    clock.advance(seconds=299)
    with pytest.raises(RateLimited):
        soft.login.password(USER, PASSWORD)
    with pytest.raises(RateLimited):  # the change screen is locked too, and audited
        soft.login.change_password(
            USER, current_password=PASSWORD, new_password=NEW, confirm_password=NEW
        )
    clock.advance(seconds=1)
    assert soft.login.password(USER, PASSWORD).authenticated
    actions = [
        (r.entry.action, r.entry.outcome, r.entry.details.get("reason"))
        for r in soft.audit.records()
    ]
    assert actions.count(("login.password", "failure", "login_locked")) == 3


def test_hard_limit_disables_and_an_officer_enables(memory_harness: Harness) -> None:
    soft, clock = memory_harness.softtoken, memory_harness.clock
    temporary = make_account(memory_harness)
    soft.login.change_password(
        USER, current_password=temporary, new_password=PASSWORD, confirm_password=PASSWORD
    )
    for i in range(100):
        with pytest.raises((AuthenticationError, StateError)):
            soft.login.password(USER, "wrong password here")
        if (i + 1) % 5 == 0:
            clock.advance(minutes=5)
    with pytest.raises(StateError) as caught:
        soft.login.password(USER, PASSWORD)
    assert caught.value.code == "account_disabled"
    soft.accounts.enable(USER, officer="o1")
    assert soft.login.password(USER, PASSWORD).authenticated


def test_an_expired_temporary_password_fails_with_its_own_code(memory_harness: Harness) -> None:
    soft, clock = memory_harness.softtoken, memory_harness.clock
    temporary = make_account(memory_harness)
    clock.advance(soft.policy.temporary_password_lifetime - timedelta(seconds=1))
    assert soft.login.password(USER, temporary).next_step is LoginStep.CHANGE_PASSWORD
    clock.advance(seconds=1)
    with pytest.raises(AuthenticationError) as caught:
        soft.login.password(USER, temporary)
    assert caught.value.code == "password_expired"
    with pytest.raises(AuthenticationError) as change:
        soft.login.change_password(
            USER, current_password=temporary, new_password=NEW, confirm_password=NEW
        )
    assert change.value.code == "password_expired"


def test_every_attempt_is_audited_without_the_password(memory_harness: Harness) -> None:
    soft = memory_harness.softtoken
    temporary = make_account(memory_harness)
    # Records are listed by chain, then sequence (several chains, keyed by a random
    # key here): each attempt's records are collected as it is made.
    records: list[AuditRecord] = []

    def attempt(user_id: str, password: str) -> None:
        before = soft.audit.records()
        try:
            soft.login.password(user_id, password)
        finally:
            records.extend(new_records(memory_harness, before))

    attempt(USER, temporary)
    with pytest.raises(AuthenticationError):
        attempt(USER, "wrong password here")
    with pytest.raises(AuthenticationError):
        attempt("T99999999999999", "wrong password here")
    logins = [r.entry for r in records if r.entry.action == "login.password"]
    assert [(e.subject, e.outcome) for e in logins] == [
        (USER, "success"),
        (USER, "failure"),
        ("T99999999999999", "failure"),
    ]
    assert logins[0].details["change_required"] is True
    assert all(e.details["factor"] == "password" for e in logins)
    exported = str(soft.audit.export())
    assert temporary not in exported
    assert "wrong password here" not in exported
