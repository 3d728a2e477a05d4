"""The emails of service requests (manual chapter 7): the acknowledgement, the result,
a new holder's password, a rejection, and the notices to a previous address (a changed
email, a changed holder). Thai and English, as every message of the portal."""

from __future__ import annotations

from softtoken.mail._templates import EmailTemplate, register_template

__all__ = ["TEMPLATES"]

register_template(
    "service_request_received",
    EmailTemplate(
        subject_th="$portal: ได้รับแบบคำขอใช้บริการ Soft Token แล้ว ($reference)",
        subject_en="$portal: your Soft Token service request was received ($reference)",
        body_th="เรียน $name\n\nกรมบัญชีกลางได้รับแบบคำขอใช้บริการของบัญชี $user_id เรื่อง "
        "$purpose_th แล้ว เจ้าหน้าที่จะแจ้งผลภายใน $due (UTC)\n\nรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nThe Comptroller General's Department received the service "
        "request of account $user_id ($purpose_en). An officer will answer by $due (UTC).\n\n"
        "Reference $reference",
    ),
)

register_template(
    "service_request_done",
    EmailTemplate(
        subject_th="$portal: ผลการดำเนินการตามแบบคำขอใช้บริการ ($reference)",
        subject_en="$portal: your service request was carried out ($reference)",
        body_th="เรียน $name\n\nคำขอใช้บริการของบัญชี $user_id เรื่อง $purpose_th "
        "ได้รับการอนุมัติและดำเนินการแล้วเมื่อ $when (UTC)\n$result_th\n\nรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nThe service request of account $user_id ($purpose_en) was "
        "approved and carried out at $when (UTC).\n$result_en\n\nReference $reference",
    ),
)

register_template(
    "service_request_new_holder_password",
    EmailTemplate(
        subject_th="$portal: ผลการเปลี่ยนผู้ถือบัญชีและรหัสผ่านใหม่ ($reference)",
        subject_en="$portal: change of holder carried out, your new password ($reference)",
        body_th="เรียน $name\n\nคำขอใช้บริการของบัญชี $user_id เรื่อง $purpose_th "
        "ได้รับการอนุมัติและดำเนินการแล้วเมื่อ $when (UTC)\n$result_th\n\n"
        "รหัสผ่านใหม่: $password\nต้องเปลี่ยนรหัสผ่านเมื่อเข้าสู่ระบบครั้งแรก และใช้ได้ถึง $expires (UTC)\n\n"
        "หากท่านไม่ได้เป็นผู้ขอ กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด และแจ้งรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nThe service request of account $user_id ($purpose_en) was "
        "approved and carried out at $when (UTC).\n$result_en\n\nNew password: $password\n"
        "You must change it when you first log in; it works until $expires (UTC).\n\n"
        "If you did not ask for this, contact the Comptroller General's Department at once "
        "and quote reference $reference.",
    ),
)

register_template(
    "service_request_rejected",
    EmailTemplate(
        subject_th="$portal: แบบคำขอใช้บริการไม่ได้รับการอนุมัติ ($reference)",
        subject_en="$portal: your service request was not approved ($reference)",
        body_th="เรียน $name\n\nคำขอใช้บริการของบัญชี $user_id เรื่อง $purpose_th "
        "ไม่ได้รับการอนุมัติ เนื่องจาก: $reason\n\nรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nThe service request of account $user_id ($purpose_en) was "
        "not approved, for this reason: $reason\n\nReference $reference",
    ),
)

register_template(
    "service_request_holder_changed",
    EmailTemplate(
        subject_th="$portal: ผู้ถือบัญชีของท่านถูกเปลี่ยนแล้ว ($reference)",
        subject_en="$portal: the holder of your account was changed ($reference)",
        body_th="เรียน $name\n\nบัญชี $user_id เปลี่ยนผู้ถือบัญชีเป็น $new_holder ตามแบบคำขอใช้บริการแล้ว "
        "ท่านจะไม่สามารถใช้บัญชีนี้ได้อีก\n\nหากท่านไม่ได้ทราบเรื่องนี้ กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด "
        "และแจ้งรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nAccount $user_id now has a new holder, $new_holder, as a "
        "service request asked; you can no longer use it.\n\nIf you did not know of this, "
        "contact the Comptroller General's Department at once and quote reference $reference.",
    ),
)

register_template(
    "service_request_email_changed",
    EmailTemplate(
        subject_th="$portal: อีเมลที่ลงทะเบียนของท่านถูกเปลี่ยนแล้ว",
        subject_en="$portal: your registered email was changed",
        body_th="เรียน $name\n\nอีเมลที่ลงทะเบียนของบัญชี $user_id เปลี่ยนเป็น $masked "
        "ตามแบบคำขอใช้บริการ\n\nหากท่านไม่ได้เป็นผู้ขอ กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด "
        "และแจ้งรหัสอ้างอิง $reference",
        body_en="Dear $name,\n\nThe registered email of account $user_id is now $masked, "
        "as a service request asked.\n\nIf you did not ask for this, contact the Comptroller "
        "General's Department at once and quote reference $reference.",
    ),
)

#: The templates this module registers (imported by ``_effects``, which sends them).
TEMPLATES = (
    "service_request_received",
    "service_request_done",
    "service_request_new_holder_password",
    "service_request_rejected",
    "service_request_holder_changed",
    "service_request_email_changed",
)
