"""The account's password-lockout machine, driven by hypothesis against a model:
wrong passwords lock at every multiple of login_max_failures for login_lockout, the count
never resets by time, the hard limit disables, and a right password clears it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from softtoken import AuthenticationError, Policy, RateLimited, StateError, UserId
from softtoken.accounts import Account, AccountStatus
from softtoken.accounts._account import (
    apply_login_failure,
    apply_login_success,
    apply_new_password,
    check_can_log_in,
)

POLICY = Policy.for_tests(login_max_failures=3, login_hard_limit=10)
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def fresh() -> Account:
    account = Account(
        user_id=UserId("T05005000000201"),
        first_name="A",
        last_name="B",
        created_at=T0,
        updated_at=T0,
    )
    return apply_new_password(account, "$argon2id$stub", now=T0, must_change=False)


class LockoutMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.account = fresh()
        self.now = T0
        self.failures = 0
        self.locked_until: datetime | None = None
        self.disabled = False

    @rule(seconds=st.integers(min_value=0, max_value=400))
    def wait(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    def _may_try(self) -> bool:
        try:
            check_can_log_in(self.account, now=self.now)
        except StateError as error:
            assert error.code == "account_disabled"
            assert self.disabled
            return False
        except RateLimited as error:
            assert self.locked_until is not None
            assert self.now < self.locked_until
            assert 1 <= (error.retry_after or 0) <= POLICY.login_lockout.total_seconds()
            return False
        assert not self.disabled
        assert self.locked_until is None or self.now >= self.locked_until
        return True

    @rule()
    def wrong_password(self) -> None:
        if not self._may_try():
            return
        self.account = apply_login_failure(self.account, now=self.now, policy=POLICY)
        self.failures += 1
        if self.failures >= POLICY.login_hard_limit:
            self.disabled = True
        elif self.failures % POLICY.login_max_failures == 0:
            self.locked_until = self.now + POLICY.login_lockout

    @rule()
    def right_password(self) -> None:
        if not self._may_try():
            return
        self.account = apply_login_success(self.account, now=self.now)
        self.failures = 0
        self.locked_until = None

    @invariant()
    def matches_the_model(self) -> None:
        assert self.account.failed_logins == self.failures
        assert (self.account.status is AccountStatus.DISABLED) == self.disabled


TestLockoutMachine = LockoutMachine.TestCase
TestLockoutMachine.settings = settings(max_examples=200, stateful_step_count=40)


def test_lock_lifts_exactly_at_the_lockout_time() -> None:
    policy = Policy.for_tests()
    account = fresh()
    for _ in range(policy.login_max_failures):
        account = apply_login_failure(account, now=T0, policy=policy)
    just_before = T0 + policy.login_lockout - timedelta(seconds=1)
    with pytest.raises(RateLimited) as caught:
        check_can_log_in(account, now=just_before)
    assert caught.value.retry_after == 1
    check_can_log_in(account, now=T0 + policy.login_lockout)


def test_fourth_failure_does_not_lock_and_fifth_does() -> None:
    policy = Policy.for_tests()
    account = fresh()
    for _ in range(4):
        account = apply_login_failure(account, now=T0, policy=policy)
    check_can_log_in(account, now=T0)
    account = apply_login_failure(account, now=T0, policy=policy)
    with pytest.raises(RateLimited):
        check_can_log_in(account, now=T0)


def test_hundredth_consecutive_failure_disables() -> None:
    policy = Policy.for_tests()
    account = fresh()
    for n in range(1, 100):
        account = apply_login_failure(account, now=T0 + timedelta(hours=n), policy=policy)
    assert account.status is AccountStatus.ACTIVE
    account = apply_login_failure(account, now=T0 + timedelta(hours=100), policy=policy)
    assert account.status is AccountStatus.DISABLED


def test_expired_temporary_password_cannot_log_in() -> None:
    account = apply_new_password(
        fresh(), "$argon2id$stub", now=T0, must_change=True, expires_at=T0 + timedelta(hours=24)
    )
    apply_login_success(account, now=T0 + timedelta(hours=24) - timedelta(microseconds=1))
    with pytest.raises(AuthenticationError) as caught:
        apply_login_success(account, now=T0 + timedelta(hours=24))
    assert caught.value.code == "password_expired"
