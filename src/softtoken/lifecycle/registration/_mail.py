"""The emails of registration: the one-time code for the email (step 3) and the
decision of step 4, approved ("registration status confirmed") or rejected with the
reason. Thai and English, as every message of the portal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from softtoken._context import ServiceContext
from softtoken.lifecycle.registration.machine import Registration, RegistrationState
from softtoken.mail._templates import EmailTemplate, register_template

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["send_decision_email"]


def send_decision_email(ctx: ServiceContext, uow: StorageUnitOfWork, reg: Registration) -> None:
    """Queue the approval or rejection email to the registration's verified email."""
    if reg.email is None:
        return
    name = "" if reg.identity is None else f"{reg.identity.first_name} {reg.identity.last_name}"
    params = {"name": name, "user_id": reg.user_id.value, "reference": reg.registration_id}
    if reg.state is RegistrationState.APPROVED:
        ctx.email(uow, "registration_approved", reg.email.value, params)
    elif reg.state is RegistrationState.REJECTED:
        reason = reg.rejection_reason or "-"
        ctx.email(uow, "registration_rejected", reg.email.value, {**params, "reason": reason})


register_template(
    "registration_email_code",
    EmailTemplate(
        subject_th="$portal: รหัส OTP สำหรับยืนยันอีเมลในการลงทะเบียน Soft Token",
        subject_en="$portal: one-time code to confirm your email for Soft Token registration",
        body_th="รหัส OTP สำหรับยืนยันอีเมลของบัญชี $user_id คือ $code\n\n"
        "รหัสนี้ใช้ได้ครั้งเดียว ภายใน $minutes นาที อย่าแจ้งรหัสนี้แก่ผู้อื่น\n\n"
        "หากท่านไม่ได้ลงทะเบียน กรุณาติดต่อกรมบัญชีกลางและแจ้งรหัสอ้างอิง $reference",
        body_en="The one-time code to confirm the email of account $user_id is $code\n\n"
        "It works once, within $minutes minutes. Never share it.\n\n"
        "If you are not registering, contact the Comptroller General's Department and "
        "quote reference $reference.",
    ),
)

register_template(
    "registration_approved",
    EmailTemplate(
        subject_th="$portal: ยืนยันสถานะการลงทะเบียน Soft Token",
        subject_en="$portal: registration status confirmed",
        body_th="เรียน $name\n\nการลงทะเบียน Soft Token ของบัญชี $user_id ได้รับการอนุมัติแล้ว "
        "กรุณาเข้าสู่ระบบอีกครั้ง (Login by Soft Token) แล้วดำเนินการขั้นตอนที่ 4 "
        "(ดำเนินการต่อ) และขั้นตอนที่ 5 เปิดใช้งาน Soft Token\n\nรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nThe Soft Token registration of account $user_id is approved. "
        'Log in again (Login by Soft Token), choose "proceed" at step 4, then activate the '
        "soft token at step 5.\n\nReference $reference",
    ),
)

register_template(
    "registration_rejected",
    EmailTemplate(
        subject_th="$portal: ผลการลงทะเบียน Soft Token ไม่ได้รับการอนุมัติ",
        subject_en="$portal: your Soft Token registration was not approved",
        body_th="เรียน $name\n\nการลงทะเบียน Soft Token ของบัญชี $user_id ไม่ได้รับการอนุมัติ "
        "เนื่องจาก: $reason\n\nกรุณาเริ่มลงทะเบียนใหม่ตั้งแต่ขั้นตอนที่ 1\n\nรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nThe Soft Token registration of account $user_id was not "
        "approved, for this reason: $reason\n\nPlease register again from step 1.\n\n"
        "Reference $reference",
    ),
)

register_template(
    "registration_email_changed",
    EmailTemplate(
        subject_th="$portal: อีเมลที่ลงทะเบียนของท่านถูกเปลี่ยนแล้ว",
        subject_en="$portal: your registered email was changed",
        body_th="เรียน $name\n\nการลงทะเบียน Soft Token ที่ได้รับการอนุมัติได้เปลี่ยนอีเมลที่ลงทะเบียนของบัญชี "
        "$user_id เป็น $masked อีเมลใหม่นี้จะใช้รับรหัสสำหรับตั้งรหัสผ่านใหม่\n\n"
        "หากท่านไม่ได้เป็นผู้ลงทะเบียน กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด และแจ้งรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nAn approved Soft Token registration changed the registered "
        "email of account $user_id to $masked; password resets now go there.\n\n"
        "If you did not register, contact the Comptroller General's Department at once and "
        "quote reference $reference.",
    ),
)
