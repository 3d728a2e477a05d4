"""Ready-made pieces for tests: an in-memory SoftToken with a fake clock and captured
mail, for this library's tests and for portals that test against it."""

from __future__ import annotations

import secrets

import attrs

from softtoken._clock import FakeClock
from softtoken._facade import SoftToken
from softtoken._wiring import Config, build
from softtoken.mail.memory import MemoryMailbox
from softtoken.policy import Policy
from softtoken.ports import EmailSender, Storage
from softtoken.storage.memory import MemoryStorage

__all__ = ["FakeClock", "Harness", "MemoryMailbox", "in_memory"]


@attrs.frozen(kw_only=True)
class Harness:
    """A SoftToken and the handles a test needs to drive it."""

    softtoken: SoftToken
    clock: FakeClock
    mailbox: MemoryMailbox

    def deliver_mail(self) -> int:
        """Send what the outbox holds to the mailbox; returns how many were sent."""
        return self.softtoken.mail.deliver_pending().sent


def in_memory(
    *,
    policy: Policy | None = None,
    storage: Storage | None = None,
    clock: FakeClock | None = None,
    email_sender: EmailSender | None = None,
    portal_name: str = "New GFMIS Thai",
) -> Harness:
    """A SoftToken on the memory adapter (or ``storage``), a fake clock, captured mail,
    and the cheap test policy unless ``policy`` is given."""
    mailbox = MemoryMailbox()
    fake = clock or FakeClock()
    config = Config(
        secret_key=secrets.token_bytes(32),
        storage_url="memory://",
        policy=policy or Policy.for_tests(),
        portal_name=portal_name,
    )
    soft = build(
        config,
        clock=fake,
        storage=storage or MemoryStorage(),
        email_sender=email_sender or mailbox,
        allow_test_policy=True,
    )
    return Harness(softtoken=soft, clock=fake, mailbox=mailbox)
