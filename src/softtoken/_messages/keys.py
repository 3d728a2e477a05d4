"""Error messages: the keyring, key rotation, and personal data sealed at rest.

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "sealed_value_broken": (
        "ข้อมูลส่วนบุคคลที่เข้ารหัสไว้ถูกแก้ไข หรือถูกคัดลอกมาจากรายการอื่น",
        "A sealed personal value was altered, or copied from another record.",
    ),
    "key_unknown": (
        "ไม่พบกุญแจที่ใช้เข้ารหัสข้อมูลนี้ในชุดกุญแจของระบบ",
        "The key this value was written with is not in the deployment's keyring.",
    ),
    "invalid_key_id": (
        "รหัสกุญแจไม่ถูกต้อง ต้องเป็นตัวอักษรเล็ก ตัวเลข หรือขีด ไม่เกิน 16 ตัว",
        "The key ID is not valid: 1 to 16 lower-case letters, digits or dashes.",
    ),
    "invalid_keyring": (
        "แฟ้มชุดกุญแจอ่านไม่ได้หรือมีรูปแบบไม่ถูกต้อง",
        "The keyring file cannot be read or is not in the keyring format.",
    ),
    "key_is_current": (
        "ไม่สามารถยกเลิกกุญแจที่กำลังใช้งานเป็นกุญแจหลักได้",
        "The current key cannot be retired; rotate to a new key first.",
    ),
    "key_in_use": (
        "ยังมีข้อมูลที่ใช้กุญแจนี้อยู่ กรุณาเข้ารหัสใหม่ก่อนยกเลิกกุญแจ",
        "Stored values still use this key; reseal them before retiring it.",
    ),
    "sealing_key_missing": (
        "การปรับรุ่นฐานข้อมูลต้องใช้กุญแจของระบบเพื่อเข้ารหัสข้อมูลส่วนบุคคล",
        "The upgrade must seal personal data and needs the deployment's key.",
    ),
    "migration_irreversible": (
        "ย้อนรุ่นฐานข้อมูลผ่านรุ่นนี้ไม่ได้ เพราะจะทำให้ข้อมูลส่วนบุคคลกลับไปเก็บแบบไม่เข้ารหัส ให้กู้คืนจากข้อมูลสำรองแทน",
        "Going back past this revision would store personal data in clear: restore a backup.",
    ),
}
