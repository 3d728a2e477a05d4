"""Error messages: devices, activation and push login.

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # devices, activation and push login
    "device_message_malformed": (
        "ข้อความจากแอปพลิเคชันไม่ถูกต้อง",
        "The message from the authenticator app is malformed.",
    ),
    "device_signature_invalid": (
        "ลายมือชื่อดิจิทัลของอุปกรณ์ไม่ถูกต้อง",
        "The device's signature does not verify.",
    ),
    "device_key_not_allowed": (
        "ชนิดกุญแจของอุปกรณ์ไม่ได้รับอนุญาต",
        "This kind of device key is not allowed.",
    ),
    "pin_invalid": ("PIN ต้องเป็นตัวเลข 6 หลัก", "The PIN must be 6 digits."),
    "pin_trivial": (
        "PIN นี้คาดเดาง่ายเกินไป เช่น 123456 หรือ 000000 กรุณาเลือก PIN อื่น",
        "This PIN is too easy to guess (like 123456 or 000000); choose another.",
    ),
    "pin_confirmation_mismatch": (
        "PIN และการยืนยัน PIN ไม่ตรงกัน",
        "The PIN and its confirmation do not match.",
    ),
    "pin_wrong": ("PIN ไม่ถูกต้อง", "The PIN is not correct."),
    "pin_required": ("กรุณาใส่ PIN", "Enter your PIN for this step."),
    "device_locked": (
        "แอปพลิเคชันถูกล็อกเนื่องจากใส่ PIN ผิดเกินกำหนด กรุณายื่นแบบคำขอใช้บริการ",
        "The app is locked after too many wrong PINs; send a service request to an officer.",
    ),
    "biometrics_not_enabled": (
        "ยังไม่ได้เปิดใช้งานการยืนยันด้วยชีวมิติ",
        "Biometric unlock is not enabled on this device.",
    ),
    "device_not_activated": (
        "Soft Token บนอุปกรณ์นี้ยังไม่ได้เปิดใช้งาน",
        "The soft token on this device is not activated.",
    ),
    "registration_not_approved": (
        "ยังไม่สามารถเปิดใช้งาน Soft Token ได้ เนื่องจากการลงทะเบียนยังไม่ได้รับการอนุมัติ",
        "The soft token cannot be activated before the registration is approved.",
    ),
    "activation_not_found": ("ไม่พบรายการเปิดใช้งาน", "No such activation."),
    "activation_secret_invalid": (
        "คิวอาร์โค้ดเปิดใช้งานไม่ถูกต้อง",
        "The activation QR code is not valid.",
    ),
    "activation_expired": (
        "คิวอาร์โค้ดเปิดใช้งานหมดอายุแล้ว กรุณากดเปิดใช้งานใหม่",
        "The activation QR code has expired; start the activation again.",
    ),
    "activation_used": (
        "คิวอาร์โค้ดเปิดใช้งานนี้ถูกใช้ไปแล้ว",
        "This activation QR code was used already.",
    ),
    "approval_time_invalid": (
        "เวลาในการอนุมัติไม่ถูกต้อง กรุณาตรวจสอบวันและเวลาของโทรศัพท์ แล้วลองใหม่อีกครั้ง",
        "The approval's time is too far from the server's; check the phone's date and time.",
    ),
    "enrollment_key_mismatch": (
        "กุญแจในคำขอใบรับรองไม่ตรงกับกุญแจที่ลงนาม",
        "The key in the certificate request is not the key that signed the enrollment.",
    ),
    "attestation_format_unsupported": (
        "ไม่รองรับรูปแบบการรับรองอุปกรณ์นี้",
        "This device attestation format is not supported.",
    ),
    "attestation_invalid": ("การรับรองอุปกรณ์ไม่ถูกต้อง", "The device attestation is not valid."),
    "attestation_not_hardware": (
        "อุปกรณ์ต้องเก็บกุญแจไว้ในฮาร์ดแวร์ที่ปลอดภัย",
        "The device must keep its key in secure hardware.",
    ),
    "attestation_certificate_expired": (
        "ใบรับรองในการรับรองอุปกรณ์หมดอายุหรือยังไม่เริ่มใช้",
        "A certificate of the device attestation is expired or not yet valid.",
    ),
    "attestation_signature_invalid": (
        "ลายมือชื่อในสายใบรับรองของการรับรองอุปกรณ์ไม่ถูกต้อง",
        "A signature in the device attestation's certificate chain does not verify.",
    ),
    "attestation_untrusted_root": (
        "การรับรองอุปกรณ์ไม่ได้ออกโดยผู้ผลิตที่เชื่อถือได้",
        "The device attestation does not chain to a trusted root.",
    ),
    "attestation_revoked": (
        "กุญแจรับรองของอุปกรณ์นี้ถูกเพิกถอนแล้ว",
        "The device's attestation key has been revoked.",
    ),
    "attestation_challenge_mismatch": (
        "การรับรองอุปกรณ์ไม่ได้ทำขึ้นสำหรับการเปิดใช้งานครั้งนี้",
        "The device attestation was not made for this activation.",
    ),
    "attestation_key_mismatch": (
        "การรับรองอุปกรณ์รับรองกุญแจอื่น ไม่ใช่กุญแจที่ขอใบรับรอง",
        "The device attestation vouches for another key than the enrolled one.",
    ),
    "attestation_app_mismatch": (
        "การรับรองอุปกรณ์มาจากแอปพลิเคชันอื่น",
        "The device attestation comes from another app.",
    ),
    "attestation_roots_invalid": (
        "ไฟล์ใบรับรองหลักสำหรับการรับรองอุปกรณ์ไม่ถูกต้อง",
        "The attestation root certificates could not be read.",
    ),
    "attestation_status_list_invalid": (
        "ไฟล์รายการสถานะการเพิกถอนของการรับรองอุปกรณ์ไม่ถูกต้อง",
        "The attestation status (revocation) list could not be read.",
    ),
    "soft_token_not_active": (
        "บัญชีนี้ยังไม่มี Soft Token ที่ใช้งานได้",
        "This account has no active soft token.",
    ),
    "soft_token_already_bound": (
        "บัญชีนี้มี Soft Token ที่ใช้งานอยู่แล้ว",
        "This account already has an active soft token.",
    ),
    "too_many_pushes": (
        "มีคำขอเข้าสู่ระบบที่ยังไม่ได้ตอบหลายครั้งเกินไป กรุณารอสักครู่",
        "Too many unanswered login requests; wait a moment before trying again.",
    ),
    "challenge_not_found": ("ไม่พบคำขอเข้าสู่ระบบ", "No such login request."),
    "challenge_pending": (
        "กำลังรอการยืนยันจากแอปพลิเคชัน",
        "Waiting for the approval in the authenticator app.",
    ),
    "challenge_expired": (
        "คำขอเข้าสู่ระบบหมดอายุแล้ว กรุณาเข้าสู่ระบบใหม่",
        "The login request has expired; log in again.",
    ),
    "challenge_used": (
        "คำขอเข้าสู่ระบบนี้ถูกใช้ไปแล้ว",
        "This login request was used already.",
    ),
    "challenge_nonce_mismatch": (
        "การตอบกลับไม่ตรงกับคำขอเข้าสู่ระบบ",
        "The answer does not belong to this login request.",
    ),
    "challenge_wrong_account": (
        "อุปกรณ์นี้ไม่ได้ผูกกับบัญชีของคำขอเข้าสู่ระบบ",
        "This device is not bound to the account of this login request.",
    ),
    "challenge_answer_wrong": (
        "รูปภาพหรือรหัสที่เลือกไม่ตรงกับที่แสดงบนหน้าจอคอมพิวเตอร์",
        "The picture or code chosen does not match the one on the computer screen.",
    ),
    "challenge_declined": (
        "การเข้าสู่ระบบถูกปฏิเสธในแอปพลิเคชัน",
        "The login was declined in the authenticator app.",
    ),
    "offline_login_not_allowed": (
        "ระบบไม่อนุญาตให้เข้าสู่ระบบด้วยรหัสแบบออฟไลน์",
        "This portal does not allow logins with offline codes.",
    ),
    "renewal_required": (
        ("ใบรับรอง Soft Token หมดอายุแล้ว กรุณากด Update Profile ในแอปพลิเคชันเพื่อต่ออายุ แล้วเข้าสู่ระบบอีกครั้ง"),
        (
            "The soft token's certificate has expired: accept Update Profile in the app to "
            "renew it, then sign in again."
        ),
    ),
}
