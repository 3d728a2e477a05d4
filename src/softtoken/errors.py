"""Every error softtoken raises, in one tree.

::

    SoftTokenError                  base; never raised itself
    ├── ValidationError             bad input; ``field`` names the input
    │   └── PasswordRejected        the password rules said no; ``reasons`` lists why
    ├── NotFound                    no such record
    ├── Conflict                    the record exists already, or belongs to someone else
    ├── StateError                  right input, wrong step for this record
    ├── AuthenticationError         a secret did not match, or has expired
    ├── RateLimited                 too many tries or too soon; ``retry_after`` in seconds
    ├── ConcurrencyError            another call changed the record first; retry the call
    ├── DeliveryError               a mail or push could not be handed to its server
    ├── StorageUnavailable          the database could not be reached
    ├── TamperingDetected           a hash chain or signature over stored data is broken
    └── ConfigurationError          the deployment's settings are unusable

Each error carries a stable machine ``code`` (snake case, never renumbered, listed in
``MESSAGES``) and a human message in Thai and in English. Portals show
``error.message(lang)``; logs and APIs use ``error.code``. Verification functions raise
on failure: none of them returns a bare ``False``.
"""

from __future__ import annotations

from typing import ClassVar, Literal

__all__ = [
    "MESSAGES",
    "AuthenticationError",
    "ConcurrencyError",
    "ConfigurationError",
    "Conflict",
    "DeliveryError",
    "Language",
    "NotFound",
    "PasswordRejected",
    "RateLimited",
    "SoftTokenError",
    "StateError",
    "StorageUnavailable",
    "TamperingDetected",
    "ValidationError",
]

Language = Literal["th", "en"]

