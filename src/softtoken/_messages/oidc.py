"""Error messages: identity proofing with an OpenID Connect provider (ThaID and others).

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "proofing_access_denied": (
        (
            "ท่านไม่ได้อนุญาตให้เปิดเผยข้อมูลแก่ระบบ หรือยกเลิกการยืนยันตัวตนที่ผู้ให้บริการ"
            " กรุณาเริ่มพิสูจน์ตัวตนใหม่และกดยินยอม"
        ),
        (
            "You declined to share your data, or cancelled identity proofing at the provider;"
            " start identity proofing again and give your consent."
        ),
    ),
    "proofing_provider_error": (
        "ผู้ให้บริการพิสูจน์และยืนยันตัวตนปฏิเสธคำขอ กรุณาเริ่มพิสูจน์ตัวตนใหม่",
        "The identity-proofing provider refused the request; start identity proofing again.",
    ),
    "proofing_provider_unavailable": (
        "ไม่สามารถติดต่อผู้ให้บริการพิสูจน์และยืนยันตัวตนได้ในขณะนี้ กรุณาลองใหม่ภายหลัง",
        "The identity-proofing provider cannot be reached right now; try again later.",
    ),
    "proofing_code_rejected": (
        "รหัสตอบกลับจากผู้ให้บริการหมดอายุหรือถูกใช้ไปแล้ว กรุณาเริ่มพิสูจน์ตัวตนใหม่",
        (
            "The provider's authorization code has expired or was used already;"
            " start identity proofing again."
        ),
    ),
    "proofing_assurance_unknown": (
        "ระดับความน่าเชื่อถือของการพิสูจน์ตัวตนจากผู้ให้บริการไม่อยู่ในระดับที่ระบบยอมรับ",
        "The provider reported an identity assurance level (acr) this portal does not accept.",
    ),
    "proofing_userinfo_mismatch": (
        "ข้อมูลผู้ใช้จากผู้ให้บริการไม่ตรงกับผู้ที่ยืนยันตัวตน",
        "The provider's user info is about another person than the ID token.",
    ),
}
