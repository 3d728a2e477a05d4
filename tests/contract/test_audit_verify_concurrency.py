"""Issue 16 item 1: ``audit.verify()`` while other calls write.

The records and the head are read in separate statements; under READ COMMITTED a
writer that commits between them made verify report tampering that never happened.
Here writer threads append while verify runs in a loop: no false alarm on any adapter,
and a record really removed while the writers run is still found.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from softtoken import TamperingDetected
from softtoken.storage import StorageUnitOfWork
from softtoken.testing import Harness

WRITERS = 3
#: Each writer's cap, so the log (and each verify) stays small on the fast memory adapter.
WRITES_EACH = 100
#: Verify runs while the writers write, and at least this often.
ROUNDS = 20


def _write(harness: Harness, label: str) -> None:
    ctx = harness.softtoken.context

    def work(uow: StorageUnitOfWork) -> None:
        ctx.audit(uow, actor="system", action="test.write", subject=label)

    ctx.transact(work)


@contextmanager
def _writers(harness: Harness) -> Iterator[Callable[[], bool]]:
    """Threads appending audit records until each wrote its share or the block ends;
    yields a function that says whether any of them is still writing."""
    stop = threading.Event()

    def loop(n: int) -> int:
        written = 0
        while not stop.is_set() and written < WRITES_EACH:
            _write(harness, f"writer-{n}")
            written += 1
        return written

    # Switch threads often, so that a write lands between verify's reads on the memory
    # adapter too (its reads take microseconds).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(loop, n) for n in range(WRITERS)]
        try:
            yield lambda: not all(f.done() for f in futures)
        finally:
            stop.set()
            written = [f.result() for f in futures]
            sys.setswitchinterval(interval)
    assert sum(written) > 0


def test_verify_sees_no_tampering_while_others_write(harness: Harness) -> None:
    _write(harness, "first")
    audit = harness.softtoken.audit
    counts: list[int] = []
    with _writers(harness) as writing:
        while writing() or len(counts) < ROUNDS:
            counts.append(audit.verify())
    assert counts == sorted(counts)  # each verify saw a log at least as long as the last
    assert audit.verify() == len(audit.records()) == 1 + WRITERS * WRITES_EACH


def test_verify_still_finds_a_removed_record_while_others_write(harness: Harness) -> None:
    for n in range(3):
        _write(harness, f"before-{n}")
    with _writers(harness):
        tx = harness.softtoken.storage.begin()
        assert tx.delete("st_audit_events", [("seq", "=", 2)]) == 1
        tx.commit()
        for _ in range(5):
            with pytest.raises(TamperingDetected) as caught:
                harness.softtoken.audit.verify()
            assert "record 2 is missing" in (caught.value.detail or "")
