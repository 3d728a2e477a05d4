"""Delivering the outbox: after commit, with retries and backoff, never twice.

A dispatcher claims one message at a time with a conditional update that holds it for a
lease and bumps its version (the fencing token), sends it outside any transaction, and
marks it sent with an update conditional on that version. Claiming one at a time keeps
each claim fresh: a message is never waiting in a claimed batch while its lease runs out
behind a slow mail server, so two dispatchers do not send the same message as long as
one send takes less than the lease.

What remains at-least-once: a dispatcher that dies (or loses its database) between the
mail server's acceptance and the commit of ``mark_sent`` leaves the lease to expire, and
the message goes out again. Every message carries a ``Message-ID`` made from its outbox
id, so the resend has the same one and a receiver can drop it. While the mail server is
down nothing is lost: messages wait with a growing delay.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

from softtoken.accounts import _boundary
from softtoken.errors import Busy, ConcurrencyError, DeliveryError, StorageUnavailable
from softtoken.mail._message import OutboxMessage
from softtoken.ports import Clock, EmailSender
from softtoken.storage._unit_of_work import retrying

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["DeliveryReport", "MailDispatcher"]

_log = logging.getLogger("softtoken.mail")

#: Tries to record a send's outcome before the run stops: each failure to record a
#: successful send is a duplicate once the lease runs out.
_MARK_ATTEMPTS = 3


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
        """Send up to ``limit`` due messages, claiming each one just before it is sent.

        Raises:
            StorageUnavailable: the outcome of a send could not be recorded; the run
                stops so that no further message is sent without a record. The message
                in doubt stays leased and goes out again (same ``Message-ID``) once the
                lease ends.
        """
        limit = _boundary.count(limit, "limit", minimum=0)
        sent = failed = abandoned = 0
        for _ in range(limit):
            message = self._claim_next()
            if message is None:
                break
            outcome = self._deliver(message)
            sent += outcome == "sent"
            failed += outcome == "failed"
            abandoned += outcome == "abandoned"
        return DeliveryReport(sent=sent, failed=failed, abandoned=abandoned)

    def _claim_next(self) -> OutboxMessage | None:
        def claim() -> list[OutboxMessage]:
            with self._uow() as uow:
                claimed = uow.outbox.claim_due(
                    now=self._clock.now(), lease=self.schedule.lease, limit=1
                )
                if claimed:  # nothing due wrote nothing: no commit to pay for
                    uow.commit()
                return claimed

        try:
            claimed = retrying(claim)
        except Busy:
            return None  # the other dispatchers are taking everything; leave it to them
        return claimed[0] if claimed else None

    def _deliver(self, message: OutboxMessage) -> str:
        started = time.monotonic()
        try:
            if message.message is None:  # pragma: no cover - only sent rows lack a body
                return "sent"
            self.sender.send(attrs.evolve(message.message, message_id=message.id))
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
        finally:
            took = time.monotonic() - started
            if took >= self.schedule.lease.total_seconds():
                # Another dispatcher may have claimed it meanwhile and sent it too.
                _log.warning(
                    "sending outbox message %s took %.1f s, longer than the lease", message.id,
                    took, extra={"softtoken_code": "mail_lease_too_short"},
                )  # fmt: skip
        self._finish(lambda uow: uow.outbox.mark_sent(message, now=self._clock.now()))
        return "sent"

    def _finish(self, mark: Callable[[StorageUnitOfWork], None]) -> None:
        for attempt in range(_MARK_ATTEMPTS):
            try:
                with self._uow() as uow:
                    mark(uow)
                    uow.commit()
            except ConcurrencyError:
                # The lease ran out and another dispatcher took the message over (or an
                # earlier try of this mark committed before its reply was lost); the
                # newer version owns the outcome.
                return
            except StorageUnavailable:
                if attempt == _MARK_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
            else:
                return

    def pending(self) -> list[OutboxMessage]:
        with self._uow().reading() as uow:
            return uow.outbox.list(pending_only=True)
