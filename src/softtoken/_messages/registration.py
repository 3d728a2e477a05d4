"""Error messages: registration and identity proofing.

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # registration and proofing
    "citizen_id_not_on_file": (
        "เลขประจำตัวประชาชนไม่ตรงกับที่บัญชีนี้มีอยู่ หากผู้ถือบัญชีเปลี่ยน กรุณาส่งแบบคำขอใช้บริการเพื่อเปลี่ยนผู้ถือบัญชี",
        (
            "The citizen ID is not the one this account has on file; if the account's holder "
            "changed, send a service request for a change of holder."
        ),
    ),
    "officer_own_account": (
        "เจ้าหน้าที่ไม่สามารถดำเนินการกับบัญชีของตนเองได้ ต้องให้เจ้าหน้าที่ท่านอื่นดำเนินการ",
        "An officer cannot act on their own account; another officer must.",
    ),
    "document_limit_reached": (
        "จำนวนเอกสารที่แนบไว้ของบัญชีนี้ครบจำนวนสูงสุดแล้ว กรุณาติดต่อเจ้าหน้าที่",
        "This account has stored the most documents allowed; contact an officer.",
    ),
    "proofing_provider_unknown": (
        "ไม่พบผู้ให้บริการพิสูจน์และยืนยันตัวตนที่ระบุ",
        "No identity-proofing provider of that name is configured.",
    ),
    "proofing_not_found": ("ไม่พบรายการพิสูจน์ตัวตน", "No such identity proofing."),
    "proofing_pending": (
        "ยังไม่ได้ยืนยันตัวตนในแอปพลิเคชัน กรุณาสแกน QR Code และยืนยันในแอปก่อน แล้วตรวจสอบสถานะอีกครั้ง",
        (
            "Identity proofing is not confirmed in the app yet; scan the QR code, confirm in "
            "the app, then check the status again."
        ),
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
        (
            'The app shows "awaiting further verification": finish identity verification in '
            "the app or at a bank branch before you register."
        ),
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
        (
            "ชื่อและนามสกุลที่พิสูจน์ตัวตนไม่ตรงกับผู้ถือบัญชีผู้ใช้งานตามหนังสือมอบหมาย "
            "กรุณาเปลี่ยนผู้ถือบัญชีก่อน โดยยื่นแบบคำขอใช้บริการ"
        ),
        (
            "The proven first and last name do not match the account's holder named in the "
            "assignment order; the account's holder must first be changed (service request)."
        ),
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
}
