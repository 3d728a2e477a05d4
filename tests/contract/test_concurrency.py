"""No lost update: many threads (and, on shared databases, many processes) changing
the same account. Every call either commits or raises ConcurrencyError, and the final
state counts exactly the calls that committed."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest

from softtoken import ConcurrencyError, UserId
from softtoken.ports import Storage
from softtoken.storage import StorageUnitOfWork
from softtoken.storage.sql import SqlStorage
from softtoken.testing import in_memory

USER = UserId("T05005000000201")
THREADS = 16
CALLS_EACH = 5


def _increment(storage: Storage, keys_secret: bytes) -> str:
    """One read-modify-write of the failure counter, without retries."""
    from softtoken._keys import ServerKeys

    with StorageUnitOfWork(storage, ServerKeys.from_secret(keys_secret)) as uow:
        account = uow.accounts.get(USER)
        uow.accounts.update(attrs.evolve(account, failed_logins=account.failed_logins + 1))
        try:
            uow.commit()
        except ConcurrencyError:
            return "conflict"
    return "committed"


def _setup(storage: Storage) -> bytes:
    secret = bytes(range(32))  # the deployment's: the names it writes are sealed with it
    harness = in_memory(storage=storage, secret_key=secret)
    harness.softtoken.accounts.create(user_id=USER.value, first_name="A", last_name="B")
    return secret


def _run_threads(storage: Storage, secret: bytes) -> list[str]:
    barrier = threading.Barrier(THREADS)

    def worker() -> list[str]:
        barrier.wait()
        outcomes = []
        for _ in range(CALLS_EACH):
            try:
                outcomes.append(_increment(storage, secret))
            except ConcurrencyError:
                outcomes.append("conflict")
        return outcomes

    with ThreadPoolExecutor(THREADS) as pool:
        results = [f.result() for f in [pool.submit(worker) for _ in range(THREADS)]]
    return [o for r in results for o in r]


def _failed_logins(storage: Storage, secret: bytes) -> int:
    from softtoken._keys import ServerKeys

    with StorageUnitOfWork(storage, ServerKeys.from_secret(secret)) as uow:
        return uow.accounts.get(USER).failed_logins


def test_threads_never_lose_an_update(storage: Storage) -> None:
    secret = _setup(storage)
    outcomes = _run_threads(storage, secret)
    assert set(outcomes) <= {"committed", "conflict"}
    assert len(outcomes) == THREADS * CALLS_EACH
    assert _failed_logins(storage, secret) == outcomes.count("committed")
    assert outcomes.count("committed") >= 1


def test_retried_calls_all_land(storage: Storage) -> None:
    """Through the service layer, which retries lost races, every call counts."""
    harness = in_memory(storage=storage)
    soft = harness.softtoken
    soft.accounts.create(user_id=USER.value, first_name="A", last_name="B")
    barrier = threading.Barrier(8)

    def rename(n: int) -> None:
        barrier.wait()

        def work(uow: StorageUnitOfWork) -> None:
            account = uow.accounts.get(USER)
            uow.accounts.update(
                attrs.evolve(account, failed_logins=account.failed_logins + 1, first_name=f"N{n}")
            )

        soft.context.transact(work)

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(rename, n) for n in range(8)]:
            # Five lost races in a row are allowed, and then the call did not count.
            with contextlib.suppress(ConcurrencyError):
                future.result()
    final = soft.accounts.get(USER.value)
    assert final.failed_logins == final.version - 1


def _process_worker(url: str, secret: bytes, calls: int, queue: multiprocessing.Queue[str]) -> None:
    storage = SqlStorage(url)
    for _ in range(calls):
        try:
            queue.put(_increment(storage, secret))
        except ConcurrencyError:
            queue.put("conflict")
    storage.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_processes_never_lose_an_update(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        storage = SqlStorage(url)
        storage.create_schema()
    else:
        from ..conftest import make_storage

        made = make_storage("postgres", request, tmp_path)
        assert isinstance(made, SqlStorage)
        storage = made
        url = storage.engine.url.render_as_string(hide_password=False)
    secret = _setup(storage)
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[str] = context.Queue()
    processes = [
        context.Process(target=_process_worker, args=(url, secret, 10, queue)) for _ in range(4)
    ]
    for p in processes:
        p.start()
    outcomes = [queue.get(timeout=120) for _ in range(40)]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert set(outcomes) <= {"committed", "conflict"}
    assert _failed_logins(storage, secret) == outcomes.count("committed")
