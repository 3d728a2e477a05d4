"""The password gate: how every call that takes a password (the login's password step,
the change of password) checks it, and how the calls that set a generated password
(temporary, initial, reset) make it.

Theory of operation::

    1. read     the account, in a short transaction that locks nothing afterwards
    2. hash     exactly one argon2id verification, with no transaction open: against the
                hash read, or against a dummy hash when there is none (unknown user ID,
                no password yet), so every path costs the same (issue 12, M4)
    3. record   a short transaction: lock the account row (or the unknown ID's counter
                row), check that its hash is still the one verified against (if not, a
                password changed meanwhile: start again at 1, so an old password never
                gets in after a change committed), then decide on the fresh row:

                locked ............................ login_locked (not counted)
                wrong, no password, unknown ID .... counted; one generic refusal
                right, account disabled ........... account_disabled (only the password's
                                                    holder learns it)
                right, temporary password expired . password_expired
                right ............................. admitted

An attempt that passes on the account as read in step 1 skips step 3's locked re-read:
it writes the login with one update conditional on the version read (``update_if_unchanged``),
which matches only if nothing changed since, so the decision is the one the lock would
have given; a miss falls back to step 3 as above, in the same transaction (issue 15).

Argon2 is CPU work of tens of milliseconds. Inside a transaction it would hold the row
lock (PostgreSQL, MariaDB) or SQLite's only write lock for that long, so a flood of
logins for unknown IDs would queue every other write behind it (issue 12, M2). Counters
stay exact because step 3 reads them under the lock it writes them under.

Unknown user IDs are counted and locked like accounts, by the same rule
(:func:`~softtoken.accounts._account.lock_after_failure`), in ``st_attempt_counters``
under an HMAC of the ID with a key derived from the server secret: every process sees
the same count, and the table never holds the IDs that were tried.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import (
    Account,
    AccountStatus,
    apply_login_failure,
    check_not_locked,
    lock_after_failure,
)
from softtoken.accounts._passwords import generate_password
from softtoken.errors import AuthenticationError, ConcurrencyError, RateLimited, StateError
from softtoken.lifecycle.login.challenges import ChallengeTable
from softtoken.otp._service import Failure
from softtoken.otp._store import AttemptCounters
from softtoken.otp._throttle import AttemptCounter, counter_key
from softtoken.storage._repositories import AccountTable

if TYPE_CHECKING:
    from softtoken.accounts._identifiers import UserId
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = [
    "UNKNOWN_SCOPE",
    "StalePassword",
    "Verified",
    "admit",
    "lock_account",
    "new_password",
    "retry_stale",
    "supersede_challenges",
    "update_if_unchanged",
    "verify_outside",
]

T = TypeVar("T")

#: The attempt-counter scope of user IDs that name no account.
UNKNOWN_SCOPE = "login_unknown"
#: Rounds of read-hash-record before giving up; another round is needed only when the
#: password changed between the read and the record, which a person does not do twice.
_ROUNDS = 5


class StalePassword(Exception):
    """The account's password changed between the read and the record: start again."""


@attrs.frozen(kw_only=True)
class Verified:
    """What steps 1 and 2 found. ``stored_hash`` is the hash the password was verified
    against (None: the dummy, as there was none); step 3 trusts ``matched`` only while
    the account still has that hash."""

    user_id: UserId
    account: Account | None
    stored_hash: str | None = attrs.field(repr=False)
    matched: bool
    needs_rehash: bool

    def admissible(self, now: datetime) -> bool:
        """Whether step 3 would admit this attempt on the account as read: only then is
        further hashing (a rehash, a new password) worth doing before it."""
        account = self.account
        return (
            account is not None
            and self.matched
            and account.status is AccountStatus.ACTIVE
            and (account.locked_until is None or now >= account.locked_until)
            and (account.password_expires_at is None or now < account.password_expires_at)
        )


def verify_outside(ctx: ServiceContext, uid: UserId, secret: str) -> Verified:
    """Steps 1 and 2: read the account, then spend exactly one verification on
    ``secret`` with no transaction open."""
    with ctx.unit_of_work().reading() as uow:
        account = uow.accounts.find(uid)
    stored = None if account is None else account.password_hash
    matched, needs_rehash = False, False
    if stored is None:
        with contextlib.suppress(AuthenticationError):
            ctx.hasher.verify_dummy(secret)  # as long as a real check; always a mismatch
    else:
        try:
            needs_rehash = ctx.hasher.verify(stored, secret)
        except AuthenticationError:
            matched = False  # a wrong password: counted by the caller, under the lock
        else:
            matched = True
    return Verified(
        user_id=uid,
        account=account,
        stored_hash=stored,
        matched=matched,
        needs_rehash=needs_rehash,
    )


def update_if_unchanged(
    uow: StorageUnitOfWork,
    verified: Verified,
    now: datetime,
    success: Callable[[Account, datetime], Account],
) -> Account | None:
    """Step 3 without the locked re-read, for an attempt that passes on the account as
    read: ``success`` of it, stored with one conditional update on its version. A
    matched update proves the row is the one step 1 read (every change moves the
    version), so the decision stands as if made under the lock. None when the attempt
    does not pass as read, or the row moved on: then :func:`admit` decides on the
    locked row, in the same transaction (a missed update changed nothing)."""
    account = verified.account
    if account is None or not verified.admissible(now):
        return None
    try:
        return uow.accounts.update(success(account, now))
    except ConcurrencyError:
        return None


