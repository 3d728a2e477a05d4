"""Issue 16 item 1: ``audit.verify()`` while other calls write.

The records and the head are read in separate statements; under READ COMMITTED a
writer that commits between them made verify report tampering that never happened.
Here writer threads append while verify runs in a loop: no false alarm on any adapter,
and a record really removed while the writers run is still found.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from softtoken import TamperingDetected
from softtoken._keys import ServerKeys
from softtoken.audit import AuditEntry
from softtoken.storage import StorageUnitOfWork, retrying
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory

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
    for _ in range(3):
        _write(harness, "before")  # one subject: records 1 to 3 of its chain
    (chain,) = {r.chain for r in harness.softtoken.audit.records()}
    with _writers(harness):
        tx = harness.softtoken.storage.begin()
        assert tx.delete("st_audit_events", [("chain", "=", chain), ("seq", "=", 2)]) == 1
        tx.commit()
        for _ in range(5):
            with pytest.raises(TamperingDetected) as caught:
                harness.softtoken.audit.verify()
            assert "record 2" in (caught.value.detail or "")
            assert "is missing" in (caught.value.detail or "")


def _process_writer(url: str, keys: ServerKeys, writes: int) -> None:
    """Another portal process: the same database and keys, its own engine."""
    storage = SqlStorage(url)

    def once() -> None:
        with StorageUnitOfWork(storage, keys) as uow:
            uow.audit.append(
                AuditEntry(
                    at=datetime.now(UTC), actor="system", action="test.write", subject="process"
                )
            )
            uow.commit()

    for _ in range(writes):
        retrying(once)
    storage.close()


def test_verify_sees_no_tampering_while_other_processes_write(sql_storage: SqlStorage) -> None:
    harness = in_memory(storage=sql_storage)
    _write(harness, "first")
    url = sql_storage.engine.url.render_as_string(hide_password=False)
    key = harness.softtoken.context.keys
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_process_writer, args=(url, key, WRITES_EACH)) for _ in range(2)
    ]
    for p in processes:
        p.start()
    try:
        counts = [harness.softtoken.audit.verify()]
        while any(p.is_alive() for p in processes):
            counts.append(harness.softtoken.audit.verify())
    finally:
        for p in processes:
            p.join(timeout=60)
            if p.is_alive():  # a failed verify above: do not leave a writer behind
                p.terminate()
                p.join()
    assert [p.exitcode for p in processes] == [0, 0]
    assert counts == sorted(counts)
    assert harness.softtoken.audit.verify() == 1 + 2 * WRITES_EACH


def test_first_writers_racing_to_start_the_chain_all_land(harness: Harness) -> None:
    # The chain starts with whichever commits first; the others retry behind it, and
    # an account the winner created is not taken for a wiped log.
    soft, barrier = harness.softtoken, threading.Barrier(6)

    def create(n: int) -> None:
        barrier.wait()
        soft.accounts.create(user_id=f"T0500500000030{n}", first_name="A", last_name="B")

    with ThreadPoolExecutor(6) as pool:
        for future in [pool.submit(create, n) for n in range(6)]:
            future.result()
    assert soft.audit.verify() == 6
