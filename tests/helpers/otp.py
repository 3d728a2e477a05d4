"""Helpers for the one-time code, login and reset tests: a registered account, and the
code or password read back from the last email (as a person would)."""

from __future__ import annotations

import re

import attrs

from softtoken import LoginType, SoftToken, UserId
from softtoken.accounts import Account
from softtoken.testing import Harness

USER = "T05005000000201"
CITIZEN = "1101700207536"
EMAIL = "somchai.j@cgd.example.go.th"
OTHER_USER = "T05005000000202"
OTHER_CITIZEN = "3100600123450"
PASSWORD = "violet kettle under 42 stars"


def registered(
    harness: Harness | SoftToken,
    *,
    user_id: str = USER,
    citizen_id: str | None = CITIZEN,
    email: str = EMAIL,
    completed: bool = True,
    login_type: LoginType = LoginType.SOFT_TOKEN,
) -> Account:
    """An account with a usable password, as after a completed registration."""
    soft = harness if isinstance(harness, SoftToken) else harness.softtoken
    soft.accounts.create(
        user_id=user_id,
        first_name="Somchai",
        last_name="Jaidee",
        email=email,
        citizen_id=citizen_id,
        login_type=login_type,
    )
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(user_id))
        uow.accounts.update(attrs.evolve(account, registration_completed=completed))
        uow.commit()
    temporary = soft.accounts.issue_temporary_password(user_id)
    return soft.accounts.change_password(
        user_id, current_password=temporary, new_password=PASSWORD, confirm_password=PASSWORD
    )


def last_mail_text(harness: Harness, to: str = EMAIL, template: str = "password_reset_code") -> str:
    """The newest mail of ``template`` to ``to`` (mails of one instant leave the outbox
    in any order, so the template picks the one a test waits for)."""
    harness.deliver_mail()
    mails = [m for m in harness.mailbox.messages if m.to == to and m.template == template]
    assert mails, f"no mail to {to}"
    return mails[-1].text


def code_in(text: str) -> str:
    found = re.search(r"(?:code is|คือ) (\d{6})\b", text)
    assert found, text
    return found.group(1)


def password_in(text: str) -> str:
    found = re.search(r"Your new password is: (\S+)", text)
    assert found, text
    return found.group(1)


def wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"
