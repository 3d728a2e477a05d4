"""``soft.revocation``: self-revocation of the soft token (manual chapter 5), the
authenticator history, and what a revoked device learns at its next poll.

The holder revokes without asking CGD, for one of the manual's 4 reasons (the second has
two RFC 5280 codes, so it is two values here):

===============================  =============================  =====================
manual reason                    value                          CRL reason
===============================  =============================  =====================
1. own data changed              ``own_data_changed``           affiliationChanged (3)
2. holder changes: resigned      ``holder_resigned``            cessationOfOperation (5)
2. holder changes: transferred   ``holder_transferred``         affiliationChanged (3)
   or moved position
3. change the registered email   ``email_changed``              superseded (4)
4. new phone                     ``new_phone``                  superseded (4)
===============================  =============================  =====================

In one transaction: the certificate (and a renewal's, if one waits) is revoked, on hold
or not, so the
CRL and OCSP say so at once; the device binding ends; pending login challenges and
renewal requests stop; the account goes back to password login and must register again
(chapter 2) with the same user ID and password; a notice goes to the registered email.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import LoginType
from softtoken.ca._records import CertificateStatus, CertificateTable
from softtoken.ca._revocation import SELF_REVOCATION_REASONS, RevocationReason
from softtoken.errors import StateError, ValidationError
from softtoken.lifecycle.bindings import (
    AuthenticatorEvent,
    AuthenticatorEventTable,
    BindingTable,
    DeviceBinding,
    EventKind,
    end_binding,
    record_event,
)
from softtoken.lifecycle.login.challenges import ChallengeTable, supersede_challenge
from softtoken.lifecycle.renewal.machine import RenewalTable, supersede_renewal
from softtoken.mail._templates import EmailTemplate, register_template
from softtoken.protocol._messages import PROTOCOL_VERSION

if TYPE_CHECKING:
    from softtoken.ca._service import CaService
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["RevocationService", "SelfRevocation", "end_soft_token"]

register_template(
    "soft_token_revoked",
    EmailTemplate(
        subject_th="$portal: ยกเลิก Soft Token แล้ว",
        subject_en="$portal: your soft token was revoked",
        body_th="เรียน $name\n\nSoft Token ของบัญชี $user_id ถูกยกเลิกเมื่อ $when (UTC) "
        "เหตุผล: $reason_th\nหากต้องการใช้งานต่อ กรุณาเข้าสู่ระบบด้วยรหัสผู้ใช้งานและรหัสผ่านเดิม "
        "แล้วลงทะเบียน Soft Token ใหม่\n\n"
        "หากท่านไม่ได้เป็นผู้ดำเนินการนี้ กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด",
        body_en="Dear $name,\n\nThe soft token of account $user_id was revoked at $when (UTC). "
        "Reason: $reason_en.\nTo use it again, log in with the same user ID and password and "
        "register a soft token again.\n\n"
        "If this was not you, contact the Comptroller General's Department at once.",
    ),
)

REASON_TEXT: dict[RevocationReason, tuple[str, str]] = {
    RevocationReason.OWN_DATA_CHANGED: ("ข้อมูลของผู้ถือเปลี่ยนแปลง", "own data changed"),
    RevocationReason.HOLDER_RESIGNED: ("เปลี่ยนผู้ถือ ผู้ถือเดิมลาออก", "holder changes: resigned"),
    RevocationReason.HOLDER_TRANSFERRED: (
        "เปลี่ยนผู้ถือ ผู้ถือเดิมโอนย้ายหรือย้ายตำแหน่ง",
        "holder changes: transferred or moved position",
    ),
    RevocationReason.EMAIL_CHANGED: ("ต้องการเปลี่ยนอีเมลที่ลงทะเบียน", "change of registered email"),
    RevocationReason.NEW_PHONE: ("เปลี่ยนโทรศัพท์เครื่องใหม่", "new phone"),
    RevocationReason.LOST_PHONE: ("โทรศัพท์สูญหาย", "lost phone"),
    RevocationReason.FORGOT_PIN: ("ลืม PIN หรือแอปพลิเคชันถูกล็อก", "forgot the PIN or app locked"),
    RevocationReason.APP_DELETED: ("แอปพลิเคชันหรือใบรับรองถูกลบ", "app or certificate deleted"),
    RevocationReason.PRIVILEGE_WITHDRAWN: ("เจ้าหน้าที่ระงับสิทธิ์", "access withdrawn"),
}


@attrs.frozen(kw_only=True)
class SelfRevocation:
    user_id: str
    reason: RevocationReason
    revoked_serials: tuple[str, ...]
    revoked_at: datetime


def end_soft_token(
    ctx: ServiceContext,
    ca: CaService,
    uow: StorageUnitOfWork,
    binding: DeviceBinding,
    *,
    reason: RevocationReason,
    actor: str,
) -> tuple[str, ...]:
    """Revoke the binding's certificates, end it, stop what waits for it, send the
    account back to registration and notify the person. Shared with the officer's
    service requests (chapter 7). Returns the revoked serials."""
    now = ctx.clock.now()
    # A suspended certificate is revoked for good too: left on hold, it could be
    # released after its soft token ended (issue 12, H1).
    revoked = [
        serial
        for serial in (binding.certificate_serial, binding.renewed_serial)
        if serial and ca.revoke_for_good_in(uow, serial, reason=reason, actor=actor)
    ]
    uow.repository(BindingTable).update(end_binding(binding, reason=reason.value, now=now))
    record_event(uow.transaction, binding, EventKind.REVOKED, now=now, source=actor,
                 detail=reason.value)  # fmt: skip
    challenges = uow.repository(ChallengeTable)
    for challenge in challenges.open_for_user(binding.user_id):
        challenges.update(supersede_challenge(challenge))
    renewals = uow.repository(RenewalTable)
    for request in renewals.open_for_device(binding.device_id):
        renewals.update(supersede_renewal(request))
    account = uow.accounts.get(ctx.user_id(binding.user_id))
    uow.accounts.update(
        attrs.evolve(
            account, login_type=LoginType.PASSWORD, registration_completed=False, updated_at=now
        )
    )
    thai, english = REASON_TEXT.get(reason, (reason.value, reason.value))
    if account.email:
        ctx.email(uow, "soft_token_revoked", account.email.value, {
            "name": account.full_name, "user_id": binding.user_id,
            "when": now.strftime("%Y-%m-%d %H:%M"), "reason_th": thai, "reason_en": english,
        })  # fmt: skip
    return tuple(revoked)


def parse_self_reason(raw: object) -> RevocationReason:
    try:
        reason = RevocationReason(raw) if isinstance(raw, str) else None
    except ValueError:
        reason = None
    if reason not in SELF_REVOCATION_REASONS:
        raise ValidationError("revocation_reason_invalid", field="reason")
    assert reason is not None  # noqa: S101 - None is not in the tuple above
    return reason


class RevocationService:
    def __init__(self, context: ServiceContext, *, ca: CaService) -> None:
        self._ctx = context
        self._ca = ca

    def revoke(self, user_id: object, *, reason: object) -> SelfRevocation:
        """The holder revokes the soft token ("revoke", a reason, confirm).

        Raises:
            ValidationError: ``revocation_reason_invalid`` (only the manual's 4 reasons).
            StateError: ``soft_token_not_active``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        why = parse_self_reason(reason)

        def work(uow: StorageUnitOfWork) -> SelfRevocation:
            binding = uow.repository(BindingTable).active_for(uid.value)
            if binding is None:
                raise StateError("soft_token_not_active")
            serials = end_soft_token(ctx, self._ca, uow, binding, reason=why,
                                     actor=f"user:{uid.value}")  # fmt: skip
            ctx.audit(uow, actor=f"user:{uid.value}", action="revocation.self",
                      subject=uid.value, reason=why.value, crl_reason=why.rfc5280_code)  # fmt: skip
            return SelfRevocation(user_id=uid.value, reason=why, revoked_serials=serials,
                                  revoked_at=ctx.clock.now())  # fmt: skip

        return ctx.transact(work)

    def history(self, user_id: object) -> list[AuthenticatorEvent]:
        """Every authenticator event of the account, oldest first: bound, renewed,
        revoked, unbound, with time and source (NIST SP 800-63B-4 draft 4.1)."""
        uid = self._ctx.user_id(user_id)
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(AuthenticatorEventTable).for_user(uid.value)

    def status_for_device(self, certificate_serial: object) -> list[dict[str, Any]]:
        """A revoked device learns it at its next poll."""
        from softtoken.ca._service import parse_serial  # noqa: PLC0415 - import cycle

        serial = parse_serial(certificate_serial)
        with self._ctx.unit_of_work().reading() as uow:
            record = uow.repository(CertificateTable).find(serial)
        if record is None or record.status is not CertificateStatus.REVOKED:
            return []
        reason = record.revocation_reason.value if record.revocation_reason else "unspecified"
        return [{"v": PROTOCOL_VERSION, "type": "revoked", "reason": reason}]
