"""Email one-time codes: the record and its pure transitions.

Theory of operation. There is one record per (purpose, subject), for example
("password_reset", "T05005000000201"). It holds the newest code, only as an HMAC under
the server's otp key, and the counters that outlive every code:

=====================  ===========================  ===================================
state (derived)        event                        result
=====================  ===========================  ===================================
any, not disabled      issue, 90 s since last code  new code; old one dead; failures kept
any                    issue, sooner                RateLimited ``otp_resend_too_soon``
waiting                right code, in time          used (single use); failures -> 0
waiting                wrong code                   failures + 1; every 5th locks 5 min;
                                                    the 100th disables (officer enables)
locked                 any code                     RateLimited ``otp_locked``
disabled               anything                     RateLimited ``otp_disabled``
used / expired         any code                     ``otp_used`` / ``otp_expired``
=====================  ===========================  ===================================

``failures`` counts consecutive wrong codes and never resets by time or by a new code
(NIST SP 800-63B-4 3.1.3.2, r3 5.2.2); only a right code or an officer resets it.
Every function here is pure: the record, the input and ``now`` in, a new record out.
"""

from __future__ import annotations

import enum
import re
import secrets
import unicodedata
from datetime import datetime

import attrs

from softtoken._keys import ServerKeys, macs_equal
from softtoken.errors import AuthenticationError, RateLimited, StateError, ValidationError
from softtoken.policy import Policy

__all__ = [
    "CodeRecord",
    "Purpose",
    "apply_enable",
    "apply_issue",
    "apply_verify",
    "code_mac",
    "new_code",
    "normalize_code",
    "validate_purpose",
    "validate_subject",
]

_PURPOSE = re.compile(r"[a-z][a-z0-9_.-]{0,31}")
_MAX_SUBJECT = 254


class Purpose(enum.StrEnum):
    """Purposes the library itself uses; a portal may use any other short lower-case name."""

    EMAIL_VERIFICATION = "email_verification"  # registration step 3
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name, not a password


def validate_purpose(raw: object) -> str:
    if not isinstance(raw, str) or not _PURPOSE.fullmatch(raw):
        raise ValidationError("invalid_value", field="purpose")
    return raw


def validate_subject(raw: object) -> str:
    if not isinstance(raw, str) or not 0 < len(raw) <= _MAX_SUBJECT or not raw.isprintable():
        raise ValidationError("invalid_value", field="subject")
    return raw


def normalize_code(raw: object, *, digits: int) -> str:
    """The code as typed, spaces removed, any decimal digit (Thai ๐-๙, full-width)
    read as its ASCII digit; anything but exactly ``digits`` digits is ``otp_malformed``."""
    if not isinstance(raw, str) or len(raw) > 64:  # noqa: PLR2004 - bounds the work
        raise ValidationError("otp_malformed", field="code")
    text = "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() else c
        for c in unicodedata.normalize("NFKC", raw)
        if not c.isspace()
    )
    if len(text) != digits or not all("0" <= c <= "9" for c in text):
        raise ValidationError("otp_malformed", field="code")
    return text


def new_code(digits: int) -> str:
    """``digits`` decimal digits from ``secrets`` (6 digits: about 20 bits, ASVS 6.5.4)."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_mac(keys: ServerKeys, *, purpose: str, subject: str, code_id: str, code: str) -> str:
    """The only form in which a code is stored: HMAC-SHA256 under the otp key, bound to
    its purpose, subject and issue, so a code for one purpose never passes for another."""
    return keys.tagged_mac(keys.otp, "email-otp/v1", purpose, subject, code_id, code)


@attrs.frozen(kw_only=True)
class CodeRecord:
    """The newest code of a (purpose, subject) and its counters."""

    purpose: str
    subject: str
    code_id: str | None = None
    code_mac: str | None = attrs.field(default=None, repr=False)
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    used_at: datetime | None = None
    failures: int = 0
    locked_until: datetime | None = None
    disabled: bool = False
    updated_at: datetime
    version: int = 0


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


def _check_not_blocked(record: CodeRecord, *, now: datetime) -> None:
    if record.disabled:
        raise RateLimited("otp_disabled", retry_after=None)
    if record.locked_until is not None and now < record.locked_until:
        raise RateLimited("otp_locked", retry_after=_seconds_until(record.locked_until, now))


def apply_issue(
    record: CodeRecord, *, code_id: str, mac: str, now: datetime, policy: Policy
) -> CodeRecord:
    """Replace the code with a new one (the old one stops working at once).

    Raises:
        RateLimited: ``otp_resend_too_soon`` before ``otp_resend_interval`` has passed
            since the previous code, ``otp_disabled`` at the hard limit.
    """
    if record.disabled:
        raise RateLimited("otp_disabled", retry_after=None)
    if record.issued_at is not None:
        allowed_at = record.issued_at + policy.otp_resend_interval
        if now < allowed_at:
            raise RateLimited("otp_resend_too_soon", retry_after=_seconds_until(allowed_at, now))
    return attrs.evolve(
        record,
        code_id=code_id,
        code_mac=mac,
        issued_at=now,
        expires_at=now + policy.otp_lifetime,
        used_at=None,
        updated_at=now,
    )


def apply_verify(
    record: CodeRecord, *, mac: str, now: datetime, policy: Policy
) -> tuple[CodeRecord, Exception | None]:
    """Check a code's MAC against the record.

    Returns:
        The new record and ``None`` when the code was right (it is now used), or the new
        record (failure counted) and the error to raise after it is stored. Refusals that
        change nothing raise at once.

    Raises:
        RateLimited: ``otp_locked`` (with ``retry_after``) or ``otp_disabled``.
        StateError: ``otp_not_issued``.
        AuthenticationError: ``otp_used``, ``otp_expired``.
    """
    _check_not_blocked(record, now=now)
    if record.code_mac is None or record.expires_at is None:
        raise StateError("otp_not_issued")
    if record.used_at is not None:
        raise AuthenticationError("otp_used")
    if now >= record.expires_at:
        raise AuthenticationError("otp_expired")
    if macs_equal(record.code_mac, mac):
        used = attrs.evolve(record, used_at=now, failures=0, locked_until=None, updated_at=now)
        return used, None
    failures = record.failures + 1
    error: Exception = AuthenticationError("otp_wrong")
    locked_until = record.locked_until
    disabled = False
    if failures >= policy.otp_hard_limit:
        disabled = True
        error = RateLimited("otp_disabled", retry_after=None)
    elif failures % policy.otp_max_attempts == 0:
        locked_until = now + policy.otp_lockout
        error = RateLimited("otp_locked", retry_after=_seconds_until(locked_until, now))
    failed = attrs.evolve(
        record, failures=failures, locked_until=locked_until, disabled=disabled, updated_at=now
    )
    return failed, error


def apply_enable(record: CodeRecord, *, now: datetime) -> CodeRecord:
    """An officer lifts the hard limit: counters cleared, no code waiting."""
    return attrs.evolve(
        record,
        failures=0,
        locked_until=None,
        disabled=False,
        code_id=None,
        code_mac=None,
        expires_at=None,
        used_at=None,
        updated_at=now,
    )
