"""An email sender that keeps messages in a list: for tests and the demo."""

from __future__ import annotations

import threading

from softtoken.errors import DeliveryError
from softtoken.mail._message import EmailMessage

__all__ = ["MemoryMailbox"]


class MemoryMailbox:
    """Captures every message sent. Set ``down = True`` to play a mail server outage."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.down = False
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        if self.down:
            raise DeliveryError(detail="the memory mailbox is down")
        with self._lock:
            self.messages.append(message)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to ``address``, oldest first."""
        return [m for m in self.messages if m.to == address]

    def last(self, address: str, template: str | None = None) -> EmailMessage:
        found = [m for m in self.to(address) if template is None or m.template == template]
        if not found:
            msg = f"no message to {address}" + (f" from {template}" if template else "")
            raise LookupError(msg)
        return found[-1]
