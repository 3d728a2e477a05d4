"""One-time codes: email codes bound to a purpose and a subject (stored only as an
HMAC, single use, resend cooldown, attempt lockout and a hard limit), attempt counters
for guessable forms, and TOTP (RFC 6238) offline fallback codes."""

from softtoken.otp._codes import CodeRecord, Purpose, code_mac, new_code, normalize_code
from softtoken.otp._service import CodeStatus, IssuedCode, OtpService, VerifiedCode
from softtoken.otp._throttle import AttemptCounter
from softtoken.otp._totp import (
    TotpEnrollment,
    TotpService,
    generate_totp_secret,
    hotp_code,
    totp_code,
    totp_key_uri,
    verify_totp,
)

__all__ = [
    "AttemptCounter",
    "CodeRecord",
    "CodeStatus",
    "IssuedCode",
    "OtpService",
    "Purpose",
    "TotpEnrollment",
    "TotpService",
    "VerifiedCode",
    "code_mac",
    "generate_totp_secret",
    "hotp_code",
    "new_code",
    "normalize_code",
    "totp_code",
    "totp_key_uri",
    "verify_totp",
]
