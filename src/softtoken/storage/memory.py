"""The in-memory storage adapter: for tests, demos and portals' own test suites.

It keeps rows in dictionaries, with the primary keys and unique constraints read from
the same :data:`softtoken.storage.sql.metadata` the SQL adapter uses, and gives each
transaction snapshot isolation on the rows it writes: the first transaction to commit a
change wins, and a later one that wrote the same row raises
:class:`~softtoken.errors.ConcurrencyError`, as the SQL adapter does. A transaction
that is not committed leaves nothing behind. ``for_update`` takes the store's lock
until the end of the transaction, the in-process equivalent of ``SELECT ... FOR UPDATE``.
A read-only transaction holds the same lock from start to end: its reads are one
consistent snapshot (writers wait for it, a cost only this test adapter pays).
Safe to share between threads; not shared between processes (use SQLite for that).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import attrs
import sqlalchemy as sa

from softtoken.errors import ConcurrencyError, Conflict
from softtoken.ports import Predicate, Row
from softtoken.storage._predicates import matches, sort_rows
from softtoken.storage._read_only import refused
from softtoken.storage.sql.schema import metadata as default_metadata

__all__ = ["MemoryStorage"]

_Key = tuple[object, ...]
_DELETED = None


@attrs.frozen
class _Spec:
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    uniques: tuple[tuple[str, ...], ...]
    #: Columns with a one-column index in the schema: equality lookups use a hash index.
    indexed: tuple[str, ...] = ()

    @classmethod
    def of(cls, table: sa.Table) -> _Spec:
        uniques = [
            tuple(c.name for c in con.columns)
            for con in table.constraints
            if isinstance(con, sa.UniqueConstraint)
        ]
        uniques += [tuple(c.name for c in ix.columns) for ix in table.indexes if ix.unique]
        uniques += [(c.name,) for c in table.columns if c.unique]
        single = [ix.columns[0] for ix in table.indexes if len(ix.columns) == 1]
        single += [c for c in table.columns if c.unique]
        hashable = [c.name for c in single if not isinstance(c.type, sa.JSON | sa.LargeBinary)]
        return cls(
            columns=tuple(c.name for c in table.columns),
            primary_key=tuple(c.name for c in table.primary_key.columns),
            uniques=tuple(dict.fromkeys(uniques)),
            indexed=tuple(dict.fromkeys(hashable)),
        )

    def key(self, row: Mapping[str, object]) -> _Key:
        return tuple(row[c] for c in self.primary_key)


class MemoryStorage:
    """Rows in dictionaries, transactions with first-committer-wins."""

    def __init__(self, metadata: sa.MetaData = default_metadata) -> None:
        self._metadata = metadata
        self._lock = threading.RLock()
        self._tables: dict[str, dict[_Key, Row]] = {}
        self._specs: dict[str, _Spec] = {}
        # table -> column -> value -> primary keys; kept in step with _tables at commit.
        self._indexes: dict[str, dict[str, dict[object, set[_Key]]]] = {}

    def spec(self, table: str) -> _Spec:
        spec = self._specs.get(table)
        if spec is None:
            # Tables may be added to the metadata after this store was made.
            spec = self._specs[table] = _Spec.of(self._metadata.tables[table])
        return spec

    def rows(self, table: str) -> dict[_Key, Row]:
        """The committed rows of ``table``; call with the lock held."""
        self.spec(table)
        return self._tables.setdefault(table, {})

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def index(self, table: str, column: str) -> dict[object, set[_Key]]:
        """The committed rows' keys by ``column`` value; call with the lock held."""
        return self._indexes.setdefault(table, {}).setdefault(column, {})

    def put(self, table: str, key: _Key, row: Row | None) -> None:
        """Commit ``row`` (None deletes) and keep the indexes in step; lock held."""
        committed = self.rows(table)
        old = committed.pop(key, None)
        spec = self.spec(table)
        for column in spec.indexed:
            if old is not None:
                keys = self.index(table, column).get(old[column])
                if keys is not None:
                    keys.discard(key)
            if row is not None:
                self.index(table, column).setdefault(row[column], set()).add(key)
        if row is not None:
            committed[key] = row

    def begin(self, *, read_only: bool = False) -> _MemoryTransaction:
        return _MemoryTransaction(self, read_only=read_only)

    def create_schema(self) -> None:
        with self._lock:
            for table in self._metadata.sorted_tables:
                self.rows(table.name)

    def close(self) -> None:
        """Nothing to release; the rows stay until the object is dropped."""


