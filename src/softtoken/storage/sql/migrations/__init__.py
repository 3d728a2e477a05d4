"""The schema's history, as Alembic revisions, and the calls that move a database along it.

``upgrade(engine)`` brings a database of any released version to the current schema;
``ensure_current(engine)`` is what :meth:`SqlStorage.create_schema` runs on start: an
empty database gets the tables at once (and is stamped current), a versioned one is
upgraded, and a 0.1 database (made by ``create_all``, so it has no version table) is
stamped at the baseline and upgraded.

Revisions live in ``versions/``; the version is kept in its own table
(:data:`VERSION_TABLE`) so a host application's own ``alembic_version`` never clashes.
Host applications that run Alembic themselves can instead include
:data:`softtoken.storage.sql.metadata` in their ``target_metadata`` (``docs/storage.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from softtoken.errors import ConfigurationError
from softtoken.storage.sql.schema import metadata

if TYPE_CHECKING:
    from softtoken._keys import ServerKeys

__all__ = [
    "BASELINE",
    "VERSION_TABLE",
    "alembic_config",
    "current_revision",
    "downgrade",
    "ensure_current",
    "head_revision",
    "migration_keys",
    "sealing_keys",
    "stamp",
    "upgrade",
]

VERSION_TABLE = "st_schema_version"
#: The revision of the schema softtoken 0.1 made with ``create_all``.
BASELINE = "0001"
#: Any id works, as long as every process uses the same one.
_LOCK_ID = 0x50F7_70CE


_KEYS: ContextVar[ServerKeys | None] = ContextVar("softtoken_migration_keys", default=None)


@contextmanager
def sealing_keys(keys: ServerKeys) -> Iterator[None]:
    """Revisions run inside this block seal clear personal data with ``keys``
    (revision 0005). Without it they read the environment (``SOFTTOKEN_KEYRING_FILE``,
    ``SOFTTOKEN_SECRET_KEY``)."""
    token = _KEYS.set(keys)
    try:
        yield
    finally:
        _KEYS.reset(token)


def migration_keys() -> ServerKeys | None:
    """The keys a revision seals with: :func:`sealing_keys`', else the environment's,
    else None (a revision that finds clear rows then refuses)."""
    import os  # noqa: PLC0415 - only an upgrade with clear rows needs it

    from softtoken._keys import ServerKeys, keyring_from_env  # noqa: PLC0415 - no cycle

    given = _KEYS.get()
    if given is not None:
        return given
    if not (os.environ.get("SOFTTOKEN_KEYRING_FILE") or os.environ.get("SOFTTOKEN_SECRET_KEY")):
        return None
    return ServerKeys.from_keyring(keyring_from_env(os.environ))


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for softtoken's revisions, run on ``connection``."""
    config = Config()
    config.set_main_option("script_location", "softtoken.storage.sql:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The revision this version of the library's tables are at."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # noqa: S101 - there is always a baseline
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision, or None for an unversioned (empty or 0.1) database."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[Connection]:
    """One connection holding the deployment's schema lock, so processes starting
    together do not both create tables or stamp the version twice. SQLite's write lock
    (``BEGIN IMMEDIATE`` on the adapter's engine) does the same there."""
    with engine.connect() as connection:
        name = engine.dialect.name
        if name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
        elif name in {"mysql", "mariadb"}:
            connection.execute(sa.text("SELECT GET_LOCK('softtoken_schema', 60)"))
        try:
            yield connection
        finally:
            if connection.in_transaction():
                connection.rollback()
            if name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
            elif name in {"mysql", "mariadb"}:
                connection.execute(sa.text("SELECT RELEASE_LOCK('softtoken_schema')"))
            connection.commit()


def _run(engine: Engine, action: str, revision: str) -> None:
    with _schema_lock(engine) as connection:
        getattr(command, action)(alembic_config(connection), revision)
        connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the revisions after the database's own, up to ``revision``."""
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo the database's revisions down to ``revision``.

    Raises:
        ConfigurationError: ``migration_irreversible`` before anything changes, when a
            revision on the way cannot be undone (``0005``: it sealed personal data, and
            going back would write it in clear; restore a backup instead). Checked up
            front because MariaDB commits each schema change: the revisions above it
            would otherwise be undone before it refuses.
    """
    script = ScriptDirectory.from_config(alembic_config())
    for step in script.iterate_revisions(current_revision(engine), revision):
        if step.revision != revision and getattr(step.module, "IRREVERSIBLE", False):
            raise ConfigurationError(
                "migration_irreversible", detail=f"revision {step.revision}: restore a backup"
            )
    _run(engine, "downgrade", revision)


def stamp(engine: Engine, revision: str) -> None:
    """Record ``revision`` as the database's, changing no table."""
    _run(engine, "stamp", revision)


def ensure_current(engine: Engine) -> None:
    """Bring the database to the current schema, whatever it holds now."""
    with _schema_lock(engine) as connection:
        tables = set(sa.inspect(connection).get_table_names())
        config = alembic_config(connection)
        if VERSION_TABLE in tables:
            command.upgrade(config, "head")
        elif tables & set(metadata.tables):
            command.stamp(config, BASELINE)
            command.upgrade(config, "head")
        else:
            metadata.create_all(connection)
            command.stamp(config, "head")
        connection.commit()
