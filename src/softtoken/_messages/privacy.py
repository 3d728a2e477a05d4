"""Error messages: account closure and erasure (issue 17; keys are in ``keys.py``).

code -> (Thai, English). Codes are public API: add, never rename.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "account_closed": (
        "บัญชีผู้ใช้งานนี้ถูกปิดแล้ว",
        "This user account is closed.",
    ),
    "account_not_closed": (
        "บัญชีผู้ใช้งานยังไม่ถูกปิด จึงลบข้อมูลส่วนบุคคลไม่ได้",
        "The account is not closed, so its personal data cannot be erased.",
    ),
    "retention_not_over": (
        "ยังไม่พ้นระยะเวลาการเก็บรักษาข้อมูลของบัญชีที่ปิดแล้ว",
        "The closed account's retention period is not over yet.",
    ),
    "closure_reason_invalid": (
        "เหตุผลการปิดบัญชีไม่ถูกต้อง",
        "The reason for closing the account is not valid.",
    ),
}
