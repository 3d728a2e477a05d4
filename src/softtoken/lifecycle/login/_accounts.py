"""Account services: create accounts, issue temporary passwords, check and change
passwords. Each call is one unit of work around one pure transition."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import (
    Account,
    AccountStatus,
    LoginType,
    apply_login_failure,
    apply_login_success,
    apply_new_password,
    check_can_log_in,
    validate_name,
)
from softtoken.accounts._identifiers import CitizenId, DisbursementUnitCode, Email
from softtoken.accounts._officer import Officer
from softtoken.accounts._passwords import (
    check_password_rules,
    generate_password,
    normalize_password,
)
from softtoken.errors import (
    AuthenticationError,
    NotFound,
    PasswordRejected,
    RateLimited,
    StateError,
    ValidationError,
)
from softtoken.otp._service import transact_recording
from softtoken.storage._repositories import AccountTable

if TYPE_CHECKING:
    from softtoken.accounts._identifiers import UserId
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["AccountService", "PasswordCheck"]


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
        with self._ctx.unit_of_work() as uow:
            return uow.accounts.get(uid)

    def list(self, *, limit: int = 100, after: object = None) -> list[Account]:
        start = None if after is None else self._ctx.user_id(after)
        with self._ctx.unit_of_work() as uow:
            return uow.accounts.list(limit=limit, after=start)

    def issue_temporary_password(self, user_id: object, *, actor: str = "system") -> str:
        """Give the account a random password that must be changed at first use and
        expires after ``policy.temporary_password_lifetime`` (ASVS 6.4.1). Returned once,
        to be shown once; only its hash is kept. Nobody chooses it (ASVS 6.4.6).

        Raises:
            NotFound: ``account_not_found``.
        """
        uid = self._ctx.user_id(user_id)
        policy = self._ctx.policy
        box: list[str] = []

        def work(uow: StorageUnitOfWork) -> None:
            account = uow.accounts.get(uid)
            password = generate_password(policy, context=account.context_words())
            now = self._ctx.clock.now()
            updated = apply_new_password(
                account,
                self._ctx.hasher.hash(password),
                now=now,
                must_change=True,
                expires_at=now + policy.temporary_password_lifetime,
            )
            uow.accounts.update(updated)
            self._ctx.audit(uow, actor=actor, action="password.issue_temporary", subject=uid.value)
            box[:] = [password]

        self._ctx.transact(work)
        return box[0]

    def verify_password(self, user_id: object, password: object) -> PasswordCheck:
        """Check a password: the first factor of every login.

        Wrong passwords count towards the lockout; an unknown user ID costs the same time
        as a known one. Every attempt is audited, never with the password.

        Raises:
            AuthenticationError: ``invalid_credentials`` (unknown user or wrong password,
                never saying which), ``password_expired`` for an old temporary password.
            RateLimited: ``login_locked`` with ``retry_after``.
            StateError: ``account_disabled``, ``password_not_set``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        secret = normalize_password(password)
        failure: list[BaseException] = []

        def work(uow: StorageUnitOfWork) -> PasswordCheck | None:
            failure.clear()
            now = ctx.clock.now()
            account = _lock(uow, uid)
            if account is None:
                ctx.audit(
                    uow,
                    actor="anonymous",
                    action="login.password",
                    subject=uid.value,
                    outcome="failure",
                    factor="password",
                    reason="unknown_user",
                )
                failure.append(_wrong(ctx, secret))
                return None
            try:
                check_can_log_in(account, now=now)
                assert account.password_hash is not None  # noqa: S101 - checked just above
                needs_rehash = ctx.hasher.verify(account.password_hash, secret)
                updated = apply_login_success(account, now=now)
                if account.must_change_password:
                    # No login completes before the forced change (manual chapter 3).
                    updated = attrs.evolve(updated, last_login_at=account.last_login_at)
            except (AuthenticationError, RateLimited, StateError) as error:
                self._record_failure(uow, account, error)
                failure.append(error)
                return None
            if needs_rehash:
                updated = attrs.evolve(updated, password_hash=ctx.hasher.hash(secret))
            stored = uow.accounts.update(updated)
            ctx.audit(
                uow,
                actor=f"user:{uid.value}",
                action="login.password",
                subject=uid.value,
                factor="password",
                rehashed=needs_rehash,
                change_required=account.must_change_password,
            )
            return PasswordCheck(
                account=stored, password_change_required=stored.must_change_password
            )

        result = transact_recording(ctx, work)
        if result is None:
            raise failure[0]
        return result

    def _record_failure(
        self, uow: StorageUnitOfWork, account: Account, error: BaseException
    ) -> None:
        ctx = self._ctx
        uid = account.user_id.value
        code = getattr(error, "code", "error")
        if code == "invalid_credentials":
            failed = apply_login_failure(account, now=ctx.clock.now(), policy=ctx.policy)
            uow.accounts.update(failed)
            if failed.status is AccountStatus.DISABLED and account.status is AccountStatus.ACTIVE:
                ctx.audit(
                    uow,
                    actor="system",
                    action="account.disable",
                    subject=uid,
                    reason="login_hard_limit",
                )
                if account.email:
                    ctx.email(
                        uow,
                        "account_disabled",
                        account.email.value,
                        {"name": account.full_name, "user_id": uid, "reference": uid},
                    )
        ctx.audit(
            uow,
            actor=f"user:{uid}",
            action="login.password",
            subject=uid,
            outcome="failure",
            factor="password",
            reason=code,
        )

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

        Raises:
            AuthenticationError: ``wrong_password`` (counts towards the lockout),
                ``password_expired`` (an initial or reset password past its lifetime).
            PasswordRejected: the new password breaks a rule; ``reasons`` lists them.
            ValidationError: ``password_confirmation_mismatch`` on ``confirm_password``.
            RateLimited: ``login_locked``. StateError: ``account_disabled``.
            NotFound: ``account_not_found``.
        Refusals by lock, state or expiry are audited like login attempts.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        current = normalize_password(current_password, field="current_password")
        new = normalize_password(new_password, field="new_password")
        confirm = normalize_password(confirm_password, field="confirm_password")
        failure: list[BaseException] = []

        def work(uow: StorageUnitOfWork) -> Account | None:
            failure.clear()
            now = ctx.clock.now()
            account = _lock(uow, uid)
            if account is None:
                raise NotFound("account_not_found")
            try:
                check_can_log_in(account, now=now)
            except (RateLimited, StateError) as error:
                self._record_failure(uow, account, error)
                failure.append(error)
                return None
            assert account.password_hash is not None  # noqa: S101 - checked just above
            try:
                ctx.hasher.verify(account.password_hash, current)
            except AuthenticationError:
                self._record_failure(uow, account, AuthenticationError("invalid_credentials"))
                failure.append(AuthenticationError("wrong_password"))
                return None
            if account.password_expires_at is not None and now >= account.password_expires_at:
                expired = AuthenticationError("password_expired")
                self._record_failure(uow, account, expired)
                failure.append(expired)
                return None
            checked = check_password_rules(
                new, ctx.policy, context=account.context_words(ctx.portal_name)
            )
            if new != confirm:
                raise ValidationError("password_confirmation_mismatch", field="confirm_password")
            if checked == current:
                raise PasswordRejected(("password_unchanged",))
            updated = apply_new_password(
                account, ctx.hasher.hash(checked), now=now, must_change=False
            )
            stored = uow.accounts.update(updated)
            ctx.audit(uow, actor=f"user:{uid.value}", action="password.change", subject=uid.value)
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

        result = transact_recording(ctx, work)
        if result is None:
            raise failure[0]
        return result

    def enable(self, user_id: object, *, officer: Officer | str) -> Account:
        """An officer re-enables an account disabled at the hard limit of failures.

        Raises:
            ValidationError: ``officer_required``.
            StateError: ``officer_own_account``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        who = Officer.parse(officer)
        who.refuse_own_account(uid)

        def work(uow: StorageUnitOfWork) -> Account:
            account = uow.accounts.get(uid)
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


def _wrong(ctx: ServiceContext, secret: str) -> BaseException:
    try:
        ctx.hasher.verify_dummy(secret)
    except AuthenticationError as error:
        return error
    return AuthenticationError()  # pragma: no cover - verify_dummy always raises


def _lock(uow: StorageUnitOfWork, uid: UserId) -> Account | None:
    """The account row, locked until commit where the database can: concurrent wrong
    passwords for one account queue, so none of them goes uncounted."""
    rows = uow.transaction.select(
        AccountTable.table, [("user_id", "=", uid.value)], for_update=True
    )
    return uow.accounts.from_row(rows[0]) if rows else None
