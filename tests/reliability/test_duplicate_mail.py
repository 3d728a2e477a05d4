"""Issue 16 item 4: two delivery workers and a slow SMTP server must not send a message
twice, and every message carries a Message-ID derived from its outbox row, so the one
duplicate that remains possible (a crash between the server's reply and the commit that
records it) reaches the receiver with the same Message-ID as the first copy."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from softtoken import SmtpSender, StorageUnavailable
from softtoken._clock import SystemClock
from softtoken.mail import EmailMessage
from softtoken.mail._outbox import MailDispatcher, RetrySchedule
from softtoken.ports import Storage
from softtoken.storage._outbox_table import OutboxTable
from softtoken.testing import Harness, in_memory

from ..helpers.smtp import SmtpTestServer

SENDER = "softtoken@cgd.example.go.th"
MESSAGES = 12


@pytest.fixture
def slow_smtp() -> Iterator[SmtpTestServer]:
    server = SmtpTestServer(delay=0.4)
    server.start()
    yield server
    server.stop()


def _queue(harness: Harness, count: int, *, now: object = None) -> list[str]:
    """``count`` messages in the outbox, one per recipient; returns their outbox ids."""
    when = harness.softtoken.clock.now() if now is None else now
    with harness.softtoken.unit_of_work() as uow:
        for n in range(count):
            message = EmailMessage(
                to=f"person{n}@example.go.th", subject=f"notice {n}", text="t", template="t"
            )
            uow.outbox.add(message, now=when)  # type: ignore[arg-type]
        uow.commit()
    with harness.softtoken.unit_of_work() as read:
        return [m.id for m in read.outbox.list()]


def test_i4_two_dispatchers_and_a_slow_server_send_each_message_once(
    storage: Storage, slow_smtp: SmtpTestServer
) -> None:
    clock = SystemClock()
    harness = in_memory(storage=storage)
    ids = _queue(harness, MESSAGES, now=clock.now())
    # The lease outlasts one send (0.4 s) but not a batch of them.
    schedule = RetrySchedule(lease=timedelta(seconds=1.5))
    sender = SmtpSender(host=slow_smtp.host, port=slow_smtp.port, sender=SENDER, security="none")
    uow = harness.softtoken.context.unit_of_work
    dispatchers = [MailDispatcher(uow, sender, clock, schedule) for _ in range(2)]
    errors: list[BaseException] = []

    def work(dispatcher: MailDispatcher) -> None:
        deadline = time.monotonic() + 20
        try:
            while dispatcher.pending() and time.monotonic() < deadline:
                dispatcher.deliver_pending()
                time.sleep(0.05)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(d,)) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    received = slow_smtp.messages
    by_recipient = Counter(str(m["To"]) for m in received)
    by_id = Counter(str(m["Message-ID"]) for m in received)
    duplicates = {k: v for k, v in by_recipient.items() if v > 1}
    assert duplicates == {}
    assert len(received) == MESSAGES
    assert sorted(by_id) == sorted(f"<{i}@cgd.example.go.th>" for i in ids)


def test_i4_a_resend_after_a_lost_mark_sent_has_the_same_message_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The one duplicate left: the server accepted the message and the record of it
    could not be written. The rest of the batch is not handed to anyone twice."""
    harness = in_memory()
    ids = _queue(harness, 3)
    first = ids[0]
    original = OutboxTable.mark_sent
    failures: list[str] = []

    def lost_record(self: OutboxTable, message: object, **kwargs: object) -> None:
        if getattr(message, "id", None) == first:
            failures.append(first)
            raise StorageUnavailable(detail="played outage")
        original(self, message, **kwargs)  # type: ignore[arg-type]

    soft = harness.softtoken
    with monkeypatch.context() as patch:
        patch.setattr(OutboxTable, "mark_sent", lost_record)
        with pytest.raises(StorageUnavailable):
            soft.mail.deliver_pending()
        # A second dispatcher at the same moment: the message in doubt is still leased,
        # the others go out once.
        second = MailDispatcher(soft.context.unit_of_work, harness.mailbox, harness.clock)
        assert second.deliver_pending().sent == 2
    assert failures
    harness.clock.advance(seconds=soft.mail.schedule.lease.total_seconds() + 1)
    assert soft.mail.deliver_pending().sent == 1  # the lease ran out: sent again
    counts = Counter(m.to for m in harness.mailbox.messages)
    assert sorted(counts.values()) == [1, 1, 2]
    again = [m for m in harness.mailbox.messages if m.to == "person0@example.go.th"]
    assert [m.message_id for m in again] == [first, first]
    assert soft.mail.pending() == []


def test_i4_every_message_carries_its_outbox_id(harness: Harness) -> None:
    ids = _queue(harness, 2)
    assert harness.deliver_mail() == 2
    assert sorted(str(m.message_id) for m in harness.mailbox.messages) == sorted(ids)
