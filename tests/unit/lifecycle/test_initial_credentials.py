"""Manual chapter 2 step 0: initial Soft Token credentials for Token Key users."""

from __future__ import annotations

from datetime import timedelta

import pytest

from softtoken import AuthenticationError, LoginType, StateError
from softtoken.lifecycle import LoginStep
from softtoken.storage.memory import MemoryStorage
from softtoken.testing import Harness, in_memory

from ...helpers.otp import USER

NEW = "quiet river 1987 lantern"


def token_key_account(harness: Harness, login_type: LoginType = LoginType.TOKEN_KEY) -> None:
    harness.softtoken.accounts.create(
        user_id=USER, first_name="Somchai", last_name="Jaidee", login_type=login_type
    )


def test_issue_shows_the_password_once_and_stores_only_a_hash() -> None:
    storage = MemoryStorage()
    harness = in_memory(storage=storage)
    token_key_account(harness)
    issued = harness.softtoken.initial_credentials.issue(USER)
    assert issued.user_id == USER
    assert len(issued.password) == harness.softtoken.policy.temporary_password_length
    assert issued.password not in repr(issued)
    assert issued.expires_at == harness.clock.now() + timedelta(hours=24)
    with storage.lock:
        everything = repr(storage._tables)
    assert issued.password not in everything
    account = harness.softtoken.accounts.get(USER)
    assert account.password_hash is not None
    assert account.password_hash.startswith("$argon2id$")
    assert account.must_change_password
    assert account.password_expires_at == issued.expires_at
    assert issued.password not in str(harness.softtoken.audit.export())


def test_the_initial_password_must_be_changed_at_first_use(memory_harness: Harness) -> None:
    soft = memory_harness.softtoken
    token_key_account(memory_harness)
    issued = soft.initial_credentials.issue(USER)
    first = soft.login.password(USER, issued.password)
    # The hardware key still comes next (issue 12, M7); the change is due.
    assert first.next_step is LoginStep.SECOND_FACTOR
    assert first.change_reason == "temporary_password"
    soft.login.change_password(
        USER, current_password=issued.password, new_password=NEW, confirm_password=NEW
    )
    again = soft.login.password(USER, NEW)
    assert (again.authenticated, again.password_change_required) == (False, False)
    with pytest.raises(StateError) as caught:
        soft.initial_credentials.issue(USER)
    assert caught.value.code == "initial_password_already_set"


def test_the_initial_password_expires_after_the_policys_lifetime(memory_harness: Harness) -> None:
    soft, clock = memory_harness.softtoken, memory_harness.clock
    token_key_account(memory_harness)
    issued = soft.initial_credentials.issue(USER)
    clock.advance(hours=24, seconds=-1)
    assert soft.login.password(USER, issued.password).password_change_required
    clock.advance(seconds=1)
    with pytest.raises(AuthenticationError) as caught:
        soft.login.password(USER, issued.password)
    assert caught.value.code == "password_expired"


def test_asking_again_before_use_replaces_the_password(memory_harness: Harness) -> None:
    soft = memory_harness.softtoken
    token_key_account(memory_harness)
    first = soft.initial_credentials.issue(USER)
    second = soft.initial_credentials.issue(USER)
    assert first.password != second.password
    with pytest.raises(AuthenticationError):
        soft.login.password(USER, first.password)
    assert not soft.login.password(USER, second.password).authenticated


@pytest.mark.parametrize("kind", [LoginType.PASSWORD, LoginType.SOFT_TOKEN])
def test_only_token_key_accounts_get_initial_credentials(
    memory_harness: Harness, kind: LoginType
) -> None:
    token_key_account(memory_harness, kind)
    with pytest.raises(StateError) as caught:
        memory_harness.softtoken.initial_credentials.issue(USER)
    assert caught.value.code == "initial_credentials_not_applicable"
    assert memory_harness.softtoken.accounts.get(USER).password_hash is None


def test_issue_is_audited(memory_harness: Harness) -> None:
    token_key_account(memory_harness)
    memory_harness.softtoken.initial_credentials.issue(USER)
    records = memory_harness.softtoken.audit.records()  # by chain, then sequence
    [last] = [r.entry for r in records if r.entry.action == "password.issue_initial"]
    assert (last.action, last.subject) == ("password.issue_initial", USER)
    assert last.actor == f"user:{USER}"
