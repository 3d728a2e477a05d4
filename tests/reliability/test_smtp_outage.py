"""The SMTP server stops and starts again while two dispatchers deliver (issue 16, the
fault suite): mail written during the outage waits in the outbox, nothing is lost, and
every message reaches the server exactly once, counted by its Message-ID."""

from __future__ import annotations

import collections
import threading
import time

from softtoken import Config, Policy, SmtpSender, SoftToken, build
from softtoken._clock import FakeClock
from softtoken.storage import MemoryStorage

from ..helpers.smtp import SmtpTestServer

MESSAGES = 24


def _deployment(server: SmtpTestServer, clock: FakeClock) -> SoftToken:
    sender = SmtpSender(
        host=server.host, port=server.port, sender="softtoken@localhost", security="none", timeout=2
    )
    config = Config(secret_key=b"s" * 32, storage_url="memory://", policy=Policy.for_tests())
    return build(
        config, clock=clock, storage=MemoryStorage(), email_sender=sender, allow_test_policy=True
    )


def test_an_smtp_outage_loses_nothing_and_sends_nothing_twice() -> None:
    server = SmtpTestServer(delay=0.02)
    server.start()
    clock = FakeClock()
    soft = _deployment(server, clock)
    for n in range(MESSAGES // 2):
        soft.otp.issue("outage", f"before-{n}", email=f"p{n}@example.go.th")

    stop = threading.Event()

    def dispatcher() -> None:
        while not stop.is_set():
            soft.mail.deliver_pending()
            time.sleep(0.01)

    workers = [threading.Thread(target=dispatcher) for _ in range(2)]
    for worker in workers:
        worker.start()
    time.sleep(0.1)
    server.stop()  # the outage: sends fail and are retried later
    for n in range(MESSAGES // 2):
        soft.otp.issue("outage", f"during-{n}", email=f"q{n}@example.go.th")
    time.sleep(0.3)
    server.start()  # back on the same port
    deadline = time.monotonic() + 60
    while len(server.messages) < MESSAGES and time.monotonic() < deadline:
        # Time runs fast enough to pass the retry backoff, never faster than a send can
        # finish within its lease (5 minutes): a send outliving its lease may repeat,
        # as docs/mail.md says.
        clock.advance(seconds=30)
        time.sleep(0.05)
    stop.set()
    for worker in workers:
        worker.join()
    server.stop()

    ids = collections.Counter(str(m["Message-ID"]) for m in server.messages)
    assert len(ids) == MESSAGES, f"{len(ids)} of {MESSAGES} delivered"
    assert set(ids.values()) == {1}, "a message was delivered twice"
    report = soft.mail.deliver_pending()
    assert report.sent == 0  # nothing left behind
