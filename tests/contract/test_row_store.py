"""The row-store port, the same on every adapter: predicates, ordering, uniqueness,
rollback, and first-committer-wins on a conditional update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from softtoken import ConcurrencyError, Conflict
from softtoken.ports import Predicate, Storage

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def account_row(user_id: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "user_id": user_id,
        "first_name": "A",
        "last_name": "B",
        "email": None,
        "disbursement_unit": None,
        "citizen_id": None,
        "login_type": "password",
        "status": "active",
        "password_hash": None,
        "must_change_password": False,
        "password_expires_at": None,
        "failed_logins": 0,
        "locked_until": None,
        "last_login_at": None,
        "registration_completed": False,
        "created_at": T0,
        "updated_at": T0,
        "version": 1,
    }
    row.update(changes)
    return row


def seed(storage: Storage, *rows: dict[str, object]) -> None:
    tx = storage.begin()
    for row in rows:
        tx.insert("st_accounts", row)
    tx.commit()


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [r["user_id"] for r in rows]


def test_predicates_and_ordering(storage: Storage) -> None:
    seed(
        storage,
        account_row("T00000000000001", failed_logins=3, locked_until=T0),
        account_row("T00000000000002", failed_logins=1),
        account_row("T00000000000003", failed_logins=5, locked_until=T0 + timedelta(1)),
    )
    tx = storage.begin()
    try:
        assert ids(
            tx.select("st_accounts", [("failed_logins", ">=", 3)], order_by=("user_id",))
        ) == ["T00000000000001", "T00000000000003"]
        assert ids(tx.select("st_accounts", [("locked_until", "is_null", None)])) == [
            "T00000000000002"
        ]
        assert ids(tx.select("st_accounts", [("locked_until", "<", T0 + timedelta(hours=1))])) == [
            "T00000000000001"
        ]
        assert ids(tx.select("st_accounts", [("user_id", "in", ["T00000000000002"])])) == [
            "T00000000000002"
        ]
        assert ids(tx.select("st_accounts", order_by=("-failed_logins",), limit=2)) == [
            "T00000000000003",
            "T00000000000001",
        ]
        assert ids(
            tx.select("st_accounts", [("failed_logins", "!=", 1)], order_by=("user_id",))
        ) == ["T00000000000001", "T00000000000003"]
    finally:
        tx.rollback()


def test_primary_key_clash_is_a_conflict(storage: Storage) -> None:
    seed(storage, account_row("T00000000000001"))
    tx = storage.begin()
    with pytest.raises(Conflict):
        tx.insert("st_accounts", account_row("T00000000000001"))
    tx.rollback()


def test_a_transaction_sees_its_own_writes_and_others_do_not(storage: Storage) -> None:
    seed(storage, account_row("T00000000000001"))
    writer = storage.begin()
    assert (
        writer.update(
            "st_accounts", [("user_id", "=", "T00000000000001")], {"first_name": "Changed"}
        )
        == 1
    )
    assert writer.select("st_accounts")[0]["first_name"] == "Changed"
    writer.rollback()
    reader = storage.begin()
    assert reader.select("st_accounts")[0]["first_name"] == "A"
    reader.rollback()


def test_delete(storage: Storage) -> None:
    seed(storage, account_row("T00000000000001"), account_row("T00000000000002"))
    tx = storage.begin()
    assert tx.delete("st_accounts", [("user_id", "=", "T00000000000001")]) == 1
    tx.commit()
    tx = storage.begin()
    assert ids(tx.select("st_accounts")) == ["T00000000000002"]
    tx.rollback()


def test_conditional_update_first_committer_wins(storage: Storage) -> None:
    seed(storage, account_row("T00000000000001"))
    where: list[Predicate] = [("user_id", "=", "T00000000000001"), ("version", "=", 1)]
    first = storage.begin()
    assert first.update("st_accounts", where, {"first_name": "First", "version": 2}) == 1
    first.commit()
    second = storage.begin()
    assert second.update("st_accounts", where, {"first_name": "Second", "version": 2}) == 0
    second.rollback()
    check = storage.begin()
    assert check.select("st_accounts")[0]["first_name"] == "First"
    check.rollback()


def test_memory_interleaved_writers_conflict_at_commit() -> None:
    from softtoken.storage.memory import MemoryStorage

    storage = MemoryStorage()
    seed(storage, account_row("T00000000000001"))
    where: list[Predicate] = [("user_id", "=", "T00000000000001"), ("version", "=", 1)]
    a, b = storage.begin(), storage.begin()
    assert a.update("st_accounts", where, {"first_name": "A", "version": 2}) == 1
    assert b.update("st_accounts", where, {"first_name": "B", "version": 2}) == 1
    a.commit()
    with pytest.raises(ConcurrencyError):
        b.commit()
    check = storage.begin()
    assert check.select("st_accounts")[0]["first_name"] == "A"
    check.rollback()


def test_datetimes_come_back_aware_in_utc_with_microseconds(storage: Storage) -> None:
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    seed(storage, account_row("T00000000000001", locked_until=moment))
    tx = storage.begin()
    stored = tx.select("st_accounts")[0]["locked_until"]
    tx.rollback()
    assert stored == moment
    assert isinstance(stored, datetime)
    assert stored.utcoffset() == timedelta(0)
