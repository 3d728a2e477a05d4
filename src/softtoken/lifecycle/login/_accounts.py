"""Account services: create accounts, issue temporary passwords, check and change
passwords. Each call is one unit of work around one pure transition; the calls that
hash (a check, a change, a temporary password) do it before that unit of work and
re-check in it, through the gate of ``_gate.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts import _boundary
from softtoken.accounts._account import (
    Account,
    AccountStatus,
    LoginType,
    apply_login_success,
    apply_new_password,
    validate_name,
)
from softtoken.accounts._identifiers import CitizenId, DisbursementUnitCode, Email
from softtoken.accounts._officer import Officer
from softtoken.accounts._passwords import check_password_rules, normalize_password
from softtoken.errors import PasswordRejected, StateError, ValidationError
from softtoken.lifecycle.login._gate import (
    StalePassword,
    admit,
    new_password,
    retry_stale,
    supersede_challenges,
    update_if_unchanged,
    verify_outside,
)
from softtoken.otp._service import Failure, transact_recording

if TYPE_CHECKING:
    from datetime import datetime

    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["LOGIN_FAILED", "AccountService", "PasswordCheck"]

#: The one refusal the password step gives for a wrong password, an unknown user ID, an
#: account without a password and a disabled account alike (issue 12, M4).
LOGIN_FAILED = "login_failed"


@attrs.frozen(kw_only=True)
class PasswordCheck:
    """A password that matched. When ``password_change_required`` is true the login must
    not complete: the portal shows "please change password" (manual chapters 3 and 4)."""

    account: Account
    password_change_required: bool


class AccountService:
    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    def create(
        self,
        *,
        user_id: object,
        first_name: object,
        last_name: object,
        email: object = None,
        disbursement_unit: object = None,
        citizen_id: object = None,
        login_type: LoginType | str = LoginType.PASSWORD,
        actor: str = "system",
    ) -> Account:
        """Create a portal account (the portal's own user, before any soft token).

        Raises:
            ValidationError: a field is malformed (``field`` names it).
            Conflict: ``account_exists``.
        """
        now = self._ctx.clock.now()
        try:
            kind = LoginType(login_type)
        except ValueError:
            raise ValidationError("invalid_value", field="login_type") from None
        account = Account(
            user_id=self._ctx.user_id(user_id),
            first_name=validate_name(first_name, "first_name"),
            last_name=validate_name(last_name, "last_name"),
            email=None if email is None else Email.parse(email),
            disbursement_unit=None
            if disbursement_unit is None
            else DisbursementUnitCode.parse(
                disbursement_unit, digits=self._ctx.policy.disbursement_unit_digits
            ),
            citizen_id=None if citizen_id is None else CitizenId.parse(citizen_id),
            login_type=kind,
            created_at=now,
            updated_at=now,
        )

        def work(uow: StorageUnitOfWork) -> Account:
            stored = uow.accounts.add(account)
            self._ctx.audit(
                uow,
                actor=actor,
                action="account.create",
                subject=account.user_id.value,
                login_type=kind.value,
            )
            return stored

        return self._ctx.transact(work)

    def get(self, user_id: object) -> Account:
        uid = self._ctx.user_id(user_id)
        with self._ctx.unit_of_work().reading() as uow:
            return uow.accounts.get(uid)

    def list(self, *, limit: int = 100, after: object = None) -> list[Account]:
        limit = _boundary.count(limit, "limit")
        start = None if after is None else self._ctx.user_id(after)
        with self._ctx.unit_of_work().reading() as uow:
            return uow.accounts.list(limit=limit, after=start)

    def issue_temporary_password(self, user_id: object, *, actor: str = "system") -> str:
        """Give the account a random password that must be changed at first use and
        expires after ``policy.temporary_password_lifetime`` (ASVS 6.4.1). Returned once,
        to be shown once; only its hash is kept. Nobody chooses it (ASVS 6.4.6). It is
        hashed before the transaction that stores it, and ends any push approval in
        flight for the account.

        Raises:
            NotFound: ``account_not_found``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)

        def round_() -> str:
            with ctx.unit_of_work().reading() as uow:
                read = uow.accounts.get(uid)
            password, hashed = new_password(ctx, read)

            def work(uow: StorageUnitOfWork) -> None:
                account = uow.accounts.get(uid)
                if account.context_words(ctx.portal_name) != read.context_words(ctx.portal_name):
                    raise StalePassword  # renamed meanwhile: the password may contain a name
                now = ctx.clock.now()
                updated = apply_new_password(
                    account,
                    hashed,
                    now=now,
                    must_change=True,
                    expires_at=now + ctx.policy.temporary_password_lifetime,
                )
                uow.accounts.update(updated)
                superseded = supersede_challenges(uow, uid.value)
                ctx.audit(uow, actor=actor, action="password.issue_temporary", subject=uid.value,
                          superseded_challenges=superseded)  # fmt: skip

            ctx.transact(work)
            return password

        return retry_stale(round_)

    def verify_password(self, user_id: object, password: object) -> PasswordCheck:
        """Check a password: the first factor of every login.

        Every path spends one argon2id verification, outside any transaction (a dummy
        hash stands in for an unknown user ID or an account without a password), and
        refuses alike: wrong passwords, unknown user IDs, accounts without a password and
        disabled accounts all get ``login_failed`` and are all counted towards the same
        lockout. The precise reason is in the audit log, never in the answer.

        Raises:
            AuthenticationError: ``login_failed`` (the one generic refusal),
                ``password_expired`` for an old temporary password (only with the right
                password).
            RateLimited: ``login_locked`` with ``retry_after`` (known or unknown ID alike).
            StateError: ``account_disabled``, only when the password was right.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        secret = normalize_password(password)

        def round_() -> PasswordCheck:
            verified = verify_outside(ctx, uid, secret)
            rehashed = None
            if verified.needs_rehash and verified.admissible(ctx.clock.now()):
                rehashed = ctx.hasher.hash(secret)  # new parameters; still no transaction open

            def success(account: Account, now: datetime) -> Account:
                updated = apply_login_success(account, now=now)
                if account.must_change_password:
                    # No login completes before the forced change (manual chapter 3).
                    updated = attrs.evolve(updated, last_login_at=account.last_login_at)
                if rehashed is not None:
                    updated = attrs.evolve(updated, password_hash=rehashed)
                return updated

            def work(uow: StorageUnitOfWork) -> PasswordCheck | Failure[PasswordCheck]:
                now = ctx.clock.now()
                # Admitted on the row as read, if it is still at that version: the
                # conditional update proves it, so no locked re-read is needed.
                stored = update_if_unchanged(uow, verified, now, success)
                if stored is None:
                    account = admit(
                        ctx, uow, verified, action="login.password", refusal=LOGIN_FAILED
                    )
                    if isinstance(account, Failure):
                        return account
                    stored = uow.accounts.update(success(account, now))
                ctx.audit(
                    uow,
                    actor=f"user:{uid.value}",
                    action="login.password",
                    subject=uid.value,
                    factor="password",
                    rehashed=rehashed is not None,
                    change_required=stored.must_change_password,
                )
                return PasswordCheck(
                    account=stored, password_change_required=stored.must_change_password
                )

            return transact_recording(ctx, work)

        return retry_stale(round_)

    def change_password(
        self,
        user_id: object,
        *,
        current_password: object,
        new_password: object,
        confirm_password: object,
    ) -> Account:
        """Change a password with the current one (ASVS 6.2.3), as the manual's
        "please change password" screen; afterwards the person logs in again.

        The current password is checked as a login checks it (one verification outside
        any transaction, counted, the same answer for an unknown user ID); the new one
        needs ``password_min_length_single_factor`` characters on a password-only account
        and ``password_min_length`` where a second factor follows (NIST SP 800-63B-4
        3.1.1.2). A change ends any push approval in flight for the account.

        Raises:
            AuthenticationError: ``wrong_password`` (counts towards the lockout; also for
                an unknown user ID), ``password_expired`` (an initial or reset password
                past its lifetime).
            PasswordRejected: the new password breaks a rule; ``reasons`` lists them.
            ValidationError: ``password_confirmation_mismatch`` on ``confirm_password``.
            RateLimited: ``login_locked``. StateError: ``account_disabled``.
        Refusals by lock, state or expiry are audited like login attempts.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        current = normalize_password(current_password, field="current_password")
        new = normalize_password(new_password, field="new_password")
        confirm = normalize_password(confirm_password, field="confirm_password")

        def round_() -> Account:
            verified = verify_outside(ctx, uid, current)
            read = verified.account
            hashed: str | None = None
            rejected: Exception | None = None
            if read is not None and verified.admissible(ctx.clock.now()):
                # The rules speak only to someone the gate would admit; the new hash is
                # made here, before the transaction, like the verification.
                try:
                    hashed = ctx.hasher.hash(_checked_new(ctx, read, current, new, confirm))
                except (PasswordRejected, ValidationError) as error:
                    rejected = error

            def work(uow: StorageUnitOfWork) -> Account | Failure[Account]:
                # Refusals are audited as login attempts: the same factor, the same counter.
                account = admit(
                    ctx, uow, verified, action="login.password", refusal="wrong_password"
                )
                if isinstance(account, Failure):
                    return account
                if read is None or _rules_differ(account, read, ctx.portal_name):
                    raise StalePassword  # the rules were checked against another account
                if rejected is not None:
                    raise rejected  # nothing stored
                if hashed is None:
                    raise StalePassword  # admitted now, not when read: check again
                now = ctx.clock.now()
                stored = uow.accounts.update(
                    apply_new_password(account, hashed, now=now, must_change=False)
                )
                superseded = supersede_challenges(uow, uid.value)
                ctx.audit(uow, actor=f"user:{uid.value}", action="password.change",
                          subject=uid.value, superseded_challenges=superseded)  # fmt: skip
                if account.email:
                    ctx.email(
                        uow,
                        "password_changed",
                        account.email.value,
                        {
                            "name": account.full_name,
                            "user_id": uid.value,
                            "when": now.strftime("%Y-%m-%d %H:%M"),
                            "reference": uid.value,
                        },
                    )
                return stored

            return transact_recording(ctx, work)

        return retry_stale(round_)

    def enable(self, user_id: object, *, officer: Officer | str) -> Account:
        """An officer re-enables an account disabled at the hard limit of failures.

        Raises:
            ValidationError: ``officer_required``.
            StateError: ``officer_own_account``; ``account_closed`` (closing is final).
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        who = Officer.parse(officer)
        who.refuse_own_account(uid)

        def work(uow: StorageUnitOfWork) -> Account:
            account = uow.accounts.get(uid)
            if account.closed_at is not None:
                raise StateError("account_closed")
            updated = attrs.evolve(
                account,
                status=AccountStatus.ACTIVE,
                failed_logins=0,
                locked_until=None,
                updated_at=ctx.clock.now(),
            )
            stored = uow.accounts.update(updated)
            ctx.audit(uow, actor=who.actor, action="account.enable", subject=uid.value)
            return stored

        return ctx.transact(work)


def _rules_differ(fresh: Account, read: Account, portal_name: str) -> bool:
    """Whether the new password's rules for ``fresh`` may differ from those checked."""
    return fresh.login_type is not read.login_type or fresh.context_words(
        portal_name
    ) != read.context_words(portal_name)


def _checked_new(
    ctx: ServiceContext, account: Account, current: str, new: str, confirm: str
) -> str:
    """The new password if it meets the rules for ``account``: 15 characters when the
    password is its only factor, 8 where a second factor follows (NIST SP 800-63B-4
    3.1.1.2); the blocklist, context words, the confirmation, and a change at all.

    Raises:
        PasswordRejected: on ``new_password``. ValidationError: on ``confirm_password``.
    """
    checked = check_password_rules(
        new,
        ctx.policy,
        context=account.context_words(ctx.portal_name),
        single_factor=account.login_type is LoginType.PASSWORD,
    )
    if new != confirm:
        raise ValidationError("password_confirmation_mismatch", field="confirm_password")
    if checked == current:
        raise PasswordRejected(("password_unchanged",))
    return checked
