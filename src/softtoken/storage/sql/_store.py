"""The SQL storage adapter on SQLAlchemy Core: SQLite (the embedded default),
PostgreSQL (psycopg 3) and MariaDB/MySQL (PyMySQL).

Rules are kept by the database alone, so many portal processes can share it:
versions and one-time use are conditional ``UPDATE ... WHERE version = :v`` statements
whose row count tells who won; unique constraints bind emails and keys; the audit chain
heads are taken with ``SELECT ... FOR UPDATE``. On SQLite every writing transaction
starts with ``BEGIN IMMEDIATE``, which takes the database's write lock up front, so two
processes never both read a row and then fight over writing it.

A read-only transaction (``begin(read_only=True)``) reads one snapshot and never holds
up a writer: a deferred ``BEGIN`` on SQLite (in WAL mode its first read fixes the
snapshot), ``REPEATABLE READ, READ ONLY`` on PostgreSQL, ``START TRANSACTION WITH
CONSISTENT SNAPSHOT, READ ONLY`` on MariaDB/MySQL. Writes in it are refused here,
before they reach the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

from softtoken.errors import ConcurrencyError, ConfigurationError, Conflict, StorageUnavailable
from softtoken.ports import Predicate, Row
from softtoken.storage._read_only import refused
from softtoken.storage.sql.schema import metadata as default_metadata

__all__ = ["SqlStorage"]


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted and overwritten rows are zeroed in the file, not left in free space:
    # erasure (soft.privacy.erase) must leave no personal data in the database file.
    cursor.execute("PRAGMA secure_delete=ON")
    # Write-ahead logging: one fsync per commit instead of two, and readers never
    # wait for the writer. synchronous stays FULL, so a commit survives power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


_READ_ONLY = "softtoken_read_only"


def _sqlite_begin(conn: Connection) -> None:
    # A reader's deferred BEGIN takes no lock; in WAL mode its first read fixes the
    # snapshot it keeps, and writers go on committing beside it.
    read_only = conn.get_execution_options().get(_READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


#: The first statement of a read-only transaction on MariaDB/MySQL: one snapshot for all
#: its reads (verify reads heads and records that must agree), and no writes.
_SNAPSHOT = {
    "mysql": "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
    "mariadb": "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
}
#: The same on PostgreSQL, as connection settings psycopg sends with its own ``BEGIN``
#: (``BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY``): no round trip of its own; the
#: pool puts the connection's defaults back when it is returned.
_POSTGRES_SNAPSHOT = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}


def _sqlite_begin_immediate(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions lazily and never with
    # IMMEDIATE; take it over, as SQLAlchemy's documentation recommends. Once per
    # engine: a second SqlStorage on the same engine must not begin twice.
    if not event.contains(engine, "begin", _sqlite_begin):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


#: Errors SQLAlchemy raises about a connection it can no longer use (a failed one not yet
#: rolled back, a closed one, a pool with no connection free in time); not driver errors.
_CONNECTION_STATE = (exc.PendingRollbackError, exc.ResourceClosedError, exc.TimeoutError)


def _describe(error: exc.DBAPIError) -> str:
    """The driver's error class and SQLSTATE, never its message (which may quote values)."""
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code is None and orig is not None and orig.args and isinstance(orig.args[0], int):
        code = orig.args[0]  # PyMySQL puts the server's error number first
    name = type(orig).__name__ if orig is not None else type(error).__name__
    return f"{name} {code}" if code else name


