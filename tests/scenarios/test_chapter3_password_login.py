"""Manual chapter 2 step 0 and chapter 3 (password part), on every storage adapter:
a Token Key user gets initial credentials, logs in, must change the password, and logs
in again."""

from __future__ import annotations

import pytest

from softtoken import AuthenticationError, LoginType, PasswordRejected
from softtoken.lifecycle import LoginStep
from softtoken.testing import Harness

from ..helpers.otp import USER

NEW = "quiet river 1987 lantern"


def test_step_0_then_first_login_with_forced_change(harness: Harness) -> None:
    soft = harness.softtoken
    soft.accounts.create(
        user_id=USER,
        first_name="สมชาย",
        last_name="ใจดี",
        email="s@example.go.th",
        login_type=LoginType.TOKEN_KEY,
    )
    initial = soft.initial_credentials.issue(USER)
    first = soft.login.password(initial.user_id, initial.password)
    # The Token Key comes next (issue 12, M7), then the change.
    assert first.next_step is LoginStep.SECOND_FACTOR
    assert first.change_reason == "temporary_password"
    assert not first.authenticated
    with pytest.raises(PasswordRejected) as rejected:
        soft.login.change_password(
            USER,
            current_password=initial.password,
            new_password="12345678",
            confirm_password="12345678",
        )
    assert rejected.value.messages("th")
    soft.login.change_password(
        USER, current_password=initial.password, new_password=NEW, confirm_password=NEW
    )
    with pytest.raises(AuthenticationError):
        soft.login.password(USER, initial.password)
    again = soft.login.password(USER, NEW)
    assert (again.second_factor, again.password_change_required) == (LoginType.TOKEN_KEY, False)
    assert soft.audit.verify() >= 4
