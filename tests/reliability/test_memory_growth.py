"""Memory per process stays flat over 100,000 calls on the SQL adapters (issue 16, the
fault suite): a portal process lives for weeks, so nothing may grow per call (caches
keyed by input, statement caches keyed by values, listeners added per call).

The calls mix reads (a code screen's status) with writes (a code issued: a row, an
outbox message, an audit record); the resident set size after the first 10,000 calls
is compared with the size after all of them."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from softtoken import Config, FakeClock, MemoryMailbox, Policy, SoftToken, build
from softtoken.storage.sql import SqlStorage

CALLS = 100_000
WARM_UP = 10_000
WRITE_EVERY = 10
#: What the process may gain after warm-up: a leak of 50 bytes a call would be 4.5 MB.
ALLOWED_GROWTH = 4 * 1024 * 1024


def _resident_bytes() -> int:
    gc.collect()
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture(params=["sqlite", "postgres"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SoftToken]:
    if request.param == "sqlite":
        storage = SqlStorage(f"sqlite:///{tmp_path / 'memory.db'}")
    else:
        storage = SqlStorage(request.getfixturevalue("postgres_url"))
        storage.drop_schema()
    config = Config(secret_key=b"g" * 32, storage_url="memory://", policy=Policy.for_tests())
    mailbox = MemoryMailbox()
    soft = build(
        config, clock=FakeClock(), storage=storage, email_sender=mailbox, allow_test_policy=True
    )
    yield soft
    storage.drop_schema()
    soft.close()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
def test_memory_stays_flat_over_100k_calls(deployment: SoftToken) -> None:
    soft = deployment
    clock = soft.clock
    assert isinstance(clock, FakeClock)

    def call(n: int) -> None:
        if n % WRITE_EVERY == 0:
            # A subject of its own each time; the clock moves past the resend wait.
            soft.otp.issue("memory", f"s{n}", email="someone@example.go.th")
            clock.advance(seconds=1)
        else:
            soft.otp.status("memory", f"s{n - n % WRITE_EVERY}")

    for n in range(WARM_UP):
        call(n)
    soft.mail.deliver_pending()
    before = _resident_bytes()
    for n in range(WARM_UP, CALLS):
        call(n)
        if n % 5_000 == 0:
            soft.mail.deliver_pending()  # the outbox drains as a dispatcher would
    soft.mail.deliver_pending()
    grown = _resident_bytes() - before
    assert grown < ALLOWED_GROWTH, f"grew {grown / 1024 / 1024:.1f} MiB over {CALLS} calls"