def _is_concurrency_failure(error: exc.DBAPIError) -> bool:
    text = str(error.orig).lower()
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return (
        code in {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock timeout
        or "database is locked" in text
        or "deadlock" in text
        or "lock wait timeout" in text
    )


class SqlStorage:
    """A storage adapter on one SQLAlchemy engine.

    Args:
        url_or_engine: a database URL (``sqlite:///softtoken.db``,
            ``postgresql+psycopg://host/db``, ``mysql+pymysql://root@host/db``) or an
            engine the host application already has.
        metadata: the tables; the default is :data:`softtoken.storage.sql.metadata`.
    """

    def __init__(
        self, url_or_engine: str | Engine, *, metadata: sa.MetaData = default_metadata
    ) -> None:
        if isinstance(url_or_engine, Engine):
            self.engine = url_or_engine
        else:
            url = sa.make_url(url_or_engine)
            kwargs: dict[str, Any] = {}
            if url.get_backend_name() == "sqlite" and url.database in {None, "", ":memory:"}:
                # Each connection would see its own empty database.
                raise ConfigurationError(
                    detail="in-memory SQLite is not shared between connections: "
                    "use memory:// for the memory adapter, or a SQLite file"
                )
            if url.get_backend_name() == "sqlite":
                kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            elif url.get_backend_name() in {"mysql", "mariadb"}:
                kwargs["pool_recycle"] = 3600
            # A server may drop idle connections; a SQLite file cannot, so no ping there.
            ping = url.get_backend_name() != "sqlite"
            self.engine = sa.create_engine(url, pool_pre_ping=ping, **kwargs)
        if self.engine.dialect.name == "sqlite":
            _sqlite_begin_immediate(self.engine)
        self.metadata = metadata
        self._statements = _Statements(metadata)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def begin(self, *, read_only: bool = False) -> SqlTransaction:
        try:
            connection = self.engine.connect()
            if read_only:
                connection.execution_options(**{_READ_ONLY: True})
                if self.dialect == "postgresql":
                    connection.execution_options(**_POSTGRES_SNAPSHOT)
            connection.begin()
            if read_only and self.dialect in _SNAPSHOT:
                connection.exec_driver_sql(_SNAPSHOT[self.dialect])
        except exc.DBAPIError as error:
            if _is_concurrency_failure(error):
                raise ConcurrencyError(detail="the database is busy") from error
            raise StorageUnavailable(detail=_describe(error)) from error
        except _CONNECTION_STATE as error:  # the pool ran out of connections in time
            raise StorageUnavailable(detail=type(error).__name__) from error
        return SqlTransaction(connection, self._statements, read_only=read_only)

    def create_schema(self) -> None:
        """Bring the tables to this version's schema: create them in an empty database,
        upgrade an older one (``softtoken.storage.sql.migrations``). Tables of a
        metadata of the host's own are created where missing, as ``create_all`` does."""
        if self.metadata is not default_metadata:
            self.metadata.create_all(self.engine)
            return
        from softtoken.storage.sql import migrations  # noqa: PLC0415 - Alembic loads lazily

        migrations.ensure_current(self.engine)

    def drop_schema(self) -> None:
        """Drop every softtoken table: for test suites that share a database."""
        self.metadata.drop_all(self.engine)
        if self.metadata is default_metadata:
            from softtoken.storage.sql.migrations import VERSION_TABLE  # noqa: PLC0415

            with self.engine.begin() as connection:
                connection.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))

    def close(self) -> None:
        self.engine.dispose()


_Shape = tuple[tuple[str, str], ...]
_COMPARISONS: dict[str, Any] = {
    "=": lambda column, param: column == param,
    "!=": lambda column, param: column != param,
    "<": lambda column, param: column < param,
    "<=": lambda column, param: column <= param,
    ">": lambda column, param: column > param,
    ">=": lambda column, param: column >= param,
}


def _condition(table: sa.Table, index: int, name: str, op: str) -> sa.ColumnElement[bool]:
    """One predicate with a bound parameter ``w<index>`` in place of its value."""
    column = table.c[name]
    if op == "is_null":
        return column.is_(None)
    if op == "not_null":
        return column.is_not(None)
    if op == "in":
        return column.in_(sa.bindparam(f"w{index}", expanding=True))
    return _COMPARISONS[op](column, sa.bindparam(f"w{index}", type_=column.type))  # type: ignore[no-any-return]


def _params(where: Sequence[Predicate]) -> tuple[_Shape, dict[str, Any]]:
    shape = tuple((name, op) for name, op, _ in where)
    params = {
        f"w{i}": list(value) if op == "in" else value  # type: ignore[call-overload]
        for i, (_, op, value) in enumerate(where)
        if op not in {"is_null", "not_null"}
    }
    return shape, params


class _Statements:
    """Statements built once per shape (table, columns, operators, ordering) and reused
    with bound parameters: building SQLAlchemy expressions costs more than running them
    on an embedded or nearby database."""

    def __init__(self, metadata: sa.MetaData) -> None:
        self._metadata = metadata
        self._cache: dict[tuple[object, ...], Any] = {}

    def _table(self, name: str) -> sa.Table:
        return self._metadata.tables[name]

    def _built(self, key: tuple[object, ...], build: Any) -> Any:
        statement = self._cache.get(key)
        if statement is None:
            statement = self._cache[key] = build()
        return statement

    def select(
        self, table: str, shape: _Shape, order_by: tuple[str, ...], limit: bool, lock: bool
    ) -> sa.Select[Any]:
        def build() -> sa.Select[Any]:
            t = self._table(table)
            statement = sa.select(t).where(
                *(_condition(t, i, name, op) for i, (name, op) in enumerate(shape))
            )
            for key in order_by:
                column = t.c[key.lstrip("-")]
                statement = statement.order_by(
                    column.desc() if key.startswith("-") else column.asc()
                )
            if limit:
                statement = statement.limit(sa.bindparam("row_limit", type_=sa.Integer))
            return statement.with_for_update() if lock else statement

        return self._built(("select", table, shape, order_by, limit, lock), build)  # type: ignore[no-any-return]

    def update(self, table: str, shape: _Shape, columns: tuple[str, ...]) -> sa.Update:
        def build() -> sa.Update:
            t = self._table(table)
            return (
                sa.update(t)
                .where(*(_condition(t, i, name, op) for i, (name, op) in enumerate(shape)))
                .values({c: sa.bindparam(f"v_{c}", type_=t.c[c].type) for c in columns})
            )

        return self._built(("update", table, shape, columns), build)  # type: ignore[no-any-return]

    def delete(self, table: str, shape: _Shape) -> sa.Delete:
        def build() -> sa.Delete:
            t = self._table(table)
            return sa.delete(t).where(
                *(_condition(t, i, name, op) for i, (name, op) in enumerate(shape))
            )

        return self._built(("delete", table, shape), build)  # type: ignore[no-any-return]

    def insert(self, table: str) -> sa.Insert:
        return self._built(("insert", table), lambda: sa.insert(self._table(table)))  # type: ignore[no-any-return]


