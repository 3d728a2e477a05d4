"""``soft.sign_in.reauthenticate``: the password again inside a session before a step
that cannot be undone (self-revocation); counted like the sign-in's password step."""

from __future__ import annotations

import pytest

from softtoken import AuthenticationError, RateLimited
from softtoken.testing import Person, in_memory, soft_token_user

WHO = Person()


def test_the_right_password_reauthenticates_now() -> None:
    harness = in_memory()
    soft_token_user(harness, WHO)
    at = harness.softtoken.sign_in.reauthenticate(WHO.user_id, WHO.password, client="198.51.100.4")
    assert at == harness.clock.now()


def test_wrong_passwords_count_towards_the_account_lockout() -> None:
    harness = in_memory()
    soft = harness.softtoken
    soft_token_user(harness, WHO)
    for _ in range(soft.policy.login_max_failures):
        with pytest.raises(AuthenticationError) as wrong:
            soft.sign_in.reauthenticate(WHO.user_id, "not the password at all")
        assert wrong.value.code == "login_failed"
    with pytest.raises(RateLimited) as locked:  # even the right one, until the wait is over
        soft.sign_in.reauthenticate(WHO.user_id, WHO.password)
    assert locked.value.code == "login_locked"
    harness.clock.advance(soft.policy.login_lockout)
    soft.sign_in.reauthenticate(WHO.user_id, WHO.password)


def test_wrong_passwords_count_per_client_across_accounts() -> None:
    harness = in_memory()
    soft = harness.softtoken
    soft_token_user(harness, WHO)
    client = "203.0.113.50"
    for n in range(soft.policy.client_max_failures):
        with pytest.raises(AuthenticationError):
            soft.sign_in.reauthenticate(f"T0500500000{n:04d}", "guess", client=client)
    with pytest.raises(RateLimited) as locked:
        soft.sign_in.reauthenticate(WHO.user_id, WHO.password, client=client)
    assert locked.value.code == "client_locked"
    soft.sign_in.reauthenticate(WHO.user_id, WHO.password, client="203.0.113.51")
