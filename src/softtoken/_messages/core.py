"""Error messages: bad input, passwords, records, state, authentication, rate limits,
infrastructure.

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # Bad input: identifiers and form fields.
    "invalid_user_id": (
        "รหัสผู้ใช้งานไม่ถูกต้อง ต้องเป็นตัวอักษร 1 ตัวตามด้วยตัวเลข 14 หลัก",
        "The user ID is not valid: it must be one letter followed by 14 digits.",
    ),
    "invalid_citizen_id": (
        "เลขประจำตัวประชาชนไม่ถูกต้อง ต้องเป็นตัวเลข 13 หลักและหลักตรวจสอบถูกต้อง",
        "The citizen ID is not valid: it must be 13 digits with a correct check digit.",
    ),
    "invalid_email": ("อีเมลไม่ถูกต้อง", "The email address is not valid."),
    "invalid_phone": (
        "หมายเลขโทรศัพท์มือถือต้องเป็นตัวเลข 10 หลัก",
        "The mobile phone number must be 10 digits.",
    ),
    "invalid_disbursement_unit": (
        "รหัสหน่วยเบิกจ่ายต้องเป็นตัวเลข 10 หลัก",
        "The disbursement unit code must be 10 digits.",
    ),
    "invalid_name": (
        "ชื่อหรือนามสกุลไม่ถูกต้อง",
        "The first or last name is not valid.",
    ),
    "invalid_value": ("ข้อมูลไม่ถูกต้อง", "The value is not valid."),
    "invalid_batch_size": (
        "จำนวนรายการต่อรอบต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป",
        "The batch size must be a whole number of at least 1.",
    ),
    "invalid_time": (
        "เวลาไม่ถูกต้อง ต้องเป็นวันเวลาที่ระบุเขตเวลา",
        "The time is not valid: it must be a date and time with a time zone.",
    ),
    "required": ("กรุณากรอกข้อมูลที่จำเป็น", "This field is required."),
    "unknown_template": (
        "ไม่พบแม่แบบอีเมลที่ระบุ",
        "There is no email template with this name.",
    ),
    "invalid_template_params": (
        "ข้อมูลสำหรับแม่แบบอีเมลไม่ครบหรือไม่ถูกต้อง",
        "The email template's parameters are missing or not valid.",
    ),
    # passwords
    "password_rejected": (
        "รหัสผ่านไม่เป็นไปตามเงื่อนไข",
        "The password does not meet the password rules.",
    ),
    "password_too_short": (
        "รหัสผ่านสั้นเกินไป",
        "The password is too short.",
    ),
    "password_too_long": ("รหัสผ่านยาวเกินไป", "The password is too long."),
    "password_invalid_characters": (
        "รหัสผ่านมีอักขระที่ใช้ไม่ได้ เช่น อักขระควบคุมหรืออักขระที่ไม่สมบูรณ์",
        "The password contains characters that cannot be used, such as control characters.",
    ),
    "password_common": (
        "รหัสผ่านนี้เป็นรหัสผ่านที่ใช้กันทั่วไป กรุณาเลือกรหัสผ่านอื่น",
        "This password is too common; choose another one.",
    ),
    "password_context": (
        "รหัสผ่านต้องไม่มีรหัสผู้ใช้งาน เลขประจำตัวประชาชน ชื่อ หรือชื่อระบบ",
        "The password must not contain your user ID, citizen ID, names or the portal's name.",
    ),
    "password_composition": (
        "รหัสผ่านต้องมีตัวอักษรหลายประเภทตามที่ระบบกำหนด",
        "The password must mix the kinds of characters this portal requires.",
    ),
    "password_confirmation_mismatch": (
        "รหัสผ่านใหม่และการยืนยันรหัสผ่านไม่ตรงกัน",
        "The new password and its confirmation do not match.",
    ),
    "password_unchanged": (
        "รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านเดิม",
        "The new password must differ from the current one.",
    ),
    # records
    "account_not_found": ("ไม่พบบัญชีผู้ใช้งาน", "No such user account."),
    "record_not_found": ("ไม่พบข้อมูล", "No such record."),
    "account_exists": ("มีบัญชีผู้ใช้งานนี้อยู่แล้ว", "This user account exists already."),
    "email_taken": (
        "อีเมลนี้ถูกใช้ลงทะเบียนกับเลขประจำตัวประชาชนอื่นแล้ว",
        "This email is registered to another citizen ID and cannot be shared.",
    ),
    "record_exists": ("มีข้อมูลนี้อยู่แล้ว", "This record exists already."),
    # state
    "password_not_set": (
        "บัญชีนี้ยังไม่ได้ตั้งรหัสผ่าน",
        "This account has no password yet.",
    ),
    "password_change_required": (
        "กรุณาเปลี่ยนรหัสผ่าน",
        "Please change your password before you continue.",
    ),
    "account_disabled": ("บัญชีผู้ใช้งานถูกระงับ", "This user account is disabled."),
    "wrong_step": (
        "ขั้นตอนไม่ถูกต้องสำหรับสถานะปัจจุบัน",
        "This step is not allowed in the current state.",
    ),
    "read_only_unit_of_work": (
        "ไม่สามารถบันทึกข้อมูลในธุรกรรมแบบอ่านอย่างเดียว",
        "A write was attempted in a read-only unit of work.",
    ),
    # authentication
    "invalid_credentials": (
        "รหัสผู้ใช้งานหรือรหัสผ่านไม่ถูกต้อง",
        "The user ID or password is not correct.",
    ),
    #: The password step's one refusal (issue 12, M4): said alike for a wrong password,
    #: an unknown user ID, an account without a password and a disabled account, so the
    #: answer never tells which accounts exist. The audit log keeps the precise reason.
    "login_failed": (
        "รหัสผู้ใช้งานหรือรหัสผ่านไม่ถูกต้อง หรือบัญชีนี้ไม่สามารถเข้าสู่ระบบได้ หากยังเข้าสู่ระบบไม่ได้ กรุณาติดต่อกรมบัญชีกลาง",
        (
            "The user ID or password is not correct, or this account cannot log in. "
            "If it keeps happening, contact the Comptroller General's Department."
        ),
    ),
    "wrong_password": ("รหัสผ่านเดิมไม่ถูกต้อง", "The current password is not correct."),
    "password_expired": (
        "รหัสผ่านชั่วคราวหมดอายุแล้ว กรุณาขอรหัสผ่านใหม่",
        "This temporary password has expired; ask for a new one.",
    ),
    # rate limits
    "login_locked": (
        "ใส่รหัสผ่านผิดเกินจำนวนครั้งที่กำหนด กรุณาลองใหม่ภายหลัง",
        "Too many wrong passwords; try again later.",
    ),
    "too_many_attempts": (
        "ลองผิดเกินจำนวนครั้งที่กำหนด กรุณาลองใหม่ภายหลัง",
        "Too many wrong attempts; try again later.",
    ),
    # infrastructure
    "concurrent_update": (
        "ข้อมูลถูกแก้ไขพร้อมกันจากที่อื่น กรุณาลองใหม่",
        "The record was changed by another request at the same time; try again.",
    ),
    "busy_try_again": (
        "ระบบมีผู้ใช้งานพร้อมกันจำนวนมาก กรุณาลองใหม่อีกครั้งในอีกสักครู่",
        "The system is busy with other requests for the same record; try again in a moment.",
    ),
    "delivery_failed": ("ส่งข้อความไม่สำเร็จ", "The message could not be delivered."),
    "invalid_configuration": ("การตั้งค่าระบบไม่ถูกต้อง", "The configuration is not valid."),
    "invalid_policy": ("ค่านโยบายความปลอดภัยไม่ถูกต้อง", "The security policy is not valid."),
    "audit_chain_broken": (
        "บันทึกการตรวจสอบถูกแก้ไขหรือถูกลบ",
        "The audit log was altered or rows were removed.",
    ),
    "audit_checkpoint_invalid": (
        "จุดตรวจสอบของบันทึกการตรวจสอบไม่ถูกต้อง อาจถูกแก้ไขหรือมาจากระบบอื่น",
        "The audit checkpoint is not authentic: it was altered or made by another system.",
    ),
    "invalid_audit_checkpoint": (
        "ข้อมูลจุดตรวจสอบของบันทึกการตรวจสอบมีรูปแบบไม่ถูกต้อง",
        "The audit checkpoint is not in a format this version can read.",
    ),
    "storage_unavailable": (
        "ไม่สามารถเชื่อมต่อฐานข้อมูลได้",
        "The storage could not be reached.",
    ),
}
