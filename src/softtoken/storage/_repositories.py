"""Repositories, written once on the row-store port, so every adapter shares them.

:class:`VersionedTable` is the pattern for every aggregate: a record class, a pair of
functions between record and row, and the table's key columns. ``add`` stores version 1;
``update`` is a conditional update on the version the caller read, and raises
:class:`~softtoken.errors.ConcurrencyError` when someone else wrote first.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

import attrs

from softtoken.accounts import _boundary
from softtoken.accounts._account import Account, AccountStatus, LoginType
from softtoken.accounts._identifiers import CitizenId, DisbursementUnitCode, Email, UserId
from softtoken.errors import ConcurrencyError, Conflict, NotFound
from softtoken.ports import Predicate, Row, Transaction

__all__ = [
    "AccountTable",
    "FlatTable",
    "VersionedTable",
    "row_datetime",
    "row_optional_datetime",
    "row_optional_text",
]

R = TypeVar("R")


class VersionedTable(ABC, Generic[R]):
    """Load and store one aggregate type with optimistic concurrency."""

    table: str
    key_columns: tuple[str, ...]
    not_found_code = "record_not_found"
    exists_code = "record_exists"

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    # Subclasses give the mapping both ways.
    @abstractmethod
    def to_row(self, record: R) -> Row: ...

    @abstractmethod
    def from_row(self, row: Row) -> R: ...

    def _key_where(self, key: Sequence[object]) -> list[Predicate]:
        return [(c, "=", v) for c, v in zip(self.key_columns, key, strict=True)]

    def find_by_key(self, *key: object) -> R | None:
        if not all(_boundary.storable_key(part) for part in key):
            return None  # never stored: no NUL, surrogate or dict reaches the database
        rows = self._tx.select(self.table, self._key_where(key))
        return self.from_row(rows[0]) if rows else None

    def get_by_key(self, *key: object) -> R:
        found = self.find_by_key(*key)
        if found is None:
            raise NotFound(self.not_found_code)
        return found

    def lock_by_key(self, *key: object) -> R:
        """:meth:`get_by_key`, holding the row until the unit of work ends
        (``SELECT ... FOR UPDATE``). A caller that reaches it second waits for the first
        to commit and then reads what the first wrote, so a one-time record consumed by
        a racing call is seen as consumed before anything else is checked."""
        if not all(_boundary.storable_key(part) for part in key):
            raise NotFound(self.not_found_code)
        rows = self._tx.select(self.table, self._key_where(key), for_update=True)
        if not rows:
            raise NotFound(self.not_found_code)
        return self.from_row(rows[0])

    def find_where(
        self, where: Sequence[Predicate], *, order_by: Sequence[str] = (), limit: int | None = None
    ) -> list[R]:
        rows = self._tx.select(self.table, where, order_by=order_by, limit=limit)
        return [self.from_row(r) for r in rows]

    def add(self, record: R) -> R:
        stored = attrs.evolve(record, version=1)  # type: ignore[misc]
        try:
            self._tx.insert(self.table, self.to_row(stored))
        except Conflict as error:
            raise Conflict(self.exists_code, detail=error.detail) from None
        return stored

    def update(self, record: R) -> R:
        version: int = record.version  # type: ignore[attr-defined]
        row = self.to_row(record)
        key = [row[c] for c in self.key_columns]
        values = {k: v for k, v in row.items() if k not in self.key_columns}
        values["version"] = version + 1
        where = [*self._key_where(key), ("version", "=", version)]
        try:
            matched = self._tx.update(self.table, where, values)
        except Conflict as error:
            raise Conflict(self.exists_code, detail=error.detail) from None
        if matched != 1:
            raise ConcurrencyError(detail=f"{self.table} {key} is no longer at version {version}")
        return attrs.evolve(record, version=version + 1)  # type: ignore[misc]


class FlatTable(VersionedTable[R]):
    """A repository for a record whose fields are its columns, one to one. Enum fields
    are stored by value and tuple fields as JSON lists; columns the record does not have
    (derived ones a subclass adds in ``to_row``) are ignored on the way back."""

    record_type: type[R]
    enums: ClassVar[Mapping[str, type[Enum]]] = {}
    tuples: ClassVar[frozenset[str]] = frozenset()

    def to_row(self, record: R) -> Row:
        row = attrs.asdict(record, recurse=False)  # type: ignore[arg-type]
        for name in self.enums:
            row[name] = row[name].value
        for name in self.tuples:
            row[name] = list(row[name])
        return row

    def from_row(self, row: Row) -> R:
        names = {f.name for f in attrs.fields(self.record_type)}  # type: ignore[arg-type]
        values: dict[str, Any] = {k: v for k, v in row.items() if k in names}
        for name, kind in self.enums.items():
            values[name] = kind(values[name])
        for name in self.tuples:
            values[name] = tuple(values[name])
        return self.record_type(**values)


def _opt(parse: Callable[[str], R], value: object) -> R | None:
    return None if value is None else parse(str(value))


def row_datetime(value: object) -> datetime:
    """A time column's value (adapters return aware UTC datetimes)."""
    assert isinstance(value, datetime)  # noqa: S101 - the schema guarantees it
    return value


