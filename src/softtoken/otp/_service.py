"""The email one-time code service: issue a code for a purpose and a subject, email it,
verify it once. Each call is one unit of work around one transition of ``_codes``."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

import attrs

from softtoken._context import ServiceContext
from softtoken._log import log_refusal
from softtoken.accounts._identifiers import Email
from softtoken.errors import SoftTokenError, StateError, ValidationError
from softtoken.mail._templates import EmailTemplate, register_template
from softtoken.otp._client import CODE_SENDS, ClientThrottle
from softtoken.otp._codes import (
    CodeRecord,
    apply_enable,
    apply_issue,
    apply_verify,
    code_mac,
    new_code,
    normalize_code,
    validate_purpose,
    validate_subject,
)
from softtoken.otp._store import CodeTable

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = [
    "CodeStatus",
    "Failure",
    "IssuedCode",
    "OtpService",
    "VerifiedCode",
    "audit_subject",
    "transact_recording",
]

T = TypeVar("T")

#: Counter updates queue on a row lock; these retries only cover the rare lost race
#: (two first inserts of a row, a SQLite busy database), even with many callers at once.
COUNTER_ATTEMPTS = 50


@attrs.frozen
class Failure(Generic[T]):
    """What a unit of work returns when it stored a failure (a counter, an audit entry)
    and the call must still raise ``error`` once that is committed."""

    error: Exception


def transact_recording(
    ctx: ServiceContext, work: Callable[[StorageUnitOfWork], T | Failure[T]]
) -> T:
    """Run ``work`` in a committed unit of work, retried on lost races (with the
    policy's jittered backoff, at least ``COUNTER_ATTEMPTS`` times: a failed attempt
    that could not be recorded would be a guess nobody counted); when it returns a
    :class:`Failure`, the failure's writes are committed and its error is raised.

    Raises:
        Busy: ``busy_try_again`` when every attempt lost its race.
    """
    result = ctx.transact(work, min_attempts=COUNTER_ATTEMPTS)
    if isinstance(result, Failure):
        raise result.error
    return result


def audit_subject(subject: str) -> str:
    return subject[:128]


@attrs.frozen(kw_only=True)
class IssuedCode:
    """A code was emailed. The code itself is never returned: only the mailbox has it."""

    purpose: str
    subject: str
    sent_to: str
    expires_at: datetime
    #: The earliest time a new code may be asked for (manual chapter 4 step 4).
    resend_after: datetime


@attrs.frozen(kw_only=True)
class VerifiedCode:
    purpose: str
    subject: str
    verified_at: datetime


@attrs.frozen(kw_only=True)
class CodeStatus:
    """What a portal screen may show about a (purpose, subject): never the code."""

    purpose: str
    subject: str
    waiting: bool
    expires_at: datetime | None
    resend_after: datetime | None
    failures: int
    locked_until: datetime | None
    disabled: bool


class OtpService:
    """Email one-time codes (``soft.otp``); TOTP fallback codes are ``soft.totp``."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    # --- issuing -------------------------------------------------------------------

    def issue(
        self,
        purpose: object,
        subject: object,
        *,
        email: object,
        template: str = "otp_code",
        params: Mapping[str, str] | None = None,
        actor: str = "system",
        client: str | None = None,
    ) -> IssuedCode:
        """Make a new code for ``purpose`` and ``subject`` and email it to ``email``.

        The previous code stops working; the failure count is kept. ``template`` gets
        ``$code`` and ``$minutes`` besides ``params``. ``client`` (the portal's key for
        the caller): at most ``policy.client_max_code_sends`` sends per
        ``policy.client_code_send_window`` from it, across accounts.

        Raises:
            ValidationError: ``purpose``, ``subject`` or ``email`` is malformed.
            RateLimited: ``otp_resend_too_soon`` (``retry_after`` in seconds),
                ``otp_disabled`` or ``client_rate_limited``.
        """
        p, s, to = validate_purpose(purpose), validate_subject(subject), Email.parse(email)
        if params is not None and not isinstance(params, Mapping):
            raise ValidationError("invalid_template_params", field="params")
        sends = ClientThrottle(self._ctx, CODE_SENDS)
        mac = sends.key(client)
        sends.check(mac)  # refused before any work; counted with the send below

        def work(uow: StorageUnitOfWork) -> IssuedCode:
            sends.count_in(uow, mac)
            return self.issue_in(
                uow,
                purpose=p,
                subject=s,
                email=to,
                template=template,
                params=params or {},
                actor=actor,
            )

        return transact_recording(self._ctx, work)

    def issue_in(
        self,
        uow: StorageUnitOfWork,
        *,
        purpose: str,
        subject: str,
        email: Email,
        template: str,
        params: Mapping[str, str],
        actor: str,
    ) -> IssuedCode:
        """:meth:`issue` inside the caller's unit of work (for flows that check other
        things in the same transaction, such as the forgot-password form)."""
        ctx = self._ctx
        now = ctx.clock.now()
        codes = uow.repository(CodeTable)
        record = codes.lock(purpose, subject) or CodeRecord(
            purpose=purpose, subject=subject, updated_at=now
        )
        code = new_code(ctx.policy.otp_digits)
        code_id = secrets.token_hex(16)
        mac = code_mac(ctx.keys, purpose=purpose, subject=subject, code_id=code_id, code=code)
        issued = apply_issue(record, code_id=code_id, mac=mac, now=now, policy=ctx.policy)
        if record.version == 0:
            codes.add_new(issued)
        else:
            codes.update(issued)
        minutes = int(ctx.policy.otp_lifetime.total_seconds() // 60)
        ctx.email(
            uow,
            template,
            email.value,
            {
                **params,
                "code": code,
                "minutes": str(minutes),
                "reference": subject[:64],
            },
        )
        ctx.audit(
            uow,
            actor=actor,
            action="otp.issue",
            subject=audit_subject(subject),
            code_purpose=purpose,
        )
        assert issued.expires_at is not None  # noqa: S101 - apply_issue sets it
        return IssuedCode(
            purpose=purpose,
            subject=subject,
            sent_to=email.value,
            expires_at=issued.expires_at,
            resend_after=now + ctx.policy.otp_resend_interval,
        )

    # --- verifying -----------------------------------------------------------------

    def verify(self, purpose: object, subject: object, code: object) -> VerifiedCode:
        """Check a code; a right one is used up, so it never passes twice.

        Raises:
            ValidationError: ``otp_malformed`` (not counted), or a malformed purpose or
                subject.
            StateError: ``otp_not_issued``.
            AuthenticationError: ``otp_wrong`` (counted), ``otp_expired``, ``otp_used``.
            RateLimited: ``otp_locked`` with ``retry_after`` (the 5th wrong code locks),
                ``otp_disabled`` (the 100th consecutive wrong code; an officer enables).
        """
        p, s = validate_purpose(purpose), validate_subject(subject)
        typed = normalize_code(code, digits=self._ctx.policy.otp_digits)

        def work(uow: StorageUnitOfWork) -> VerifiedCode | Failure[VerifiedCode]:
            return self.verify_in(uow, purpose=p, subject=s, code=typed, actor="anonymous")

        return transact_recording(self._ctx, work)

    def verify_in(
        self, uow: StorageUnitOfWork, *, purpose: str, subject: str, code: str, actor: str
    ) -> VerifiedCode | Failure[VerifiedCode]:
        """:meth:`verify` inside the caller's unit of work. A refusal that changes nothing
        raises; a counted failure is written and returned as a :class:`Failure`, for the
        caller to commit and then raise."""
        ctx = self._ctx
        now = ctx.clock.now()
        codes = uow.repository(CodeTable)
        record = codes.lock(purpose, subject)
        if record is None:
            # A code never issued concerns no record: anyone can send one, so it is logged
            # and counted, not audited, and writes nothing (issue 16 item 6).
            never = StateError("otp_not_issued")
            log_refusal("otp.verify", never)
            raise never
        mac = code_mac(
            ctx.keys.for_stored(record.code_mac),
            purpose=purpose,
            subject=subject,
            code_id=record.code_id or "",
            code=code,
        )
        try:
            updated, error = apply_verify(record, mac=mac, now=now, policy=ctx.policy)
        except SoftTokenError as refused:
            ctx.audit(
                uow,
                actor=actor,
                action="otp.verify",
                subject=audit_subject(subject),
                outcome="failure",
                code_purpose=purpose,
                reason=refused.code,
            )
            return Failure(refused)
        codes.update(updated)
        if error is not None:
            ctx.audit(
                uow,
                actor=actor,
                action="otp.verify",
                subject=audit_subject(subject),
                outcome="failure",
                code_purpose=purpose,
                reason=getattr(error, "code", "error"),
                failures=updated.failures,
            )
            return Failure(error)
        ctx.audit(
            uow,
            actor=actor,
            action="otp.verify",
            subject=audit_subject(subject),
            code_purpose=purpose,
        )
        return VerifiedCode(purpose=purpose, subject=subject, verified_at=now)

    # --- reading and the officer ------------------------------------------------------

    def status(self, purpose: object, subject: object) -> CodeStatus | None:
        """The state behind a code screen, or None when no code was ever issued."""
        p, s = validate_purpose(purpose), validate_subject(subject)
        with self._ctx.unit_of_work().reading() as uow:
            record = uow.repository(CodeTable).find_by_key(p, s)
        if record is None:
            return None
        now = self._ctx.clock.now()
        waiting = (
            record.code_mac is not None
            and record.used_at is None
            and record.expires_at is not None
            and now < record.expires_at
        )
        return CodeStatus(
            purpose=p,
            subject=s,
            waiting=waiting,
            expires_at=record.expires_at,
            resend_after=None
            if record.issued_at is None
            else record.issued_at + self._ctx.policy.otp_resend_interval,
            failures=record.failures,
            locked_until=record.locked_until,
            disabled=record.disabled,
        )

    def enable(self, purpose: object, subject: object, *, officer: str) -> None:
        """An officer re-enables a (purpose, subject) disabled at the hard limit.

        Raises:
            NotFound: no code was ever issued for it.
        """
        p, s = validate_purpose(purpose), validate_subject(subject)
        ctx = self._ctx

        def work(uow: StorageUnitOfWork) -> None:
            codes = uow.repository(CodeTable)
            record = codes.get_by_key(p, s)
            codes.update(apply_enable(record, now=ctx.clock.now()))
            ctx.audit(
                uow,
                actor=f"officer:{officer}",
                action="otp.enable",
                subject=audit_subject(s),
                code_purpose=p,
            )

        transact_recording(ctx, work)


register_template(
    "otp_code",
    EmailTemplate(
        subject_th="$portal: รหัส OTP ของท่าน",
        subject_en="$portal: your one-time code",
        body_th="รหัส OTP ของท่านคือ $code\n\nรหัสนี้ใช้ได้ครั้งเดียว ภายใน $minutes นาที "
        "อย่าแจ้งรหัสนี้แก่ผู้อื่น เจ้าหน้าที่จะไม่ขอรหัสนี้จากท่าน\n\n"
        "หากท่านไม่ได้ขอรหัสนี้ กรุณาติดต่อกรมบัญชีกลางและแจ้งรหัสอ้างอิง $reference",
        body_en="Your one-time code is $code\n\nIt works once, within $minutes minutes. "
        "Never share it; no officer will ever ask for it.\n\n"
        "If you did not ask for this code, contact the Comptroller General's Department "
        "and quote reference $reference.",
    ),
)
