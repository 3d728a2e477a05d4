"""Demo chapters: step 0 of chapter 2 (initial credentials for Token Key users), the
password part of chapter 3 (forced change, lockout) and chapter 4 (forgot password)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs

from softtoken.accounts._account import LoginType
from softtoken.accounts._identifiers import UserId
from softtoken.errors import AuthenticationError, RateLimited, SoftTokenError

if TYPE_CHECKING:
    from collections.abc import Callable

    from softtoken._facade import SoftToken
    from softtoken.cli._demo_state import Demo

__all__ = ["LOGIN_CHAPTERS", "chapter_forgot_password", "chapter_password_login", "chapter_step0"]

TOKEN_KEY_USER = "T05005000000301"  # noqa: S105 - a user ID
RESET_USER = "T05005000000401"
RESET_CITIZEN = "3100600123450"
RESET_EMAIL = "malee.s@cgd.example.go.th"
NEW_PASSWORD = "quiet river 1987 lantern"  # noqa: S105 - demo data, printed anyway
TOO_SHORT = "12345678"


def _latest(demo: Demo, template: str, pattern: str) -> str:
    demo.show_mail()
    for message in reversed(demo.mailbox.messages):
        found = re.search(pattern, message.text) if message.template == template else None
        if found:
            return found.group(1)
    msg = f"no {template} mail arrived"
    raise LookupError(msg)


def _refused(demo: Demo, error: SoftTokenError) -> None:
    wait = getattr(error, "retry_after", None)
    after = f" (retry after {wait} s)" if wait else ""
    demo.say(f"refused: [{error.code}] {error.message('en')}{after}")
    demo.say(f"          {error.message('th')}")


def chapter_step0(demo: Demo) -> None:
    demo.heading("Chapter 2, step 0: initial Soft Token password for a Token Key user")
    soft = demo.softtoken
    soft.accounts.create(
        user_id=TOKEN_KEY_USER,
        first_name="ประเสริฐ",
        last_name="มั่นคง",
        login_type=LoginType.TOKEN_KEY,
    )
    issued = soft.initial_credentials.issue(TOKEN_KEY_USER)
    demo.say(f"user ID {issued.user_id}, password (shown once, copy it): {issued.password}")
    demo.say(
        f"only its argon2id hash is stored; it expires at {issued.expires_at:%Y-%m-%d %H:%M} "
        "UTC and must be changed at first use"
    )


def chapter_password_login(demo: Demo) -> None:
    demo.heading("Chapter 3 (password part): first login, forced change, lockout")
    soft = demo.softtoken
    temporary = soft.initial_credentials.issue(TOKEN_KEY_USER).password
    login = soft.login.password(TOKEN_KEY_USER, temporary)
    demo.say(
        f"password accepted; next step: {login.next_step} ({login.second_factor}), "
        f"then a change ({login.change_reason}); logged in: {login.authenticated}"
    )
    demo.say("rules shown on screen: " + "; ".join(soft.login.password_rules("en")))
    try:
        soft.login.change_password(
            TOKEN_KEY_USER,
            current_password=temporary,
            new_password=TOO_SHORT,
            confirm_password=TOO_SHORT,
        )
    except SoftTokenError as error:
        _refused(demo, error)
    changed = soft.login.change_password(
        TOKEN_KEY_USER,
        current_password=temporary,
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    demo.say(f"saved: {changed.message('en')} / {changed.message('th')}")
    demo.say(f"password accepted: next step {_step(soft, TOKEN_KEY_USER)}")
    for _ in range(soft.policy.login_max_failures):
        try:
            soft.login.password(TOKEN_KEY_USER, "a wrong password")
        except AuthenticationError:
            continue
    demo.say(f"{soft.policy.login_max_failures} wrong passwords in a row")
    try:
        soft.login.password(TOKEN_KEY_USER, NEW_PASSWORD)
    except RateLimited as error:
        _refused(demo, error)
    demo.clock.advance(soft.policy.login_lockout)
    demo.say(f"{soft.policy.login_lockout} later: next step {_step(soft, TOKEN_KEY_USER)}")
    demo.show_mail()


def _step(soft: SoftToken, user_id: str) -> str:
    """The password step's answer: a Token Key account goes on to its hardware key."""
    login = soft.login.password(user_id, NEW_PASSWORD)
    return f"{login.next_step} ({login.second_factor}); logged in: {login.authenticated}"


def chapter_forgot_password(demo: Demo) -> None:
    demo.heading("Chapter 4: forgot password (self-service reset)")
    soft = demo.softtoken
    soft.accounts.create(
        user_id=RESET_USER,
        first_name="มาลี",
        last_name="สุขใจ",
        email=RESET_EMAIL,
        citizen_id=RESET_CITIZEN,
    )
    soft.accounts.issue_temporary_password(RESET_USER, actor="officer:demo")
    with soft.unit_of_work() as uow:  # stands in for an approved registration (chapter 2)
        account = uow.accounts.get(UserId(RESET_USER))
        uow.accounts.update(attrs.evolve(account, registration_completed=True))
        uow.commit()
    demo.say(f"account {RESET_USER} with a completed registration; the password is forgotten")
    for attempt in range(1, soft.policy.reset_max_mismatches + 1):
        try:
            soft.password_reset.request(
                RESET_USER, "1101700207536", RESET_EMAIL, client_key="203.0.113.7"
            )
        except SoftTokenError as error:
            demo.say(f"wrong data, attempt {attempt}:")
            _refused(demo, error)
    demo.clock.advance(soft.policy.reset_lockout)
    demo.say(f"{soft.policy.reset_lockout} later, the right data:")
    requested = soft.password_reset.request(
        RESET_USER, RESET_CITIZEN, RESET_EMAIL, client_key="203.0.113.7"
    )
    demo.say(f"an OTP was sent to {requested.sent_to}")
    _latest(demo, "password_reset_code", r"one-time code is (\d+)")
    demo.clock.advance(seconds=89)
    try:
        soft.password_reset.request(RESET_USER, RESET_CITIZEN, RESET_EMAIL)
    except RateLimited as error:
        demo.say("89 s later, request OTP again:")
        _refused(demo, error)
    demo.clock.advance(seconds=1)
    soft.password_reset.request(RESET_USER, RESET_CITIZEN, RESET_EMAIL)
    code = _latest(demo, "password_reset_code", r"one-time code is (\d+)")
    demo.say(f"90 s later a new OTP was sent; the person reads it from the email: {code}")
    done = soft.password_reset.confirm(RESET_USER, code)
    demo.say(f"a new password has been sent to {done.sent_to}")
    emailed = _latest(demo, "password_reset_done", r"Your new password is: (\S+)")
    login = soft.login.password(RESET_USER, emailed)
    demo.say(f"log in with the emailed password: next step {login.next_step}")
    changed = soft.login.change_password(
        RESET_USER,
        current_password=emailed,
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    demo.say(changed.message("en"))
    demo.say(f"logged in: {soft.login.password(RESET_USER, NEW_PASSWORD).authenticated}")
    demo.show_mail()


LOGIN_CHAPTERS: list[Callable[[Demo], None]] = [
    chapter_step0,
    chapter_password_login,
    chapter_forgot_password,
]
