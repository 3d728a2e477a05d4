"""Audited commits per second on PostgreSQL (issue 15 item 1): 1, 2 and 4 processes,
the log in 16 chains (``Policy.audit_chains``' default) against the same log in 1 chain
(the single head every commit queued on before). Each commit is one unit of work with
one audit record about a subject of its own, the shape of every audited call without
its business rows; lost races are retried as the services retry them. Printed: 16
chains / 1 chain at each process count, and how each grows from 1 process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from datetime import UTC, datetime
from typing import Any

from _common import Ratio
from _private_db import private_postgres_url

from softtoken._keys import ServerKeys
from softtoken.audit import AuditEntry
from softtoken.storage import StorageUnitOfWork, retrying
from softtoken.storage.sql import SqlStorage

SECRET = b"c" * 32
PROCESSES = (1, 2, 4)


def _commit(storage: SqlStorage, keys: ServerKeys, chains: int, subject: str) -> None:
    def once() -> None:
        with StorageUnitOfWork(storage, keys, audit_chains=chains) as uow:
            entry = AuditEntry(
                at=datetime.now(UTC), actor="system", action="bench.write", subject=subject
            )
            uow.audit.append(entry)
            uow.commit()

    retrying(once, attempts=100)


def _worker(  # noqa: PLR0917 - a multiprocessing target takes its arguments by position
    url: str, chains: int, n: int, start: Any, seconds: float, out: Any
) -> None:
    storage = SqlStorage(url)
    keys = ServerKeys.from_secret(SECRET)
    subjects = (f"T{n:02d}{k:012d}" for k in itertools.count())
    _commit(storage, keys, chains, next(subjects))  # warmed up before the start
    start.wait()
    calls, ends = 0, time.perf_counter() + seconds
    while time.perf_counter() < ends:
        _commit(storage, keys, chains, next(subjects))
        calls += 1
    out.put(calls)
    storage.close()


def _throughput(url: str, chains: int, processes: int, seconds: float) -> float:
    context = multiprocessing.get_context("spawn")
    start, out = context.Event(), context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, chains, n, start, seconds, out))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(2.0)  # every worker has imported, connected and warmed up
    start.set()
    total: int = sum(out.get(timeout=seconds + 120) for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def run(quick: bool = False) -> list[Ratio]:
    seconds = 3.0 if quick else 10.0
    results: list[Ratio] = []
    with private_postgres_url() as one_url, private_postgres_url() as many_url:
        if one_url is None or many_url is None:
            print("  (skipped: SOFTTOKEN_TEST_POSTGRES_URL is not set)")
            return results
        keys = ServerKeys.from_secret(SECRET)
        for url, chains in ((one_url, 1), (many_url, 16)):
            storage = SqlStorage(url)
            storage.create_schema()
            _commit(storage, keys, chains, "start")
            storage.close()
        rates: dict[tuple[int, int], float] = {}
        for processes in PROCESSES:
            for url, chains in ((one_url, 1), (many_url, 16)):
                rates[chains, processes] = _throughput(url, chains, processes, seconds)
            results.append(
                Ratio(
                    name=f"audited commits, postgres, {processes} proc: 16 chains / 1 chain",
                    ours=rates[16, processes],
                    raw=rates[1, processes],
                    unit="commits/s",
                    target=">= 1.0",
                )
            )
        results.extend(
            Ratio(
                name=f"audited commits, postgres, {chains} chain(s): {processes} proc / 1",
                ours=rates[chains, processes],
                raw=rates[chains, 1],
                unit="commits/s",
            )
            for chains in (1, 16)
            for processes in PROCESSES[1:]
        )
    return results
