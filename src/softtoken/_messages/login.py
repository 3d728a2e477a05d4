"""Error messages: login and password reset.

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # login and password reset (softtoken.lifecycle)
    "reset_data_mismatch": (
        "ข้อมูลไม่ตรงกับที่ลงทะเบียนไว้ กรุณาตรวจสอบรหัสผู้ใช้งาน เลขประจำตัวประชาชน และอีเมล",
        "The details do not match our records; check the user ID, citizen ID and email.",
    ),
    "reset_locked": (
        "กรอกข้อมูลไม่ตรงกันเกินจำนวนครั้งที่กำหนด กรุณารอสักครู่แล้วลองใหม่อีกครั้ง",
        "Too many attempts with details that do not match; try again after a few minutes.",
    ),
    "reset_not_pending": (
        "ไม่มีคำขอรีเซ็ตรหัสผ่านที่รอรหัส OTP อยู่ กรุณากรอกแบบฟอร์มลืมรหัสผ่านอีกครั้ง",
        "No password reset is waiting for a code; fill in the forgot-password form again.",
    ),
    "reset_not_available": (
        "บัญชีนี้ยังลงทะเบียน Soft Token ไม่เสร็จสมบูรณ์ จึงใช้บริการลืมรหัสผ่านไม่ได้",
        "Password self-service needs a completed Soft Token registration.",
    ),
    "initial_credentials_not_applicable": (
        "รหัสผ่านเริ่มต้นสำหรับ Soft Token มีเฉพาะผู้ใช้ GFMIS Token Key",
        "The initial Soft Token password is only for GFMIS Token Key users.",
    ),
    "initial_password_already_set": (
        "บัญชีนี้ตั้งรหัสผ่านแล้ว ไม่สามารถขอรหัสผ่านเริ่มต้นได้อีก",
        "This account has set its own password already; no initial password is issued.",
    ),
}
