"""Error messages: renewal, revocation and service requests.

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # renewal, revocation and service requests
    "soft_token_expired": (
        "Soft Token หมดอายุแล้ว กรุณาต่ออายุ Soft Token ก่อนเข้าสู่ระบบ",
        "The soft token has expired; renew it to log in.",
    ),
    "renewal_declined": (
        "ผู้ใช้งานปฏิเสธการต่ออายุ Soft Token บนโทรศัพท์ ไม่มีการออกใบรับรองใหม่",
        "The renewal was declined on the phone; no certificate was issued.",
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
}
