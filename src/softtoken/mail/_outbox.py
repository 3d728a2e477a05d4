"""Delivering the outbox: after commit, with retries and backoff, never twice.

Messages are claimed with a conditional update that holds them for a lease, sent outside
any transaction, then marked sent. A dispatcher that dies mid-send leaves the claim to
expire and the message is tried again (at-least-once; a crash between the SMTP
server's acceptance and ``mark_sent`` is the only way to see a duplicate). While the
mail server is down nothing is lost: messages wait with a growing delay.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

from softtoken.errors import ConcurrencyError, DeliveryError
from softtoken.mail._message import OutboxMessage
from softtoken.ports import Clock, EmailSender

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["DeliveryReport", "MailDispatcher"]


@attrs.frozen(kw_only=True)
class DeliveryReport:
    sent: int
    failed: int
    #: Messages that reached ``max_attempts`` and will not be tried again.
    abandoned: int


@attrs.frozen(kw_only=True)
class RetrySchedule:
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 48
    lease: timedelta = timedelta(minutes=5)

    def delay(self, attempts: int) -> timedelta:
        """Exponential backoff with up to 10% jitter, so retries do not arrive together."""
        doublings = min(max(0, attempts - 1), 32)  # past 2**32 every delay is max_delay
        base: timedelta = min(self.first_delay * (2**doublings), self.max_delay)
        jitter: timedelta = base * random.uniform(0, 0.1)
        return base + jitter


class MailDispatcher:
    """Sends what the outbox holds. Call :meth:`deliver_pending` after each call that
    may have queued mail, or from a periodic job; both are safe at once."""

    def __init__(
        self,
        uow: Callable[[], StorageUnitOfWork],
        sender: EmailSender,
        clock: Clock,
        schedule: RetrySchedule | None = None,
    ) -> None:
        self._uow = uow
        self.sender = sender
        self._clock = clock
        self.schedule = schedule or RetrySchedule()

    def deliver_pending(self, *, limit: int = 100) -> DeliveryReport:
        now = self._clock.now()
        with self._uow() as uow:
            claimed = uow.outbox.claim_due(now=now, lease=self.schedule.lease, limit=limit)
            uow.commit()
        sent = failed = abandoned = 0
        for message in claimed:
            outcome = self._deliver(message)
            sent += outcome == "sent"
            failed += outcome == "failed"
            abandoned += outcome == "abandoned"
        return DeliveryReport(sent=sent, failed=failed, abandoned=abandoned)

    def _deliver(self, message: OutboxMessage) -> str:
        try:
            if message.message is None:  # pragma: no cover - only sent rows lack a body
                return "sent"
            self.sender.send(message.message)
        except DeliveryError as error:
            reason = error.detail or error.code
            now = self._clock.now()
            attempts = message.attempts + 1
            give_up = attempts >= self.schedule.max_attempts
            retry_at = None if give_up else now + self.schedule.delay(attempts)
            self._finish(
                lambda uow: uow.outbox.mark_failed(message, error=reason, next_attempt_at=retry_at)
            )
            return "abandoned" if give_up else "failed"
        self._finish(lambda uow: uow.outbox.mark_sent(message, now=self._clock.now()))
        return "sent"

    def _finish(self, mark: Callable[[StorageUnitOfWork], None]) -> None:
        try:
            with self._uow() as uow:
                mark(uow)
                uow.commit()
        except ConcurrencyError:
            # The lease ran out and another dispatcher took the message over; it owns
            # the outcome now.
            return

    def pending(self) -> list[OutboxMessage]:
        with self._uow() as uow:
            return uow.outbox.list(pending_only=True)