class _MemoryTransaction:
    def __init__(self, store: MemoryStorage, *, read_only: bool = False) -> None:
        self._store = store
        self._read_only = read_only
        # Rows this transaction wrote (None: deleted), and the committed row each one
        # replaced, compared by identity at commit to find a concurrent writer.
        self._writes: dict[str, dict[_Key, Row | None]] = {}
        self._bases: dict[tuple[str, _Key], Row | None] = {}
        self._holds_lock = False
        self._closed = False
        if read_only:
            store.lock.acquire()
            self._holds_lock = True

    # --- reading --------------------------------------------------------------------

    def _view(self, table: str, where: Sequence[Predicate]) -> dict[_Key, Row]:
        store = self._store
        spec = store.spec(table)
        writes = self._writes.get(table, {})
        with store.lock:
            committed = store.rows(table)
            pk = _point_lookup(spec, where)
            indexed = _indexed_lookup(spec, where)
            if pk is not None:
                row = committed.get(pk)
                found = {pk: row} if row is not None and matches(row, where) else {}
            elif indexed is not None:
                column, value = indexed
                candidates = store.index(table, column).get(value, set())
                found = {k: r for k in candidates if matches(r := committed[k], where)}
            else:
                found = {k: r for k, r in committed.items() if matches(r, where)}
        for key, row in writes.items():
            if row is _DELETED or not matches(row, where):
                found.pop(key, None)
            else:
                found[key] = row
        return found

    def select(
        self,
        table: str,
        where: Sequence[Predicate] = (),
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
        for_update: bool = False,
    ) -> list[Row]:
        self._check_open()
        if for_update and self._read_only:
            raise refused(f"select {table} for update")
        if for_update and not self._holds_lock:
            self._store.lock.acquire()
            self._holds_lock = True
        rows = sort_rows((dict(r) for r in self._view(table, where).values()), order_by)
        return rows[:limit] if limit is not None else rows

    # --- writing --------------------------------------------------------------------

    def _stage(self, table: str, key: _Key, row: Row | None) -> None:
        if (table, key) not in self._bases:
            with self._store.lock:
                self._bases[(table, key)] = self._store.rows(table).get(key)
        self._writes.setdefault(table, {})[key] = row

    def _check_unique(self, table: str, row: Row, key: _Key) -> None:
        spec = self._store.spec(table)
        for columns in spec.uniques:
            values = tuple(row[c] for c in columns)
            if any(v is None for v in values):
                continue
            clash = self._view(table, [(c, "=", v) for c, v in zip(columns, values, strict=True)])
            if any(k != key for k in clash):
                raise Conflict("record_exists", detail=f"{table}: {', '.join(columns)}")

    def insert(self, table: str, row: Mapping[str, object]) -> None:
        self._check_open()
        if self._read_only:
            raise refused(f"insert into {table}")
        spec = self._store.spec(table)
        full: Row = {c: row.get(c) for c in spec.columns}
        key = spec.key(full)
        if self._view(table, [(c, "=", v) for c, v in zip(spec.primary_key, key, strict=True)]):
            raise Conflict("record_exists", detail=f"{table}: primary key")
        self._check_unique(table, full, key)
        self._stage(table, key, full)

    def update(self, table: str, where: Sequence[Predicate], values: Mapping[str, object]) -> int:
        self._check_open()
        if self._read_only:
            raise refused(f"update of {table}")
        spec = self._store.spec(table)
        found = self._view(table, where)
        for key, row in found.items():
            new = {**row, **values}
            if spec.key(new) != key:
                msg = "primary keys are not updated"
                raise ValueError(msg)
            self._check_unique(table, new, key)
            self._stage(table, key, new)
        return len(found)

    def delete(self, table: str, where: Sequence[Predicate]) -> int:
        self._check_open()
        if self._read_only:
            raise refused(f"delete of {table}")
        found = self._view(table, where)
        for key in found:
            self._stage(table, key, _DELETED)
        return len(found)

    # --- ending ---------------------------------------------------------------------

    def commit(self) -> None:
        self._check_open()
        store = self._store
        try:
            with store.lock:
                for (table, key), base in self._bases.items():
                    if store.rows(table).get(key) is not base:
                        raise ConcurrencyError(detail=f"{table} changed by another transaction")
                for table, writes in self._writes.items():
                    # A concurrent commit may have taken a unique value we also wrote.
                    self._check_unique_at_commit(table, store.rows(table), writes)
                for table, writes in self._writes.items():
                    for key, row in writes.items():
                        store.put(table, key, row)
        finally:
            self._end()

    def _check_unique_at_commit(
        self, table: str, committed: dict[_Key, Row], writes: dict[_Key, Row | None]
    ) -> None:
        store = self._store
        spec = store.spec(table)
        for columns in spec.uniques:
            if len(columns) == 1 and columns[0] in spec.indexed:
                self._check_unique_by_index(table, columns[0], writes)
                continue
            taken = {
                tuple(row[c] for c in columns)
                for key, row in committed.items()
                if key not in writes
            }
            for row in writes.values():
                if row is _DELETED:
                    continue
                values = tuple(row[c] for c in columns)
                if all(v is not None for v in values) and values in taken:
                    raise Conflict("record_exists", detail=f"{table}: {', '.join(columns)}")
                taken.add(values)

    def _check_unique_by_index(
        self, table: str, column: str, writes: dict[_Key, Row | None]
    ) -> None:
        index = self._store.index(table, column)
        mine: dict[object, _Key] = {}
        for key, row in writes.items():
            if row is _DELETED or row[column] is None:
                continue
            value = row[column]
            others = index.get(value, set()) - writes.keys()
            if others or (value in mine and mine[value] != key):
                raise Conflict("record_exists", detail=f"{table}: {column}")
            mine[value] = key

    def rollback(self) -> None:
        if not self._closed:
            self._end()

    def _end(self) -> None:
        self._closed = True
        self._writes.clear()
        self._bases.clear()
        if self._holds_lock:
            self._holds_lock = False
            self._store.lock.release()

    def _check_open(self) -> None:
        if self._closed:
            msg = "this transaction has ended"
            raise RuntimeError(msg)


def _point_lookup(spec: _Spec, where: Sequence[Predicate]) -> _Key | None:
    """The primary key when ``where`` pins every key column with ``=`` (other predicates,
    such as a version check, are then tested on that one row instead of a scan)."""
    pinned = {column: value for column, op, value in where if op == "="}
    if not set(spec.primary_key) <= set(pinned):
        return None
    return tuple(pinned[c] for c in spec.primary_key)


def _indexed_lookup(spec: _Spec, where: Sequence[Predicate]) -> tuple[str, object] | None:
    """An ``=`` predicate on an indexed column, to narrow the rows before filtering."""
    for column, op, value in where:
        if op == "=" and column in spec.indexed:
            try:
                hash(value)
            except TypeError:
                continue
            return column, value
    return None
