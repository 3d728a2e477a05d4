"""Forgot password: self-service reset (manual chapter 4).

Theory of operation::

    request(user_id, citizen_id, email, client_key=...)
        form locked (user ID or client key) .... RateLimited reset_locked, retry_after
        data do not match ....................... AuthenticationError reset_data_mismatch
                                                  (one error for every field), counted per
                                                  user ID and per client key; every 5th
                                                  mismatch locks the form for 5 minutes
        match, registration not completed ....... StateError reset_not_available
        match ................................... a code to the registered email
                                                  ("reset password"); at most every 90 s
    resend(user_id)
        no unused, unexpired code ............... StateError reset_not_pending
        form or code locked ..................... RateLimited reset_locked / otp_locked
        pending ................................. a new code to the registered email;
                                                  at most every 90 s
    confirm(user_id, code)
        wrong / expired / used / locked ......... the code's own errors (softtoken.otp)
        right ................................... a random password by email (never to
                                                  the caller), must be changed, expires;
                                                  the old password stops working and any
                                                  push approval in flight is superseded

The counters are rows (``st_attempt_counters``), so every portal process shares them.
The client key is whatever the portal trusts to tell callers apart (its view of the
caller's address); only an HMAC of it is stored. Both emails say how to dispute.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from softtoken._context import ServiceContext
from softtoken.accounts._account import AccountStatus, apply_new_password
from softtoken.accounts._identifiers import CitizenId, Email, UserId, mask_email
from softtoken.accounts._officer import Officer
from softtoken.accounts._passwords import generate_password
from softtoken.errors import (
    AuthenticationError,
    ConcurrencyError,
    RateLimited,
    StateError,
    ValidationError,
)
from softtoken.lifecycle.login.challenges import ChallengeTable
from softtoken.lifecycle.password_reset import _templates  # noqa: F401 - registers the emails
from softtoken.lifecycle.password_reset._checks import check_resend, matches
from softtoken.lifecycle.password_reset._results import ResetCompleted, ResetRequested
from softtoken.otp._client import CODE_SENDS, ClientThrottle
from softtoken.otp._codes import Purpose, normalize_code
from softtoken.otp._service import Failure, OtpService, transact_recording
from softtoken.otp._store import AttemptCounters, CodeTable
from softtoken.otp._throttle import (
    AttemptCounter,
    apply_counter_failure,
    apply_counter_success,
    check_counter,
    counter_key,
)

if TYPE_CHECKING:
    from softtoken.accounts._account import Account
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["PasswordResetService"]

_USER_SCOPE = "reset_user"
_CLIENT_SCOPE = "reset_client"
#: Rounds of confirm before giving up: another is needed only when a code was issued, or
#: the account renamed, between the read and the transaction.
_ROUNDS = 5


class _Stale(Exception):
    """What was prepared outside the transaction no longer fits: prepare again."""


class PasswordResetService:
    """``soft.password_reset``."""

    def __init__(self, context: ServiceContext, otp: OtpService) -> None:
        self._ctx = context
        self._otp = otp

    def request(
        self,
        user_id: object,
        citizen_id: object,
        email: object,
        *,
        client: object = None,
        client_key: object = None,
    ) -> ResetRequested:
        """The forgot-password form: user ID, citizen ID and the registered email.

        Args:
            client: optional; the portal's key for the caller (e.g. its address), so
                that guesses spread over many user IDs lock too, and its code sends
                count as for ``soft.otp.issue``. ``client_key`` is the older name.

        Raises:
            ValidationError: a field is malformed (the field is named: format is public).
            AuthenticationError: ``reset_data_mismatch``, the same for every field.
            RateLimited: ``reset_locked``, ``client_rate_limited`` (``retry_after``),
                ``otp_resend_too_soon``,
                ``otp_disabled`` (an officer must re-enable the self-service path).
            StateError: ``reset_not_available``, ``account_disabled``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        cid = CitizenId.parse(citizen_id)
        address = Email.parse(email)
        if client is None:
            client = client_key
        elif client_key is not None:
            raise ValidationError("invalid_value", field="client_key")  # one name, not both
        sends = ClientThrottle(ctx, CODE_SENDS)
        send_mac = sends.key(client)  # checks the key's form
        keys = [(_USER_SCOPE, counter_key(ctx.keys, _USER_SCOPE, uid.value))]
        if isinstance(client, str):
            keys.append((_CLIENT_SCOPE, counter_key(ctx.keys, _CLIENT_SCOPE, client)))
        sends.check(send_mac)  # refused before any work; counted with a code sent

        def work(uow: StorageUnitOfWork) -> ResetRequested | Failure[ResetRequested]:
            now = ctx.clock.now()
            table = uow.repository(AttemptCounters)
            counters = [
                table.lock(scope, mac) or AttemptCounter(scope=scope, key_mac=mac, updated_at=now)
                for scope, mac in keys
            ]
            try:
                for counter in counters:
                    check_counter(counter, now=now, code="reset_locked")
            except RateLimited as locked:
                ctx.audit(
                    uow,
                    actor="anonymous",
                    action="password_reset.request",
                    subject=uid.value,
                    outcome="denied",
                    reason=locked.code,
                )
                return Failure(locked)
            account = uow.accounts.find(uid)
            if not matches(account, cid, address):
                return self._mismatch(uow, uid, counters, now=now)
            assert account is not None  # noqa: S101 - _matches checked it
            if ctx.policy.reset_requires_completed_registration and not (
                account.registration_completed
            ):
                raise StateError("reset_not_available")
            if account.status is AccountStatus.DISABLED:
                raise StateError("account_disabled")
            table.save(apply_counter_success(counters[0], now=now))
            sends.count_in(uow, send_mac)
            issued = self._otp.issue_in(
                uow,
                purpose=Purpose.PASSWORD_RESET.value,
                subject=uid.value,
                email=address,
                template="password_reset_code",
                actor=f"user:{uid.value}",
                params={"name": account.full_name, "user_id": uid.value},
            )
            ctx.audit(
                uow, actor=f"user:{uid.value}", action="password_reset.request", subject=uid.value
            )
            return ResetRequested(
                user_id=uid.value,
                sent_to=mask_email(address.value),
                expires_at=issued.expires_at,
                resend_after=issued.resend_after,
            )

        return transact_recording(ctx, work)

    def resend(self, user_id: object) -> ResetRequested:
        """ "Send the code again" on the code screen: a new code to the registered email
        for the reset this user ID has pending (the old code stops working). The form's
        data were checked when the reset was requested, so only the user ID is asked.

        Raises:
            ValidationError: a malformed user ID.
            StateError: ``reset_not_pending`` (no unused, unexpired code for this user
                ID: fill in the form again), ``account_disabled``.
            RateLimited: ``reset_locked`` (``retry_after``), ``otp_resend_too_soon``,
                ``otp_locked``, ``otp_disabled``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        mac = counter_key(ctx.keys, _USER_SCOPE, uid.value)

        def work(uow: StorageUnitOfWork) -> ResetRequested | Failure[ResetRequested]:
            now = ctx.clock.now()
            counter = uow.repository(AttemptCounters).lock(_USER_SCOPE, mac)
            pending = uow.repository(CodeTable).lock(Purpose.PASSWORD_RESET.value, uid.value)
            account = uow.accounts.find(uid)
            try:
                check_resend(counter, pending, now=now)
            except RateLimited as locked:
                ctx.audit(uow, actor=f"user:{uid.value}", action="password_reset.resend",
                          subject=uid.value, outcome="denied", reason=locked.code)  # fmt: skip
                return Failure(locked)
            if (
                account is None
                or account.email is None
                or pending is None
                or pending.code_mac is None
                or pending.used_at is not None
                or pending.expires_at is None
                or now >= pending.expires_at
            ):
                raise StateError("reset_not_pending")
            if account.status is AccountStatus.DISABLED:
                raise StateError("account_disabled")
            issued = self._otp.issue_in(
                uow,
                purpose=Purpose.PASSWORD_RESET.value,
                subject=uid.value,
                email=account.email,
                template="password_reset_code",
                actor=f"user:{uid.value}",
                params={"name": account.full_name, "user_id": uid.value},
            )
            ctx.audit(
                uow, actor=f"user:{uid.value}", action="password_reset.resend", subject=uid.value
            )
            return ResetRequested(
                user_id=uid.value,
                sent_to=mask_email(account.email.value),
                expires_at=issued.expires_at,
                resend_after=issued.resend_after,
            )

        return transact_recording(ctx, work)

    def _mismatch(
        self,
        uow: StorageUnitOfWork,
        uid: UserId,
        counters: list[AttemptCounter],
        *,
        now: datetime,
    ) -> Failure[ResetRequested]:
        ctx = self._ctx
        table = uow.repository(AttemptCounters)
        error: Exception = AuthenticationError("reset_data_mismatch")
        for counter in counters:
            failed = table.save(
                apply_counter_failure(
                    counter,
                    now=now,
                    max_failures=ctx.policy.reset_max_mismatches,
                    lockout=ctx.policy.reset_lockout,
                )
            )
            if failed.locked_until is not None and failed.locked_until > now:
                error = RateLimited(
                    "reset_locked",
                    retry_after=int((failed.locked_until - now).total_seconds() + 0.999),
                )
        ctx.audit(
            uow,
            actor="anonymous",
            action="password_reset.request",
            subject=uid.value,
            outcome="failure",
            reason=getattr(error, "code", "error"),
        )
        return Failure(error)

    def confirm(self, user_id: object, code: object) -> ResetCompleted:
        """The code from the "reset password" email. A right code emails a new random
        password to the registered address; it must be changed at first login.

        The user ID binds the code to one account, so the 5-attempt lock and the
        100-failure limit count per account, not across every pending reset.

        Raises:
            ValidationError: ``otp_malformed``, or a malformed user ID.
            StateError: ``otp_not_issued``, ``account_disabled``.
            AuthenticationError: ``otp_wrong``, ``otp_expired``, ``otp_used``.
            RateLimited: ``otp_locked`` (``retry_after``), ``otp_disabled``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        typed = normalize_code(code, digits=ctx.policy.otp_digits)

        def round_() -> ResetCompleted:
            prepared = self._prepare(uid)

            def work(uow: StorageUnitOfWork) -> ResetCompleted | Failure[ResetCompleted]:
                verified = self._otp.verify_in(
                    uow,
                    purpose=Purpose.PASSWORD_RESET.value,
                    subject=uid.value,
                    code=typed,
                    actor=f"user:{uid.value}",
                )
                if isinstance(verified, Failure):
                    return Failure(verified.error)
                account = uow.accounts.get(uid)
                if account.status is AccountStatus.DISABLED:
                    raise StateError("account_disabled")
                if account.email is None:  # removed since the request: nowhere to send it
                    raise StateError("reset_not_available")
                words = account.context_words(ctx.portal_name)
                if prepared is None or prepared[2] != words:
                    raise _Stale  # no code was pending when read, or a name changed
                return self._reset(uow, account, account.email, prepared)

            return transact_recording(ctx, work)

        for _ in range(_ROUNDS):
            try:
                return round_()
            except _Stale:
                continue
        raise ConcurrencyError(detail="the account changed during every attempt")

    def _prepare(self, uid: UserId) -> tuple[str, str, tuple[str, ...]] | None:
        """The new password, its hash and the context words it was checked against, made
        before the transaction (argon2 holds no lock there, issue 12, M2); None when no
        code can pass now (none pending, used, expired, locked, disabled), so an unknown
        user ID or a locked-out guesser costs no hash."""
        ctx = self._ctx
        with ctx.unit_of_work().reading() as uow:
            account = uow.accounts.find(uid)
            pending = uow.repository(CodeTable).find_by_key(Purpose.PASSWORD_RESET.value, uid.value)
        now = ctx.clock.now()
        if (
            account is None
            or pending is None
            or pending.code_mac is None
            or pending.used_at is not None
            or pending.expires_at is None
            or now >= pending.expires_at
            or pending.disabled
            or (pending.locked_until is not None and now < pending.locked_until)
        ):
            return None
        words = account.context_words(ctx.portal_name)
        password = generate_password(ctx.policy, context=words)
        return password, ctx.hasher.hash(password), words

    def _reset(
        self,
        uow: StorageUnitOfWork,
        account: Account,
        email: Email,
        prepared: tuple[str, str, tuple[str, ...]],
    ) -> ResetCompleted:
        """Store the new password, end push approvals in flight (issue 12, L5), email it."""
        ctx = self._ctx
        uid = account.user_id
        password, hashed, _ = prepared
        now = ctx.clock.now()
        expires_at = now + ctx.policy.temporary_password_lifetime
        uow.accounts.update(
            apply_new_password(account, hashed, now=now, must_change=True, expires_at=expires_at)
        )
        superseded = uow.repository(ChallengeTable).supersede_open_for_user(uid.value)
        ctx.audit(uow, actor=f"user:{uid.value}", action="password_reset.complete",
                  subject=uid.value, superseded_challenges=superseded)  # fmt: skip
        ctx.email(
            uow,
            "password_reset_done",
            email.value,
            {
                "name": account.full_name,
                "user_id": uid.value,
                "password": password,
                "when": now.strftime("%Y-%m-%d %H:%M"),
                "reference": uid.value,
                "hours": str(int(ctx.policy.temporary_password_lifetime.total_seconds() // 3600)),
            },
        )
        return ResetCompleted(
            user_id=uid.value, sent_to=mask_email(email.value), password_expires_at=expires_at
        )

    def enable(self, user_id: object, *, officer: Officer | str) -> None:
        """An officer re-enables the self-service path after 100 consecutive wrong codes.

        Raises:
            ValidationError: ``officer_required``.
            StateError: ``officer_own_account``.
        """
        uid = self._ctx.user_id(user_id)
        who = Officer.parse(officer)
        who.refuse_own_account(uid)
        self._otp.enable(Purpose.PASSWORD_RESET.value, uid.value, officer=who.officer_id)
