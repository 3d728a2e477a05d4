"""Error messages: one-time codes and TOTP (softtoken.otp).

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # one-time codes and TOTP (softtoken.otp)
    "otp_malformed": (
        "รหัส OTP ไม่ถูกต้อง ต้องเป็นตัวเลขตามจำนวนหลักที่กำหนด",
        "The one-time code must be the given number of digits.",
    ),
    "totp_issuer_invalid": (
        "ชื่อผู้ออก (issuer) ของ TOTP ไม่ถูกต้อง ต้องเป็นข้อความ 1 ถึง 64 ตัวอักษรที่พิมพ์ได้ และไม่มีเครื่องหมาย :",
        "The TOTP issuer must be 1 to 64 printable characters without a colon.",
    ),
    "otp_not_issued": (
        "ยังไม่มีรหัส OTP ที่ใช้งานได้ กรุณาขอรหัส OTP ใหม่",
        "No one-time code is waiting; ask for a new one.",
    ),
    "otp_wrong": ("รหัส OTP ไม่ถูกต้อง", "The one-time code is not correct."),
    "otp_expired": (
        "รหัส OTP หมดอายุแล้ว กรุณาขอรหัส OTP ใหม่",
        "The one-time code has expired; ask for a new one.",
    ),
    "otp_used": (
        "รหัส OTP นี้ถูกใช้ไปแล้ว กรุณาขอรหัส OTP ใหม่",
        "This one-time code was used already; ask for a new one.",
    ),
    "otp_locked": (
        "ใส่รหัสผิดเกินจำนวนครั้งที่กำหนด กรุณารอแล้วลองใหม่อีกครั้ง",
        "Too many wrong codes; wait, then try again.",
    ),
    "otp_disabled": (
        "การยืนยันด้วยรหัสถูกระงับเนื่องจากใส่ผิดหลายครั้ง กรุณายื่นแบบคำขอใช้บริการ",
        "Code verification is disabled after too many wrong codes; send a service request.",
    ),
    "otp_resend_too_soon": (
        "ขอรหัส OTP ใหม่ได้เมื่อพ้นระยะเวลาที่กำหนด กรุณารอสักครู่",
        "A new code can be requested only after a short wait; try again shortly.",
    ),
    "totp_not_enrolled": (
        "บัญชีนี้ยังไม่ได้ตั้งค่ารหัสสำรองแบบออฟไลน์",
        "This account has no offline fallback codes set up.",
    ),
    "totp_wrong": ("รหัสสำรองไม่ถูกต้อง", "The fallback code is not correct."),
    "totp_replayed": (
        "รหัสสำรองนี้ถูกใช้ไปแล้ว กรุณารอรหัสถัดไป",
        "This fallback code was used already; wait for the next one.",
    ),
}
