"""User accounts, identifiers and passwords."""

from softtoken.accounts._account import Account, AccountStatus, LoginType
from softtoken.accounts._identifiers import (
    CitizenId,
    DisbursementUnitCode,
    Email,
    PhoneNumber,
    UserId,
    citizen_id_check_digit,
)
from softtoken.accounts._officer import Officer
from softtoken.accounts._passwords import (
    PasswordHasher,
    check_password_rules,
    common_passwords,
    generate_password,
)

__all__ = [
    "Account",
    "AccountStatus",
    "CitizenId",
    "DisbursementUnitCode",
    "Email",
    "LoginType",
    "Officer",
    "PasswordHasher",
    "PhoneNumber",
    "UserId",
    "check_password_rules",
    "citizen_id_check_digit",
    "common_passwords",
    "generate_password",
]
