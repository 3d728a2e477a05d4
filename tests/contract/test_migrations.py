"""Schema migrations (Alembic): a 0.1 database upgrades to the current schema on SQLite,
PostgreSQL and MariaDB and keeps working; the revisions' head equals the tables the
library defines, so a table change without a revision fails here."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from softtoken import AuthenticationError, Config, FakeClock, LoginType, UserId, build
from softtoken.storage.sql import SqlStorage, metadata, migrations
from softtoken.testing import make_test_authority

DATA = json.loads(
    (Path(__file__).parents[1] / "vectors" / "schema_0_1" / "data.json").read_text("utf-8")
)
USER_ID = "T05005000000201"
PASSWORD = "a long passphrase of mine"


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on a database with no softtoken table in it."""
    if request.param == "sqlite":
        storage = SqlStorage(f"sqlite:///{tmp_path / 'migrate.db'}")
    else:
        storage = SqlStorage(request.getfixturevalue(f"{request.param}_url"))
    storage.drop_schema()
    yield storage.engine
    storage.drop_schema()
    storage.close()


def _value(cell: object) -> object:
    if isinstance(cell, dict) and "$datetime" in cell:
        return datetime.fromisoformat(cell["$datetime"]).astimezone(UTC)
    if isinstance(cell, dict) and "$base64" in cell:
        return base64.b64decode(cell["$base64"])
    return cell


def _load_0_1_database(engine: sa.Engine) -> None:
    """The 0.1 schema (revision 0001, then no version table: 0.1 made its tables with
    ``create_all``) holding the rows a 0.1 deployment wrote."""
    migrations.upgrade(engine, migrations.BASELINE)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {migrations.VERSION_TABLE}"))
        for table in metadata.sorted_tables:
            rows = DATA["tables"].get(table.name, [])
            if rows:
                connection.execute(
                    table.insert(), [{k: _value(v) for k, v in row.items()} for row in rows]
                )


def test_the_revisions_head_is_the_library_s_tables(empty_database: sa.Engine) -> None:
    migrations.upgrade(empty_database)
    assert migrations.current_revision(empty_database) == migrations.head_revision()
    with empty_database.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": migrations.VERSION_TABLE}
        )
        assert compare_metadata(context, metadata) == []


def test_the_check_above_sees_a_table_the_revisions_lack(empty_database: sa.Engine) -> None:
    migrations.upgrade(empty_database)
    wider = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(wider)
    sa.Table("st_not_in_any_revision", wider, sa.Column("id", sa.Integer, primary_key=True))
    with empty_database.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": migrations.VERSION_TABLE}
        )
        assert [diff[0] for diff in compare_metadata(context, wider)] == ["add_table"]


def test_a_0_1_database_upgrades_and_keeps_working(empty_database: sa.Engine) -> None:
    _load_0_1_database(empty_database)
    assert migrations.current_revision(empty_database) is None

    storage = SqlStorage(empty_database)
    now = datetime.fromisoformat(DATA["now"])
    soft = build(
        Config(
            secret_key=base64.b64decode(DATA["secret_key"]),
            storage_url="memory://",  # replaced by the storage below
        ),
        clock=FakeClock(now),
        storage=storage,  # build() runs create_schema(): stamp 0001, then upgrade
        authority=make_test_authority(now=now),
    )
    assert migrations.current_revision(empty_database) == migrations.head_revision()

    # What 0.1 wrote is read and verified by this version; the upgrade sealed the
    # audit head and converted the records to format 2 (revision 0007), each recorded
    # as one more record (docs/audit.md: upgrading).
    assert soft.audit.verify() == len(DATA["tables"]["st_audit_events"]) + 2
    soft.accounts.verify_password(USER_ID, PASSWORD)
    with pytest.raises(AuthenticationError):
        soft.accounts.verify_password(USER_ID, "not the password at all")
    assert soft.device_poll(DATA["certificate_serial"]) == []
    assert soft.registration.current(USER_ID) is None  # activated: none left open
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(USER_ID))
    assert account.registration_completed
    assert account.login_type is LoginType.SOFT_TOKEN

    # And new work lands beside it.
    soft.accounts.create(user_id="T05005000000299", first_name="ใหม่", last_name="ผู้ใช้")
    assert soft.audit.verify() > len(DATA["tables"]["st_audit_events"])

    # Starting again changes nothing: the database is current.
    storage.create_schema()
    assert migrations.current_revision(empty_database) == migrations.head_revision()
