"""Issue 15 item 2: reads that never block writers.

A reading unit of work (``uow.reading()``) reads one snapshot, takes no write lock and
refuses every write with ``read_only_unit_of_work``, on every adapter. On SQLite a
login no longer waits for a large ``audit.verify()``: the test holds verify inside its
reading transaction and checks the login finishes first (ordering, not wall clock).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from softtoken import LoginType, StateError
from softtoken.audit import AuditEntry
from softtoken.storage._audit_table import AuditTable
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory

from ..helpers.otp import PASSWORD, USER, registered
from ..helpers.storage import snapshot


def test_a_write_in_a_reading_unit_of_work_is_refused(harness: Harness) -> None:
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="Somchai", last_name="Jaidee")
    before = snapshot(harness)
    entry = AuditEntry(at=datetime.now(UTC), actor="system", action="t", subject="s")
    with soft.unit_of_work().reading() as reader:
        tx = reader.transaction
        attempts: list[Callable[[], object]] = [
            lambda: reader.audit.append(entry),
            lambda: tx.insert("st_audit_head", {"id": 99, "seq": 0, "hash": "0", "mac": None}),
            lambda: tx.update("st_accounts", [("user_id", "=", USER)], {"first_name": "X"}),
            lambda: tx.delete("st_accounts", []),
            lambda: tx.select("st_audit_head", [("id", "=", 1)], for_update=True),
            reader.commit,
        ]
        for attempt in attempts:
            with pytest.raises(StateError) as caught:
                attempt()
            assert caught.value.code == "read_only_unit_of_work"
        assert tx.select("st_accounts", [("user_id", "=", USER)])  # reads still work after
    assert snapshot(harness) == before


def test_a_reading_unit_of_work_keeps_its_snapshot(storage: MemoryStorage | SqlStorage) -> None:
    harness = in_memory(storage=storage)
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="Somchai", last_name="Jaidee")
    if isinstance(storage, MemoryStorage):
        pytest.skip("the memory adapter's reader holds its lock: a writer waits instead")
    with soft.unit_of_work().reading() as reader:
        seen = reader.audit.heads()
        soft.accounts.issue_temporary_password(USER)  # another transaction commits
        assert reader.audit.heads() == seen
        assert len(reader.audit.records()) == 1
    assert len(soft.audit.records()) == 2


def test_a_login_during_a_large_verify_is_not_blocked_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = SqlStorage(f"sqlite:///{tmp_path / 'softtoken.db'}")
    storage.create_schema()
    harness = in_memory(storage=storage)
    soft = harness.softtoken
    registered(soft, login_type=LoginType.PASSWORD)
    for _ in range(20):
        soft.accounts.get(USER)
    count = soft.audit.verify()

    inside, release = threading.Event(), threading.Event()
    original = AuditTable.records

    def paused(self: AuditTable, **kwargs: object) -> object:
        rows = original(self, **kwargs)  # type: ignore[arg-type]
        inside.set()
        release.wait(60)
        return rows

    monkeypatch.setattr(AuditTable, "records", paused)
    verified: list[int] = []
    verifier = threading.Thread(target=lambda: verified.append(soft.audit.verify()))
    verifier.start()
    try:
        assert inside.wait(30), "verify did not reach its records"
        done = threading.Event()

        def log_in() -> None:
            soft.login.password(USER, PASSWORD)
            done.set()

        login = threading.Thread(target=log_in)
        login.start()
        # The login commits while verify still holds its transaction open. Before
        # reading units of work, verify's BEGIN IMMEDIATE held the write lock and the
        # login waited for it (30 s busy timeout), so this wait ran out first.
        assert done.wait(25), "the login waited for verify"
        assert verifier.is_alive()
    finally:
        release.set()
        verifier.join(60)
    monkeypatch.undo()
    assert verified == [count]  # verify read its snapshot, from before the login
    assert soft.audit.verify() > count  # the login's records, verified next time
    storage.close()


def test_a_reading_transaction_on_postgresql_is_a_read_only_snapshot_at_the_server(
    pg_storage: SqlStorage,
) -> None:
    """The snapshot rides on psycopg's BEGIN (no statement of its own), and the server
    itself refuses writes in it; a writing transaction after it on the same pooled
    connection is READ COMMITTED and writable again."""

    def settings(read_only: bool) -> tuple[str, str]:
        tx = pg_storage.begin(read_only=read_only)
        try:
            connection = tx._connection
            return (
                str(connection.exec_driver_sql("SHOW transaction_isolation").scalar()),
                str(connection.exec_driver_sql("SHOW transaction_read_only").scalar()),
            )
        finally:
            tx.rollback()

    assert settings(read_only=True) == ("repeatable read", "on")
    assert settings(read_only=False) == ("read committed", "off")
    assert settings(read_only=True) == ("repeatable read", "on")
    tx = pg_storage.begin(read_only=True)
    try:
        with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            tx._connection.exec_driver_sql("UPDATE st_audit_head SET seq = seq WHERE id = 0")
    finally:
        tx.rollback()
