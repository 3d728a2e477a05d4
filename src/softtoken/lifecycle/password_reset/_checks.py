"""The forgot-password flow's checks that need no storage: the form's data against the
account (compared in constant time), and whether a resend is refused by a lock."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import TYPE_CHECKING

from softtoken.errors import RateLimited
from softtoken.otp._throttle import AttemptCounter, check_counter

if TYPE_CHECKING:
    from softtoken.accounts._account import Account
    from softtoken.accounts._identifiers import CitizenId, Email
    from softtoken.otp._codes import CodeRecord

__all__ = ["check_resend", "matches"]


def check_resend(
    counter: AttemptCounter | None, pending: CodeRecord | None, *, now: datetime
) -> None:
    """A locked form or a locked code refuses a resend: a new code must not lift either."""
    if counter is not None:
        check_counter(counter, now=now, code="reset_locked")
    if pending is not None and pending.locked_until is not None and now < pending.locked_until:
        retry = int((pending.locked_until - now).total_seconds() + 0.999)
        raise RateLimited("otp_locked", retry_after=retry)


def matches(account: Account | None, cid: CitizenId, address: Email) -> bool:
    if account is None or account.citizen_id is None or account.email is None:
        return False
    same_cid = hmac.compare_digest(account.citizen_id.value, cid.value)
    same_email = hmac.compare_digest(account.email.value.encode(), address.value.encode())
    return same_cid and same_email