class SqlTransaction:
    """One connection and its open transaction.

    Every failure leaves as a library error: a unique clash as ``Conflict``, a lost race
    (deadlock, serialization failure, lock timeout) as ``ConcurrencyError``, anything
    else the driver or the pool reports as ``StorageUnavailable``. A connection that
    failed that way is invalidated, so the pool never hands it out again, whether or not
    the driver recognised a disconnect."""

    def __init__(
        self, connection: Connection, statements: _Statements, *, read_only: bool = False
    ) -> None:
        self._connection = connection
        self._statements = statements
        self._read_only = read_only

    def _writable(self, what: str) -> None:
        if self._read_only:
            raise refused(what)

    def _unavailable(self, error: exc.SQLAlchemyError) -> StorageUnavailable:
        """Drop the connection and describe ``error`` for the caller."""
        with contextlib.suppress(exc.SQLAlchemyError):
            self._connection.invalidate()
        detail = _describe(error) if isinstance(error, exc.DBAPIError) else type(error).__name__
        return StorageUnavailable(detail=detail)

    def _execute(
        self, statement: sa.Executable, params: Mapping[str, Any] | None = None
    ) -> sa.CursorResult[Any]:
        try:
            return self._connection.execute(statement, dict(params or {}))
        except exc.IntegrityError as error:
            raise Conflict("record_exists", detail=type(error.orig).__name__) from error
        except exc.DBAPIError as error:
            if _is_concurrency_failure(error):
                raise ConcurrencyError(detail=type(error.orig).__name__) from error
            raise self._unavailable(error) from error
        except _CONNECTION_STATE as error:
            raise self._unavailable(error) from error

    def insert(self, table: str, row: Mapping[str, object]) -> None:
        self._writable(f"insert into {table}")
        self._execute(self._statements.insert(table), row)

    def select(
        self,
        table: str,
        where: Sequence[Predicate] = (),
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
        for_update: bool = False,
    ) -> list[Row]:
        if for_update:
            self._writable(f"select {table} for update")
        shape, params = _params(where)
        statement = self._statements.select(
            table, shape, tuple(order_by), limit is not None, for_update
        )
        if limit is not None:
            params["row_limit"] = limit
        return [dict(r._mapping) for r in self._execute(statement, params)]  # noqa: SLF001 - SQLAlchemy's public row API

    def update(self, table: str, where: Sequence[Predicate], values: Mapping[str, object]) -> int:
        self._writable(f"update of {table}")
        shape, params = _params(where)
        columns = tuple(sorted(values))
        params.update({f"v_{c}": values[c] for c in columns})
        return self._execute(self._statements.update(table, shape, columns), params).rowcount

    def delete(self, table: str, where: Sequence[Predicate]) -> int:
        self._writable(f"delete of {table}")
        shape, params = _params(where)
        return self._execute(self._statements.delete(table, shape), params).rowcount

    def commit(self) -> None:
        """Commit. ``StorageUnavailable`` here means the outcome is unknown: the server
        may have applied the transaction before the connection failed."""
        try:
            self._connection.commit()
        except exc.DBAPIError as error:
            if _is_concurrency_failure(error):
                raise ConcurrencyError(detail=type(error.orig).__name__) from error
            raise self._unavailable(error) from error
        except _CONNECTION_STATE as error:
            raise self._unavailable(error) from error
        finally:
            self._close()

    def rollback(self) -> None:
        try:
            self._connection.rollback()
        except (exc.DBAPIError, *_CONNECTION_STATE) as error:
            raise self._unavailable(error) from error
        finally:
            self._close()

    def _close(self) -> None:
        # Returning a connection to the pool resets it, which can fail on a dead one;
        # the connection is gone either way and the caller's outcome is already known.
        with contextlib.suppress(exc.SQLAlchemyError):
            self._connection.close()
