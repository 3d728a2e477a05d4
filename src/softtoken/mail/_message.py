"""Email messages and the outbox record that carries them until they are sent."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["EmailMessage", "OutboxMessage"]


@attrs.frozen(kw_only=True)
class EmailMessage:
    """A rendered email, plain text, Thai first and English below it."""

    to: str
    subject: str
    text: str
    #: The template it was rendered from, so tests and logs can tell messages apart.
    template: str
    #: Set by the outbox when it sends: the outbox row's id, which becomes the
    #: ``Message-ID`` header, so a resend carries the same one and receivers can drop it.
    message_id: str | None = None


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """An email waiting in the outbox, or its record once sent (``message`` is then None:
    the body is erased after delivery because it may hold a code or a password)."""

    id: str
    recipient: str
    template: str
    message: EmailMessage | None
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    version: int = 1

    @property
    def pending(self) -> bool:
        return self.sent_at is None and self.next_attempt_at is not None
