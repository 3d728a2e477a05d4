"""The check boxes of part 3 of the service request form (manual chapter 7): three
groups, each with an "other" box that needs a free text."""

from __future__ import annotations

import enum

from softtoken.errors import Language

__all__ = ["Purpose", "PurposeGroup"]


class PurposeGroup(enum.StrEnum):
    """The three groups of check boxes of part 3."""

    APP_UNUSABLE = "app_unusable"  # the authenticator app cannot be used
    EXISTING_HOLDER = "existing_holder"  # the holder stays, something of theirs changes
    CHANGE_OF_HOLDER = "change_of_holder"  # another person takes the account


class Purpose(enum.StrEnum):
    """One check box of part 3 (each group has an "other" box with free text)."""

    FORGOT_PIN = "forgot_pin"
    APP_DELETED = "app_deleted"
    APP_OTHER = "app_other"
    CHANGE_PHONE = "change_phone"
    LOST_PHONE = "lost_phone"
    CHANGE_EMAIL = "change_email"
    HOLDER_OTHER = "holder_other"
    HOLDER_RESIGNED = "holder_resigned"
    HOLDER_TRANSFERRED = "holder_transferred"
    HOLDER_CHANGE_OTHER = "holder_change_other"

    @property
    def group(self) -> PurposeGroup:
        return _GROUPS[self]

    @property
    def is_other(self) -> bool:
        return self in {Purpose.APP_OTHER, Purpose.HOLDER_OTHER, Purpose.HOLDER_CHANGE_OTHER}

    def label(self, lang: Language = "th") -> str:
        return _LABELS[self][0 if lang == "th" else 1]


_GROUPS = {
    **dict.fromkeys(
        (Purpose.FORGOT_PIN, Purpose.APP_DELETED, Purpose.APP_OTHER), PurposeGroup.APP_UNUSABLE
    ),
    **dict.fromkeys(
        (Purpose.CHANGE_PHONE, Purpose.LOST_PHONE, Purpose.CHANGE_EMAIL, Purpose.HOLDER_OTHER),
        PurposeGroup.EXISTING_HOLDER,
    ),
    **dict.fromkeys(
        (Purpose.HOLDER_RESIGNED, Purpose.HOLDER_TRANSFERRED, Purpose.HOLDER_CHANGE_OTHER),
        PurposeGroup.CHANGE_OF_HOLDER,
    ),
}

_LABELS: dict[Purpose, tuple[str, str]] = {
    Purpose.FORGOT_PIN: ("ลืมรหัส PIN หรือแอปพลิเคชันถูกล็อก", "forgot the PIN or the app is locked"),
    Purpose.APP_DELETED: (
        "แอปพลิเคชันหรือใบรับรองในแอปพลิเคชันถูกลบ",
        "the app or its certificate was deleted",
    ),
    Purpose.APP_OTHER: ("แอปพลิเคชันใช้งานไม่ได้ กรณีอื่น ๆ", "the app cannot be used: other"),
    Purpose.CHANGE_PHONE: ("เปลี่ยนโทรศัพท์มือถือ", "change of phone"),
    Purpose.LOST_PHONE: ("โทรศัพท์มือถือสูญหาย", "phone lost"),
    Purpose.CHANGE_EMAIL: ("เปลี่ยนอีเมลที่ลงทะเบียน", "change of the registered email"),
    Purpose.HOLDER_OTHER: ("ผู้ถือบัญชีเดิม กรณีอื่น ๆ", "existing holder: other"),
    Purpose.HOLDER_RESIGNED: (
        "เปลี่ยนผู้ถือบัญชี เนื่องจากผู้ถือเดิมลาออก",
        "change of holder: the previous holder resigned",
    ),
    Purpose.HOLDER_TRANSFERRED: (
        "เปลี่ยนผู้ถือบัญชี เนื่องจากผู้ถือเดิมโอนย้าย",
        "change of holder: the previous holder was transferred",
    ),
    Purpose.HOLDER_CHANGE_OTHER: ("เปลี่ยนผู้ถือบัญชี กรณีอื่น ๆ", "change of holder: other"),
}