#: code -> (Thai, English). The codes are part of the public API: add, never rename.
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
    "required": ("กรุณากรอกข้อมูลที่จำเป็น", "This field is required."),
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
    # authentication
    "invalid_credentials": (
        "รหัสผู้ใช้งานหรือรหัสผ่านไม่ถูกต้อง",
        "The user ID or password is not correct.",
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
    # one-time codes and TOTP (softtoken.otp): add codes below this line
    "otp_malformed": (
        "รหัส OTP ไม่ถูกต้อง ต้องเป็นตัวเลขตามจำนวนหลักที่กำหนด",
        "The one-time code must be the given number of digits.",
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
    # login and password reset (softtoken.lifecycle): add codes below this line
    "reset_data_mismatch": (
        "ข้อมูลไม่ตรงกับที่ลงทะเบียนไว้ กรุณาตรวจสอบรหัสผู้ใช้งาน เลขประจำตัวประชาชน และอีเมล",
        "The details do not match our records; check the user ID, citizen ID and email.",
    ),
    "reset_locked": (
        "กรอกข้อมูลไม่ตรงกันเกินจำนวนครั้งที่กำหนด กรุณารอสักครู่แล้วลองใหม่อีกครั้ง",
        "Too many attempts with details that do not match; try again after a few minutes.",
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
    # certificate authority (softtoken.ca): add codes below this line
    "csr_malformed": (
        "คำขอใบรับรอง (CSR) ไม่ถูกต้องหรืออ่านไม่ได้",
        "The certificate signing request (CSR) is malformed or unreadable.",
    ),
    "csr_too_large": ("คำขอใบรับรองมีขนาดใหญ่เกินไป", "The certificate signing request is too large."),
    "csr_bad_signature": (
        "ลายมือชื่อของคำขอใบรับรองไม่ถูกต้อง ไม่สามารถยืนยันการครอบครองกุญแจได้",
        "The CSR signature is not valid: it does not prove possession of the key.",
    ),
    "csr_key_not_allowed": (
        "ชนิดหรือขนาดของกุญแจไม่เป็นไปตามนโยบาย",
        "The key type or size is not allowed by the policy.",
    ),
    "csr_extensions_not_allowed": (
        "คำขอใบรับรองต้องไม่ขอส่วนขยาย (extension) เพิ่มเติม",
        "The CSR must not request extensions; the CA sets them.",
    ),
    "certificate_malformed": ("ใบรับรองไม่ถูกต้องหรืออ่านไม่ได้", "The certificate is malformed."),
    "certificate_not_found": ("ไม่พบใบรับรอง", "No such certificate."),
    "certificate_not_owned": (
        "ใบรับรองนี้เป็นของผู้ใช้งานอื่น",
        "This certificate belongs to another user.",
    ),
    "certificate_key_in_use": (
        "กุญแจนี้ถูกใช้กับใบรับรองของผู้ใช้งานอื่นแล้ว",
        "This key is already certified for another user.",
    ),
    "certificate_same_key": (
        "การต่ออายุต้องใช้กุญแจใหม่",
        "Renewal needs a new key under this policy.",
    ),
    "certificate_already_revoked": (
        "ใบรับรองนี้ถูกเพิกถอนแล้ว",
        "This certificate has been revoked already.",
    ),
    "certificate_not_renewable": (
        "ไม่สามารถต่ออายุใบรับรองที่ถูกเพิกถอนหรือถูกแทนที่แล้ว",
        "A revoked or superseded certificate cannot be renewed.",
    ),
    "certificate_not_on_hold": (
        "ใบรับรองนี้ไม่ได้ถูกระงับชั่วคราว",
        "This certificate is not on hold.",
    ),
    "certificate_expired": (
        "ใบรับรองหมดอายุแล้ว กรุณาต่ออายุ Soft Token",
        "The certificate has expired; renew the soft token.",
    ),
    "certificate_not_yet_valid": (
        "ใบรับรองยังไม่ถึงวันเริ่มใช้งาน",
        "The certificate is not valid yet.",
    ),
    "certificate_revoked": ("ใบรับรองถูกเพิกถอนแล้ว", "The certificate has been revoked."),
    "certificate_superseded": (
        "ใบรับรองนี้ถูกแทนที่ด้วยใบรับรองที่ต่ออายุแล้ว",
        "The certificate was superseded by a renewed one.",
    ),
    "certificate_untrusted": (
        "ใบรับรองไม่ได้ออกโดยผู้ให้บริการออกใบรับรองของระบบ",
        "The certificate was not issued by this portal's certificate authority.",
    ),
    "certificate_unknown": (
        "ไม่พบใบรับรองนี้ในทะเบียนของระบบ",
        "The certificate is not in this portal's register.",
    ),
    "certificate_wrong_user": (
        "ใบรับรองไม่ตรงกับผู้ใช้งาน",
        "The certificate does not belong to this user.",
    ),
    "ca_not_configured": (
        "ยังไม่ได้ตั้งค่าผู้ให้บริการออกใบรับรอง",
        "No certificate authority is configured.",
    ),
    "ca_key_unavailable": (
        "ไม่สามารถใช้กุญแจของผู้ให้บริการออกใบรับรองได้",
        "The certificate authority's key cannot be used.",
    ),
    "ca_key_mismatch": (
        "กุญแจไม่ตรงกับใบรับรองของผู้ให้บริการออกใบรับรอง",
        "The key does not match the certificate authority's certificate.",
    ),
    "ca_invalid_certificate": (
        "ใบรับรองของผู้ให้บริการออกใบรับรองไม่ถูกต้อง",
        "The certificate authority's certificates are not valid.",
    ),
    # registration and proofing: add codes below this line
    "proofing_provider_unknown": (
        "ไม่พบผู้ให้บริการพิสูจน์และยืนยันตัวตนที่ระบุ",
        "No identity-proofing provider of that name is configured.",
    ),
    "proofing_not_found": ("ไม่พบรายการพิสูจน์ตัวตน", "No such identity proofing."),
    "proofing_pending": (
        "ยังไม่ได้ยืนยันตัวตนในแอปพลิเคชัน กรุณาสแกน QR Code และยืนยันในแอปก่อน แล้วตรวจสอบสถานะอีกครั้ง",
        "Identity proofing is not confirmed in the app yet; scan the QR code, confirm in "
        "the app, then check the status again.",
    ),
    "proofing_expired": (
        "QR Code สำหรับพิสูจน์ตัวตนหมดอายุแล้ว กรุณาเริ่มพิสูจน์ตัวตนใหม่",
        "The identity-proofing QR code has expired; start identity proofing again.",
    ),
    "proofing_malformed": (
        "ข้อมูลยืนยันตัวตนจากผู้ให้บริการไม่ถูกต้องหรืออ่านไม่ได้",
        "The provider's identity assertion is malformed.",
    ),
    "proofing_bad_signature": (
        "ลายมือชื่อดิจิทัลของข้อมูลยืนยันตัวตนไม่ถูกต้อง",
        "The identity assertion's signature is not valid.",
    ),
    "proofing_wrong_issuer": (
        "ข้อมูลยืนยันตัวตนไม่ได้ออกโดยผู้ให้บริการที่ระบบเชื่อถือ",
        "The identity assertion was not issued by the trusted provider.",
    ),
    "proofing_wrong_audience": (
        "ข้อมูลยืนยันตัวตนนี้ออกให้ระบบอื่น ไม่ใช่ระบบนี้",
        "The identity assertion was issued for another service, not this portal.",
    ),
    "proofing_nonce_mismatch": (
        "ข้อมูลยืนยันตัวตนไม่ตรงกับ QR Code ที่แสดงอยู่",
        "The identity assertion does not belong to the QR code shown.",
    ),
    "proofing_assertion_expired": (
        "ข้อมูลยืนยันตัวตนหมดอายุแล้ว กรุณาสแกน QR Code ใหม่",
        "The identity assertion has expired; scan the QR code again.",
    ),
    "proofing_replayed": (
        "ข้อมูลยืนยันตัวตนนี้ถูกใช้ไปแล้ว",
        "This identity assertion was used already.",
    ),
    "proofing_citizen_mismatch": (
        "เลขประจำตัวประชาชนที่พิสูจน์ในแอปไม่ตรงกับที่กรอกไว้ในขั้นตอนที่ 1",
        "The citizen ID proven in the app is not the one entered at step 1.",
    ),
    "proofing_wallet_unverified": (
        "สถานะในแอปพลิเคชันคือ รอการยืนยันตัวตนเพิ่มเติม กรุณายืนยันตัวตนในแอปหรือที่สาขาธนาคารให้เรียบร้อยก่อนลงทะเบียน",
        "The app shows \"awaiting further verification\": finish identity verification in "
        "the app or at a bank branch before you register.",
    ),
    "proofing_declined": (
        "เจ้าหน้าที่ไม่รับรองเอกสารพิสูจน์ตัวตน",
        "An officer did not accept the identity documents.",
    ),
    "proofing_documents_missing": (
        "กรุณาแนบสำเนาบัตรประจำตัวประชาชนและหนังสือที่ลงนามโดยหัวหน้าหน่วยงาน",
        "Attach a copy of the ID card and the letter signed by the head of the unit.",
    ),
    "holder_mismatch": (
        "ชื่อและนามสกุลที่พิสูจน์ตัวตนไม่ตรงกับผู้ถือบัญชีผู้ใช้งานตามหนังสือมอบหมาย "
        "กรุณาเปลี่ยนผู้ถือบัญชีก่อน โดยยื่นแบบคำขอใช้บริการ",
        "The proven first and last name do not match the account's holder named in the "
        "assignment order; the account's holder must first be changed (service request).",
    ),
    "registration_not_found": ("ไม่พบรายการลงทะเบียน", "No such registration."),
    "registration_closed": (
        "รายการลงทะเบียนนี้สิ้นสุดแล้ว กรุณาเริ่มลงทะเบียนใหม่ตั้งแต่ขั้นตอนที่ 1",
        "This registration has ended; start again from step 1.",
    ),
    "registration_expired": (
        "รายการลงทะเบียนหมดอายุเนื่องจากไม่ได้ดำเนินการต่อ กรุณาเริ่มลงทะเบียนใหม่",
        "This registration expired because it was left unfinished; start again.",
    ),
    "registration_open_exists": (
        "บัญชีนี้มีรายการลงทะเบียนที่ยังดำเนินการอยู่แล้ว",
        "This account has an unfinished registration already.",
    ),
    "consent_required": (
        "กรุณาอ่านและยอมรับเงื่อนไขการเก็บรวบรวม ใช้ และเปิดเผยข้อมูลส่วนบุคคล",
        "Read and accept the terms for collecting, using and disclosing personal data.",
    ),
    "consent_outdated": (
        "ข้อความขอความยินยอมมีการปรับปรุง กรุณาอ่านและยอมรับฉบับปัจจุบัน",
        "The consent text has changed; read and accept the current version.",
    ),
    "assignment_order_required": (
        "กรุณาแนบหนังสือมอบหมายเป็นไฟล์ PDF",
        "Attach the written assignment order as a PDF.",
    ),
    "document_empty": ("ไฟล์ว่างเปล่า", "The file is empty."),
    "document_too_large": (
        "ไฟล์มีขนาดใหญ่เกินกำหนด (ไม่เกิน 10 MB)",
        "The file is too large (at most 10 MB).",
    ),
    "document_not_pdf": (
        "ไฟล์ไม่ใช่เอกสาร PDF ที่ถูกต้อง",
        "The file is not a valid PDF document.",
    ),
    "email_code_not_sent": (
        "กรุณากดส่ง OTP ไปยังอีเมลที่ระบุก่อน",
        "Send a one-time code to this email first.",
    ),
    "email_not_verified": (
        "กรุณายืนยันอีเมลด้วยรหัส OTP ก่อน",
        "Verify the email with a one-time code first.",
    ),
    "rejection_reason_required": (
        "กรุณาระบุเหตุผลที่ไม่อนุมัติ",
        "Give the reason for the rejection.",
    ),
    # devices, activation and push login: add codes below this line
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
        "ใบรับรอง Soft Token หมดอายุแล้ว กรุณาต่ออายุก่อนเข้าสู่ระบบ",
        "The soft token's certificate has expired; renew it before logging in.",
    ),
    # renewal, revocation and service requests: add codes below this line
    "soft_token_expired": (
        "Soft Token หมดอายุแล้ว กรุณาต่ออายุ Soft Token ก่อนเข้าสู่ระบบ",
        "The soft token has expired; renew it to log in.",
    ),
    "renewal_needs_password": (
        "Soft Token หมดอายุแล้ว กรุณาเข้าสู่ระบบด้วยรหัสผ่านก่อนต่ออายุ",
        "The soft token has expired: enter your password to renew it.",
    ),
    "renewal_grace_over": (
        "Soft Token หมดอายุเกินระยะเวลาที่ต่ออายุได้ กรุณาลงทะเบียนใหม่",
        "The soft token expired too long ago to renew; register again.",
    ),
    "renewal_awaiting_use": (
        "มีใบรับรองที่ต่ออายุแล้วรอใช้งานบนแอปพลิเคชัน",
        "A renewed certificate is waiting to be used by the app.",
    ),
    "renewal_not_found": ("ไม่พบรายการต่ออายุ", "No such renewal."),
    "renewal_expired": (
        "คำขอต่ออายุหมดเวลาแล้ว กรุณาเริ่มใหม่",
        "The renewal request has expired; start again.",
    ),
    "renewal_used": ("คำขอต่ออายุนี้ถูกใช้ไปแล้ว", "This renewal request was used already."),
    "renewal_nonce_mismatch": (
        "การตอบรับไม่ตรงกับคำขอต่ออายุ",
        "The answer does not belong to this renewal request.",
    ),
    "renewal_wrong_account": (
        "ใบรับรองนี้ไม่ใช่ของคำขอต่ออายุนี้",
        "This certificate does not belong to this renewal request.",
    ),
    "revocation_reason_invalid": (
        "กรุณาเลือกเหตุผลการยกเลิกจากรายการ",
        "Choose one of the listed reasons for revoking.",
    ),
    # service requests (manual chapter 7)
    "service_request_form_invalid": (
        "แบบคำขอใช้บริการกรอกไม่ครบถ้วนหรือไม่ถูกต้อง กรุณาตรวจสอบแต่ละช่อง",
        "The service request form has errors; check each field.",
    ),
    "service_request_purpose_required": (
        "กรุณาเลือกเรื่องที่ขอรับบริการในส่วนที่ 3",
        "Tick what the request is for in part 3.",
    ),
    "service_request_purpose_unknown": (
        "เรื่องที่ขอไม่อยู่ในรายการของแบบคำขอใช้บริการ",
        "This is not one of the form's check boxes.",
    ),
    "service_request_one_purpose": (
        "เลือกเรื่องที่ขอได้ 1 รายการต่อแบบคำขอ กรุณายื่นแบบคำขอแยกสำหรับเรื่องอื่น",
        "Tick one purpose per form; send another form for another purpose.",
    ),
    "service_request_other_text_required": (
        "กรุณาระบุรายละเอียดของกรณีอื่น ๆ",
        'Describe the "other" request.',
    ),
    "service_request_other_text_unexpected": (
        "ระบุรายละเอียดได้เฉพาะเมื่อเลือกกรณีอื่น ๆ",
        'A description goes only with an "other" check box.',
    ),
    "service_request_new_email_required": (
        "กรุณาระบุอีเมลใหม่ที่ต้องการลงทะเบียน",
        "Give the new email to register.",
    ),
    "service_request_new_email_unexpected": (
        "ระบุอีเมลใหม่ได้เฉพาะเมื่อขอเปลี่ยนอีเมลที่ลงทะเบียน",
        'A new email goes only with "change the registered email".',
    ),
    "service_request_new_email_same": (
        "อีเมลใหม่ต้องไม่ซ้ำกับอีเมลที่ลงทะเบียนไว้",
        "The new email must differ from the registered one.",
    ),
    "service_request_new_password_choice_required": (
        "กรุณาเลือกว่าต้องการรหัสผ่านใหม่หรือไม่",
        "Say whether the new holder needs a new password (no, or yes to an email).",
    ),
    "service_request_new_password_needs_holder_change": (
        "ขอรหัสผ่านใหม่ได้เฉพาะกรณีเปลี่ยนผู้ถือบัญชี",
        "A new password can be asked for only with a change of holder.",
    ),
    "service_request_new_password_email_required": (
        "กรุณาระบุอีเมลที่จะให้ส่งรหัสผ่านใหม่",
        "Give the email the new password goes to.",
    ),
    "service_request_new_password_email_unexpected": (
        "ระบุอีเมลสำหรับรหัสผ่านใหม่ได้เฉพาะเมื่อเปลี่ยนผู้ถือบัญชีและต้องการรหัสผ่านใหม่",
        'A new-password email goes only with a change of holder and "new password: yes".',
    ),
    "service_request_signed_form_required": (
        "กรุณาแนบแบบคำขอที่ลงนามโดยผู้ขอและหัวหน้าส่วนราชการเป็นไฟล์ PDF",
        "Attach the form signed by the requester and the head of the agency, as a PDF.",
    ),
    "service_request_email_mismatch": (
        "อีเมลในแบบคำขอไม่ตรงกับอีเมลที่ลงทะเบียน Soft Token ไว้",
        "The email on the form is not the one registered for the soft token.",
    ),
    "service_request_not_found": ("ไม่พบคำขอใช้บริการ", "No such service request."),
    "service_request_not_in_review": (
        "กรุณารับคำขอเข้าพิจารณาก่อนอนุมัติหรือไม่อนุมัติ",
        "Take the request into review before deciding it.",
    ),
    "service_request_closed": (
        "คำขอนี้ได้รับการพิจารณาและดำเนินการแล้ว ไม่สามารถดำเนินการซ้ำได้",
        "This request was decided and carried out already; it cannot be done again.",
    ),
    "service_request_dual_control": (
        "เจ้าหน้าที่ผู้บันทึกคำขอไม่สามารถอนุมัติคำขอเดียวกันได้ กรุณาให้เจ้าหน้าที่อีกคนอนุมัติ",
        "The officer who recorded this request cannot approve it; another officer must.",
    ),
    "officer_required": (
        "กรุณาระบุชื่อผู้ใช้งานของเจ้าหน้าที่ผู้ดำเนินการ",
        "Name the officer who acts (letters, digits, '.', '_', '@', '-').",
    ),
    # infrastructure
    "concurrent_update": (
        "ข้อมูลถูกแก้ไขพร้อมกันจากที่อื่น กรุณาลองใหม่",
        "The record was changed by another request at the same time; try again.",
    ),
    "delivery_failed": ("ส่งข้อความไม่สำเร็จ", "The message could not be delivered."),
    "invalid_configuration": ("การตั้งค่าระบบไม่ถูกต้อง", "The configuration is not valid."),
    "invalid_policy": ("ค่านโยบายความปลอดภัยไม่ถูกต้อง", "The security policy is not valid."),
    "audit_chain_broken": (
        "บันทึกการตรวจสอบถูกแก้ไขหรือถูกลบ",
        "The audit log was altered or rows were removed.",
    ),
    "storage_unavailable": (
        "ไม่สามารถเชื่อมต่อฐานข้อมูลได้",
        "The storage could not be reached.",
    ),
}


class SoftTokenError(Exception):
    """The base of every softtoken error; catch it to catch them all. Never raised itself."""

    default_code: ClassVar[str] = "invalid_value"

    def __init__(self, code: str | None = None, *, detail: str | None = None) -> None:
        self.code: str = code or self.default_code
        if self.code not in MESSAGES:
            msg = f"unknown error code {self.code!r}: add it to softtoken.errors.MESSAGES"
            raise KeyError(msg)
        #: Extra words for developers and logs (English). Never a secret.
        self.detail = detail
        super().__init__(self.code)

    @property
    def message_th(self) -> str:
        return MESSAGES[self.code][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.code][1]

    def message(self, lang: Language = "th") -> str:
        """The human message in ``lang`` (Thai by default, as the manual's screens)."""
        return self.message_th if lang == "th" else self.message_en

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message_en}"
        return f"{text} ({self.detail})" if self.detail else text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form for a portal's API responses."""
        return {"code": self.code, "message_th": self.message_th, "message_en": self.message_en}


