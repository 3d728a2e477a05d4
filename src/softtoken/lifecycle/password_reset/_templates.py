"""The two emails of the forgot-password flow (manual chapter 4): the code, and the new
password. Both say how to dispute a reset the person did not ask for. Importing this
module registers them."""

from __future__ import annotations

from softtoken.mail._templates import EmailTemplate, register_template

__all__: list[str] = []

_DISPUTE_TH = (
    "หากท่านไม่ได้เป็นผู้ขอเปลี่ยนรหัสผ่าน กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด "
    "ผ่านแบบคำขอใช้บริการ และแจ้งรหัสอ้างอิง $reference"
)
_DISPUTE_EN = (
    "If you did not ask for this, contact the Comptroller General's Department at once "
    "with a service request form and quote reference $reference."
)

register_template(
    "password_reset_code",
    EmailTemplate(
        subject_th="$portal: รีเซ็ตรหัสผ่าน (รหัส OTP)",
        subject_en="$portal: reset password (one-time code)",
        body_th="เรียน $name\n\nมีการขอรีเซ็ตรหัสผ่านของบัญชี $user_id\n"
        "รหัส OTP ของท่านคือ $code ใช้ได้ครั้งเดียว ภายใน $minutes นาที "
        "อย่าแจ้งรหัสนี้แก่ผู้อื่น\n\n" + _DISPUTE_TH,
        body_en="Dear $name,\n\nSomeone asked to reset the password of account $user_id.\n"
        "Your one-time code is $code. It works once, within $minutes minutes. "
        "Never share it.\n\n" + _DISPUTE_EN,
    ),
)

register_template(
    "password_reset_done",
    EmailTemplate(
        subject_th="$portal: รีเซ็ตรหัสผ่าน",
        subject_en="$portal: reset password",
        body_th="เรียน $name\n\nรหัสผ่านของบัญชี $user_id ถูกรีเซ็ตเมื่อ $when (UTC)\n"
        "รหัสผ่านใหม่ของท่านคือ: $password\n\n"
        "กรุณาเข้าสู่ระบบภายใน $hours ชั่วโมง ระบบจะให้ท่านเปลี่ยนรหัสผ่านทันที "
        "รหัสผ่านเดิมใช้ไม่ได้แล้ว\n\n" + _DISPUTE_TH,
        body_en="Dear $name,\n\nThe password of account $user_id was reset at $when (UTC).\n"
        "Your new password is: $password\n\n"
        "Log in within $hours hours; you will be asked to change it at once. "
        "The old password no longer works.\n\n" + _DISPUTE_EN,
    ),
)