def lock_account(uow: StorageUnitOfWork, uid: UserId) -> Account | None:
    """The account row, locked until commit where the database can: concurrent attempts
    on one account queue here, so none of them goes uncounted."""
    rows = uow.transaction.select(
        AccountTable.table, [("user_id", "=", uid.value)], for_update=True
    )
    return uow.accounts.from_row(rows[0]) if rows else None


def admit(
    ctx: ServiceContext,
    uow: StorageUnitOfWork,
    verified: Verified,
    *,
    action: str,
    refusal: str,
) -> Account | Failure[Any]:
    """Step 3: the fresh account if the attempt passes; otherwise a :class:`Failure`
    whose writes (a counter, an audit entry) are to be committed before its error is
    raised. ``refusal`` is the generic code of a wrong password for this call.

    Raises:
        StalePassword: the hash changed since ``verified``; the caller starts again.
    """
    now = ctx.clock.now()
    uid = verified.user_id
    account = lock_account(uow, uid)
    if (None if account is None else account.password_hash) != verified.stored_hash:
        raise StalePassword
    if account is None:
        return _unknown(ctx, uow, uid, action=action, refusal=refusal, now=now)
    actor = f"user:{uid.value}"
    try:
        check_not_locked(account.locked_until, now=now)
    except RateLimited as locked:
        _audit_refusal(ctx, uow, actor, uid, action, locked.code)
        return Failure(locked)
    if not verified.matched:
        reason = (
            "password_not_set"
            if account.password_hash is None
            else "account_disabled"
            if account.status is AccountStatus.DISABLED
            else "wrong_password"
        )
        _count_failure(ctx, uow, account, now=now)
        _audit_refusal(ctx, uow, actor, uid, action, reason)
        return Failure(AuthenticationError(refusal))
    if account.status is AccountStatus.DISABLED:
        _audit_refusal(ctx, uow, actor, uid, action, "account_disabled")
        return Failure(StateError("account_disabled"))
    if account.password_expires_at is not None and now >= account.password_expires_at:
        _audit_refusal(ctx, uow, actor, uid, action, "password_expired")
        return Failure(AuthenticationError("password_expired"))
    return account


def _unknown(
    ctx: ServiceContext,
    uow: StorageUnitOfWork,
    uid: UserId,
    *,
    action: str,
    refusal: str,
    now: datetime,
) -> Failure[Any]:
    """An unknown user ID: counted and locked as an account would be."""
    table = uow.repository(AttemptCounters)
    mac = counter_key(ctx.keys, UNKNOWN_SCOPE, uid.value)
    counter = table.lock(UNKNOWN_SCOPE, mac) or AttemptCounter(
        scope=UNKNOWN_SCOPE, key_mac=mac, updated_at=now
    )
    try:
        check_not_locked(counter.locked_until, now=now)
    except RateLimited as locked:
        _audit_refusal(ctx, uow, "anonymous", uid, action, locked.code)
        return Failure(locked)
    failures = counter.failures + 1
    table.save(
        attrs.evolve(
            counter,
            failures=failures,
            locked_until=lock_after_failure(
                failures, counter.locked_until, now=now, policy=ctx.policy
            ),
            updated_at=now,
        )
    )
    _audit_refusal(ctx, uow, "anonymous", uid, action, "unknown_user")
    return Failure(AuthenticationError(refusal))


def _count_failure(
    ctx: ServiceContext, uow: StorageUnitOfWork, account: Account, *, now: datetime
) -> None:
    failed = apply_login_failure(account, now=now, policy=ctx.policy)
    uow.accounts.update(failed)
    uid = account.user_id.value
    if failed.status is AccountStatus.DISABLED and account.status is AccountStatus.ACTIVE:
        ctx.audit(
            uow, actor="system", action="account.disable", subject=uid, reason="login_hard_limit"
        )
        if account.email:
            ctx.email(
                uow,
                "account_disabled",
                account.email.value,
                {"name": account.full_name, "user_id": uid, "reference": uid},
            )


def _audit_refusal(  # noqa: PLR0917 - a private helper called with the step's locals
    ctx: ServiceContext,
    uow: StorageUnitOfWork,
    actor: str,
    uid: UserId,
    action: str,
    reason: str,
) -> None:
    """The precise reason goes to the audit log; the caller only sees the generic one."""
    ctx.audit(
        uow,
        actor=actor,
        action=action,
        subject=uid.value,
        outcome="failure",
        factor="password",
        reason=reason,
    )


def supersede_challenges(uow: StorageUnitOfWork, user_id: str) -> int:
    """A new password ends every push approval in flight for the account (issue 12, L5):
    an approval given for a login with the old password must not complete after it."""
    return uow.repository(ChallengeTable).supersede_open_for_user(user_id)


def retry_stale(call: Callable[[], T]) -> T:
    """Run ``call`` (a read-hash-record round) again while the password it hashed for went
    stale; past ``_ROUNDS`` the call lost too many races and says so."""
    for _ in range(_ROUNDS):
        try:
            return call()
        except StalePassword:
            continue
    raise ConcurrencyError(detail="the password changed during every attempt")


def new_password(ctx: ServiceContext, account: Account) -> tuple[str, str]:
    """A generated password for ``account`` and its hash, made before any transaction
    (the callers re-check ``account``'s context words in the one that stores it)."""
    password = generate_password(ctx.policy, context=account.context_words(ctx.portal_name))
    return password, ctx.hasher.hash(password)
