"""The user account record and its pure transitions.

Theory of operation: an account is a portal login. Its password can be in one of three
conditions, derived from the fields rather than stored as a state:

* usable: a hash, ``must_change_password`` false;
* temporary: a hash of an initial or reset password, ``must_change_password`` true and
  ``password_expires_at`` set; it logs in only to change itself, and not after it expires;
* forced change: ``must_change_password`` true without expiry (the first soft token login).

Wrong passwords count in ``failed_logins``. At ``login_max_failures`` the account waits
``login_lockout``; the count does not reset by time, and at ``login_hard_limit`` the
account is disabled until an officer re-enables it (NIST SP 800-63B 5.2.2).

Every function here is pure: the record and ``now`` in, a new record out.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from softtoken.accounts._identifiers import CitizenId, DisbursementUnitCode, Email, UserId
from softtoken.errors import AuthenticationError, RateLimited, StateError, ValidationError
from softtoken.policy import Policy

__all__ = [
    "Account",
    "AccountStatus",
    "LoginType",
    "apply_login_failure",
    "apply_login_success",
    "apply_new_password",
    "check_can_log_in",
    "check_not_locked",
    "lock_after_failure",
    "validate_name",
]


class LoginType(enum.StrEnum):
    """How the person logs in to the portal (the manual's three kinds of user)."""

    PASSWORD = "password"  # noqa: S105 - a login type, not a password
    TOKEN_KEY = "token_key"  # noqa: S105 - the hardware GFMIS Token Key being replaced
    SOFT_TOKEN = "soft_token"  # noqa: S105 - a login type


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"  # hard limit reached or an officer's decision


def validate_name(raw: object, field: str) -> str:
    """A first or last name: non-empty text of at most 100 characters, no control codes."""
    if not isinstance(raw, str):
        raise ValidationError("invalid_name", field=field)
    text = " ".join(raw.split())
    if not text or len(text) > 100 or not text.isprintable():  # noqa: PLR2004
        raise ValidationError("invalid_name", field=field)
    return text


@attrs.frozen(kw_only=True)
class Account:
    """A portal user account. ``version`` is 0 until the account is first stored."""

    user_id: UserId
    first_name: str
    last_name: str
    email: Email | None = None
    disbursement_unit: DisbursementUnitCode | None = None
    citizen_id: CitizenId | None = None
    login_type: LoginType = LoginType.PASSWORD
    status: AccountStatus = AccountStatus.ACTIVE
    password_hash: str | None = attrs.field(default=None, repr=False)
    must_change_password: bool = False
    password_expires_at: datetime | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    #: A soft token registration was approved for this account (chapter 4 needs it).
    registration_completed: bool = False
    created_at: datetime
    updated_at: datetime
    #: When an officer closed the account (``soft.privacy.close``); a closed account is
    #: also disabled, for good, and its personal data may be erased after
    #: ``retention_closed_accounts``.
    closed_at: datetime | None = None
    version: int = 0

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def context_words(self, portal_name: str = "") -> tuple[str, ...]:
        """Words a password of this account must not contain (ASVS 6.2.11)."""
        words = [self.user_id.value, self.first_name, self.last_name, portal_name]
        if self.citizen_id:
            words.append(self.citizen_id.value)
        if self.email:
            words.append(self.email.value.split("@")[0])
        return tuple(w for w in words if w)


def apply_new_password(
    account: Account,
    password_hash: str,
    *,
    now: datetime,
    must_change: bool,
    expires_at: datetime | None = None,
) -> Account:
    """The account with a new password; failed attempts are forgotten."""
    return attrs.evolve(
        account,
        password_hash=password_hash,
        must_change_password=must_change,
        password_expires_at=expires_at,
        failed_logins=0,
        locked_until=None,
        updated_at=now,
    )


def check_can_log_in(account: Account, *, now: datetime) -> None:
    """Raise when this account may not try a password now.

    Raises:
        StateError: ``account_disabled`` or ``password_not_set``.
        RateLimited: ``login_locked`` with the seconds left.
    """
    if account.status is AccountStatus.DISABLED:
        raise StateError("account_disabled")
    if account.password_hash is None:
        raise StateError("password_not_set")
    check_not_locked(account.locked_until, now=now)


def check_not_locked(locked_until: datetime | None, *, now: datetime) -> None:
    """Raise ``login_locked`` while a lock set by :func:`lock_after_failure` holds.

    Raises:
        RateLimited: ``login_locked`` with the seconds left.
    """
    if locked_until is not None and now < locked_until:
        left = locked_until - now
        raise RateLimited("login_locked", retry_after=max(1, int(left.total_seconds() + 0.999)))


def lock_after_failure(
    failures: int, locked_until: datetime | None, *, now: datetime, policy: Policy
) -> datetime | None:
    """The lock after the ``failures``-th consecutive wrong password: every
    ``login_max_failures``-th one waits ``login_lockout``; from ``login_hard_limit`` on no
    lock is set, the account being disabled. One rule for accounts and for the counters
    of unknown user IDs, so both answer alike (issue 12, M4)."""
    if failures < policy.login_hard_limit and failures % policy.login_max_failures == 0:
        return now + policy.login_lockout
    return locked_until


def apply_login_failure(account: Account, *, now: datetime, policy: Policy) -> Account:
    """Count a wrong password: lock for a while at the threshold, disable at the hard limit."""
    failures = account.failed_logins + 1
    status = account.status
    if failures >= policy.login_hard_limit:
        status = AccountStatus.DISABLED
    locked_until = lock_after_failure(failures, account.locked_until, now=now, policy=policy)
    return attrs.evolve(
        account, failed_logins=failures, locked_until=locked_until, status=status, updated_at=now
    )


def apply_login_success(account: Account, *, now: datetime) -> Account:
    """A right password: forget failures. Expired temporary passwords never get here."""
    if account.password_expires_at is not None and now >= account.password_expires_at:
        raise AuthenticationError("password_expired")
    return attrs.evolve(
        account, failed_logins=0, locked_until=None, last_login_at=now, updated_at=now
    )
