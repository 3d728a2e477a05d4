"""The handles a test needs: the facade, its fake clock, its captured mail, its wallet."""

from __future__ import annotations

import attrs

from softtoken._clock import FakeClock
from softtoken._facade import SoftToken
from softtoken.mail.memory import MemoryMailbox
from softtoken.testing._wallet import PaoTangWallet

__all__ = ["Harness"]


@attrs.frozen(kw_only=True)
class Harness:
    """A SoftToken and the handles a test needs to drive it."""

    softtoken: SoftToken
    clock: FakeClock
    mailbox: MemoryMailbox
    #: The Pao Tang simulator ``soft.proofing`` trusts (``paotang`` provider).
    wallet: PaoTangWallet

    def deliver_mail(self) -> int:
        """Send what the outbox holds to the mailbox; returns how many were sent."""
        return self.softtoken.mail.deliver_pending().sent