class ValidationError(SoftTokenError):
    """An input was malformed. ``field`` names the input as the public API calls it."""

    default_code = "invalid_value"

    def __init__(self, code: str | None = None, *, field: str, detail: str | None = None) -> None:
        super().__init__(code, detail=detail)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {super().__str__()}"

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "field": self.field}


class PasswordRejected(ValidationError):
    """A new password broke one or more rules. ``reasons`` are error codes, one per rule."""

    default_code = "password_rejected"

    def __init__(self, reasons: tuple[str, ...], *, field: str = "new_password") -> None:
        super().__init__(reasons[0] if len(reasons) == 1 else "password_rejected", field=field)
        for reason in reasons:
            if reason not in MESSAGES:
                msg = f"unknown password rule code {reason!r}"
                raise KeyError(msg)
        self.reasons = reasons

    def messages(self, lang: Language = "th") -> list[str]:
        """One message per broken rule, for the form to list under the field."""
        return [MESSAGES[r][0 if lang == "th" else 1] for r in self.reasons]

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "reasons": list(self.reasons)}


class NotFound(SoftTokenError):
    default_code = "record_not_found"


class Conflict(SoftTokenError):
    default_code = "record_exists"


class StateError(SoftTokenError):
    default_code = "wrong_step"


class AuthenticationError(SoftTokenError):
    default_code = "invalid_credentials"


class RateLimited(SoftTokenError):
    """Too many tries or too soon. ``retry_after`` is whole seconds, or None when only an
    officer can lift the limit."""

    default_code = "too_many_attempts"

    def __init__(
        self, code: str | None = None, *, retry_after: int | None, detail: str | None = None
    ) -> None:
        super().__init__(code, detail=detail)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after": self.retry_after}


class ConcurrencyError(SoftTokenError):
    """Another call changed the same record first. Nothing was written; retry the call."""

    default_code = "concurrent_update"


class DeliveryError(SoftTokenError):
    default_code = "delivery_failed"


class StorageUnavailable(SoftTokenError):
    default_code = "storage_unavailable"


class TamperingDetected(SoftTokenError):
    default_code = "audit_chain_broken"


class ConfigurationError(SoftTokenError):
    default_code = "invalid_configuration"