def row_optional_datetime(value: object) -> datetime | None:
    return None if value is None else row_datetime(value)


def row_optional_text(value: object) -> str | None:
    return None if value is None else str(value)


_when, _maybe_when = row_datetime, row_optional_datetime


class AccountTable(VersionedTable[Account]):
    table = "st_accounts"
    key_columns = ("user_id",)
    not_found_code = "account_not_found"
    exists_code = "account_exists"

    def to_row(self, record: Account) -> Row:
        return {
            "user_id": record.user_id.value,
            "first_name": record.first_name,
            "last_name": record.last_name,
            "email": record.email.value if record.email else None,
            "disbursement_unit": record.disbursement_unit.value
            if record.disbursement_unit
            else None,
            "citizen_id": record.citizen_id.value if record.citizen_id else None,
            "login_type": record.login_type.value,
            "status": record.status.value,
            "password_hash": record.password_hash,
            "must_change_password": record.must_change_password,
            "password_expires_at": record.password_expires_at,
            "failed_logins": record.failed_logins,
            "locked_until": record.locked_until,
            "last_login_at": record.last_login_at,
            "registration_completed": record.registration_completed,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
            "closed_at": record.closed_at,
            "version": record.version,
        }

    def from_row(self, row: Row) -> Account:
        # Stored values were validated on the way in; rebuild without re-parsing.
        return Account(
            user_id=UserId(str(row["user_id"])),
            first_name=str(row["first_name"]),
            last_name=str(row["last_name"]),
            email=_opt(Email, row["email"]),
            disbursement_unit=_opt(DisbursementUnitCode, row["disbursement_unit"]),
            citizen_id=_opt(CitizenId, row["citizen_id"]),
            login_type=LoginType(str(row["login_type"])),
            status=AccountStatus(str(row["status"])),
            password_hash=None if row["password_hash"] is None else str(row["password_hash"]),
            must_change_password=bool(row["must_change_password"]),
            password_expires_at=_maybe_when(row["password_expires_at"]),
            failed_logins=int(row["failed_logins"]),  # type: ignore[call-overload]
            locked_until=_maybe_when(row["locked_until"]),
            last_login_at=_maybe_when(row["last_login_at"]),
            registration_completed=bool(row["registration_completed"]),
            created_at=_when(row["created_at"]),
            updated_at=_when(row["updated_at"]),
            closed_at=_maybe_when(row.get("closed_at")),
            version=int(row["version"]),  # type: ignore[call-overload]
        )

    def get(self, user_id: UserId) -> Account:
        return self.get_by_key(user_id.value)

    def find(self, user_id: UserId) -> Account | None:
        return self.find_by_key(user_id.value)

    def list(self, *, limit: int = 100, after: UserId | None = None) -> list[Account]:
        where: list[Predicate] = [("user_id", ">", after.value)] if after else []
        return self.find_where(where, order_by=("user_id",), limit=limit)

    def with_email(self, email: Email) -> builtins.list[Account]:
        return self.find_where([("email", "=", email.value)], order_by=("user_id",))
