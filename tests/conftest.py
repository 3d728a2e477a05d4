"""Shared fixtures: every storage adapter, a harness on each, a real SMTP server.

Server-backed adapters run when their URL is set and skip with the reason otherwise:
``SOFTTOKEN_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and ``SOFTTOKEN_TEST_MARIADB_URL`` (e.g. ``mysql+pymysql://root@127.0.0.1:3306/test``).
Each test session works in a database of its own, created from that URL and dropped at
the end, so parallel sessions on one server never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage, metadata, migrations
from softtoken.testing import Harness, in_memory

from .helpers.smtp import SmtpTestServer

SERVER_URLS = {
    "postgres": "SOFTTOKEN_TEST_POSTGRES_URL",
    "mariadb": "SOFTTOKEN_TEST_MARIADB_URL",
}
ADAPTERS = ["memory", "sqlite", "postgres", "mariadb"]


def _private_database(kind: str) -> Iterator[str]:
    """A fresh database on the server named by the kind's environment variable."""
    variable = SERVER_URLS[kind]
    url = os.environ.get(variable)
    if not url:
        pytest.skip(f"{kind} tests need {variable} (a {kind} server URL); not set here")
    base = sa.make_url(url)
    name = f"softtoken_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as error:
        admin.dispose()
        if os.environ.get("SOFTTOKEN_REQUIRE_SERVERS"):
            raise
        pytest.skip(f"{kind} server at {variable} is not reachable: {error.orig}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if kind == "postgres":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    yield from _private_database("postgres")


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    yield from _private_database("mariadb")


def _clear(storage: SqlStorage) -> None:
    with storage.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def _sql_storages() -> Iterator[dict[str, SqlStorage]]:
    """One engine per SQL adapter for the whole session (schemas are created once)."""
    made: dict[str, SqlStorage] = {}
    yield made
    for storage in made.values():
        storage.close()


def make_storage(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> MemoryStorage | SqlStorage:
    if kind == "memory":
        return MemoryStorage()
    if kind == "sqlite":
        storage = SqlStorage(f"sqlite:///{tmp_path / 'softtoken.db'}")
        storage.create_schema()
        return storage
    cache: dict[str, SqlStorage] = request.getfixturevalue("_sql_storages")
    if kind not in cache:
        url = request.getfixturevalue(f"{kind}_url")
        cache[kind] = SqlStorage(url)
        # Built by the revisions from the 0.1 baseline up, not by create_all: the whole
        # suite then runs on a migrated schema (test_migrations shows the two agree).
        migrations.upgrade(cache[kind].engine)
    storage = cache[kind]
    storage.create_schema()  # later modules may have added tables
    _clear(storage)
    return storage


@pytest.fixture(params=ADAPTERS)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> MemoryStorage | SqlStorage:
    """Every storage adapter in turn: the contract suite runs against each."""
    return make_storage(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_storage(request: pytest.FixtureRequest, tmp_path: Path) -> SqlStorage:
    made = make_storage(request.param, request, tmp_path)
    assert isinstance(made, SqlStorage)
    return made


@pytest.fixture
def pg_storage(request: pytest.FixtureRequest, tmp_path: Path) -> SqlStorage:
    made = make_storage("postgres", request, tmp_path)
    assert isinstance(made, SqlStorage)
    return made


@pytest.fixture
def harness(storage: MemoryStorage | SqlStorage) -> Harness:
    """A SoftToken on each storage adapter, fake clock, captured mail, cheap hashing."""
    return in_memory(storage=storage)


@pytest.fixture
def memory_harness() -> Harness:
    return in_memory()


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A real SMTP server (aiosmtpd) on a loopback port, collecting what it receives."""
    server = SmtpTestServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database at the current schema that several processes share."""
    made = make_storage(request.param, request, tmp_path)
    assert isinstance(made, SqlStorage)
    return made.engine.url.render_as_string(hide_password=False)
