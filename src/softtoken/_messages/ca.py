"""Error messages: the certificate authority (softtoken.ca).

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # certificate authority (softtoken.ca)
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
    "certificate_key_compromised": (
        "กุญแจนี้เคยถูกเพิกถอนเนื่องจากโทรศัพท์สูญหาย กรุณาติดตั้งแอปพลิเคชันใหม่เพื่อสร้างกุญแจใหม่",
        "This key was revoked as compromised (lost phone); reinstall the app to make a new key.",
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
    "certificate_hold_final": (
        "ไม่สามารถยกเลิกการระงับใบรับรองนี้ได้ เนื่องจากใบรับรองถูกแทนที่แล้ว",
        "The hold cannot be lifted: the certificate was superseded by a renewal.",
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
}
