"""Issue 16 item 2: the database fails under a call. Only library errors leave the call
(``StorageUnavailable`` for the failure itself), a failed rollback never hides the error
in flight, dead connections leave the pool, and the next call succeeds."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Self

import attrs
import pytest
import sqlalchemy as sa

from softtoken import NotFound, SoftTokenError, StorageUnavailable
from softtoken.ports import Storage
from softtoken.storage import StorageUnitOfWork
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory

USER = "T05005000000201"
MISSING = "T05005000009999"


def _account(harness: Harness, user_id: str = USER) -> None:
    harness.softtoken.accounts.create(
        user_id=user_id, first_name="Somchai", last_name="Jaidee", email=f"{user_id}@example.go.th"
    )


def _touch(harness: Harness, user_id: str = USER) -> int:
    """One write transaction on the account; returns the version it read."""
    soft = harness.softtoken
    uid = soft.context.user_id(user_id)

    def work(uow: StorageUnitOfWork) -> int:
        account = uow.accounts.get(uid)
        uow.accounts.update(attrs.evolve(account, updated_at=harness.clock.now()))
        return account.version

    return soft.context.transact(work)


def _driver_error(storage: SqlStorage, text: str) -> Exception:
    error: Exception = storage.engine.dialect.loaded_dbapi.OperationalError(text)
    return error


def _break(storage: Storage, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """Make ``step`` (commit or rollback) fail the way a dropped connection does: a raw
    driver error on SQL; on the memory adapter (which cannot lose a connection) the
    typed error any adapter's transaction may raise."""
    if isinstance(storage, SqlStorage):
        error = _driver_error(storage, "server closed the connection unexpectedly")

        def fail(_connection: Any) -> None:
            raise error

        monkeypatch.setattr(storage.engine.dialect, f"do_{step}", fail)
    else:
        assert isinstance(storage, MemoryStorage)
        kind = type(storage.begin())
        original = getattr(kind, step)

        def fail_after(self: Any) -> None:
            original(self)  # release what the transaction holds, then report a failure
            raise StorageUnavailable(detail="played outage")

        monkeypatch.setattr(kind, step, fail_after)


def test_i2_a_commit_that_fails_raises_storage_unavailable(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = in_memory(storage=storage)
    _account(harness)
    with monkeypatch.context() as patch:
        _break(storage, patch, "commit")
        with pytest.raises(StorageUnavailable) as caught:
            _touch(harness)
    assert caught.value.code == "storage_unavailable"
    # The next call succeeds, on a connection the pool did not hand back broken.
    assert _touch(harness) >= 1
    assert _touch(harness) >= 2


def test_i2_a_failed_rollback_never_masks_the_error_in_flight(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = in_memory(storage=storage)
    _account(harness)
    soft = harness.softtoken
    missing = soft.context.user_id(MISSING)
    with monkeypatch.context() as patch:
        _break(storage, patch, "rollback")
        with pytest.raises(NotFound) as caught:
            soft.context.transact(lambda uow: uow.accounts.get(missing))
        assert caught.value.code == "account_not_found"
        # A call that only read keeps its answer: a rollback that failed wrote nothing.
        with soft.unit_of_work() as uow:
            assert uow.accounts.get(soft.context.user_id(USER)).user_id.value == USER
    assert _touch(harness) >= 1


def test_i2_a_statement_that_fails_raises_storage_unavailable(
    sql_storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = in_memory(storage=sql_storage)
    _account(harness)
    error = _driver_error(sql_storage, "terminating connection due to administrator command")
    original = sql_storage.engine.dialect.do_execute

    def fail_updates(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            raise error
        original(cursor, statement, parameters, context)

    with monkeypatch.context() as patch:
        patch.setattr(sql_storage.engine.dialect, "do_execute", fail_updates)
        patch.setattr(sql_storage.engine.dialect, "do_rollback", _raising(error))
        with pytest.raises(StorageUnavailable):
            _touch(harness)
    assert _touch(harness) >= 1


def _raising(error: Exception) -> Any:
    def fail(*_args: Any) -> None:
        raise error

    return fail


class _Killer:
    """Another connection that terminates every other backend of the database, again
    and again, until stopped: what the fault run of the issue did."""

    def __init__(self, url: sa.URL) -> None:
        self._engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self.killed = 0

    def _run(self) -> None:
        with self._engine.connect() as conn:
            while not self._stop.is_set():
                self.killed += len(
                    conn.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    ).fetchall()
                )
                time.sleep(0.02)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._engine.dispose()


def _calls_for(harness: Harness, user_id: str, seconds: float) -> tuple[list[str], list[str]]:
    """Write transactions on ``user_id`` for ``seconds``: the softtoken error codes seen,
    and any other exception (the test wants none)."""
    library: list[str] = []
    foreign: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _touch(harness, user_id)
        except SoftTokenError as error:
            library.append(error.code)
        except Exception as error:
            foreign.append(repr(error))
    return library, foreign


@pytest.mark.slow
def test_i2_backends_terminated_under_load_raise_only_library_errors(
    pg_storage: SqlStorage,
) -> None:
    """Backends are terminated mid-transaction and at commit while calls run; each call
    either works or raises a softtoken error, and once the killing stops the next call
    works on every thread."""
    harness = in_memory(storage=pg_storage)
    users = [f"T{5005000000300 + n:014d}" for n in range(4)]
    for user_id in users:
        _account(harness, user_id)
    with _Killer(pg_storage.engine.url) as killer, ThreadPoolExecutor(len(users)) as pool:
        results = list(pool.map(lambda u: _calls_for(harness, u, 3.0), users))
    library = [code for codes, _ in results for code in codes]
    foreign = [text for _, texts in results for text in texts]
    assert foreign == []
    assert killer.killed > 0
    assert library, "no call was hit: the test did not test anything"
    assert set(library) == {"storage_unavailable"}
    for user_id in users:  # the pool hands out live connections again
        assert _touch(harness, user_id) >= 1
