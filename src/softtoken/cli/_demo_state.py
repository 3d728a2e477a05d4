"""What every chapter of ``softtoken demo`` shares: the demo's account and the
:class:`Demo` handle (the facade, the clock it may move, the captured mail)."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import attrs

from softtoken._clock import FakeClock
from softtoken._facade import SoftToken
from softtoken._wiring import Config, build
from softtoken.mail.memory import MemoryMailbox

__all__ = ["CITIZEN_ID", "EMAIL", "USER_ID", "Demo"]

USER_ID = "T05005000000201"
CITIZEN_ID = "1101700207536"
EMAIL = "somchai.j@cgd.example.go.th"


@attrs.define
class Demo:
    """What each chapter gets: the facade, the clock it may move, the captured mail."""

    softtoken: SoftToken
    clock: FakeClock
    mailbox: MemoryMailbox
    out: TextIO
    workdir: Path
    config: Config
    #: Each demo account's current password, as the chapters change them.
    passwords: dict[str, str] = attrs.Factory(dict)
    _shown: int = 0

    def heading(self, text: str) -> None:
        print(f"\n=== {text}", file=self.out)

    def say(self, text: str) -> None:
        print(f"  {text}", file=self.out)

    def variant(self, **policy_changes: object) -> SoftToken:
        """Another deployment's view of the same storage, clock, mail and CA, with some
        policy fields changed (to show, say, each matching mode)."""
        config = attrs.evolve(self.config, policy=self.config.policy.evolve(**policy_changes))
        return build(
            config, clock=self.clock, storage=self.softtoken.storage, email_sender=self.mailbox
        )

    def show_mail(self) -> None:
        """Deliver the outbox and print what arrived since the last call."""
        self.softtoken.mail.deliver_pending()
        for message in self.mailbox.messages[self._shown :]:
            self.say(f"[mail to {message.to}] {message.subject}")
        self._shown = len(self.mailbox.messages)
