"""What the forgot-password calls answer: the screens of manual chapter 4, with the
registered email masked on both."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["ResetCompleted", "ResetRequested"]


@attrs.frozen(kw_only=True)
class ResetRequested:
    """The data matched and a code is on its way (manual chapter 4 step 4)."""

    user_id: str
    sent_to: str  # masked, for the screen
    expires_at: datetime
    resend_after: datetime


@attrs.frozen(kw_only=True)
class ResetCompleted:
    """ "A new password has been sent to <email>" (step 5). The password is not here."""

    user_id: str
    sent_to: str  # masked, for the screen, as at the request
    password_expires_at: datetime
