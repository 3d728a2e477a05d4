"""Revision 0005 on a database holding clear personal data (0.1's data set, at revision
0004): ``softtoken db upgrade --secret-key-file`` seals it on SQLite, PostgreSQL and
MariaDB, and the deployment then reads it; without the key the upgrade refuses."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from softtoken import Config, ConfigurationError, FakeClock, build
from softtoken.cli import main
from softtoken.storage.sql import SqlStorage, migrations
from softtoken.testing import make_test_authority

from .test_migrations import DATA, PASSWORD, USER_ID, _load_0_1_database, empty_database

__all__ = ["empty_database"]  # the fixture, shared with test_migrations

CITIZEN_ID = DATA["tables"]["st_accounts"][0]["citizen_id"]
ADDRESS = DATA["tables"]["st_registrations"][0]["details"]["address"]


def _at_0004(engine: sa.Engine) -> None:
    _load_0_1_database(engine)
    migrations.stamp(engine, migrations.BASELINE)
    migrations.upgrade(engine, "0004")


def _cells(engine: sa.Engine, sql: str) -> list[object]:
    with engine.connect() as connection:
        return [c for row in connection.execute(sa.text(sql)) for c in row]


def test_the_upgrade_seals_clear_rows_and_the_deployment_reads_them(
    empty_database: sa.Engine, tmp_path: Path
) -> None:
    _at_0004(empty_database)
    assert _cells(empty_database, "SELECT citizen_id FROM st_accounts") == [CITIZEN_ID]
    key_file = tmp_path / "secret"
    key_file.write_text(DATA["secret_key"])
    url = empty_database.url.render_as_string(hide_password=False)
    assert main(["db", "upgrade", "--url", url, "--secret-key-file", str(key_file)]) == 0
    assert migrations.current_revision(empty_database) == migrations.head_revision()

    for sql in (
        "SELECT citizen_id FROM st_accounts",
        "SELECT first_name FROM st_accounts",
        "SELECT citizen_id FROM st_email_bindings",
        "SELECT citizen_id FROM st_proofings",
        "SELECT citizen_id FROM st_registrations",
    ):
        [cell] = _cells(empty_database, sql)
        assert str(cell).startswith("st1:k0:"), sql
    [index] = _cells(empty_database, "SELECT citizen_index FROM st_email_bindings")
    assert str(index).startswith("k0:")
    dump = repr(_cells(empty_database, "SELECT identity, details FROM st_registrations"))
    assert CITIZEN_ID not in dump
    assert ADDRESS not in dump

    now = datetime.fromisoformat(DATA["now"])
    soft = build(
        Config(secret_key=base64.b64decode(DATA["secret_key"]), storage_url="memory://"),
        clock=FakeClock(now),
        storage=SqlStorage(empty_database),
        authority=make_test_authority(now=now),
    )
    soft.audit.reseal(officer="off.1")  # an upgrade by hand leaves the head to an officer
    held = soft.privacy.export(USER_ID)
    assert held["account"][0]["citizen_id"] == CITIZEN_ID
    assert held["registrations"][0]["details"]["address"] == ADDRESS
    assert {b["citizen_id"] for b in held["email_bindings"]} == {CITIZEN_ID}
    soft.accounts.verify_password(USER_ID, PASSWORD)
    assert soft.audit.verify() > 0


def test_without_the_key_the_upgrade_refuses_to_leave_clear_rows(
    empty_database: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOFTTOKEN_SECRET_KEY", raising=False)
    monkeypatch.delenv("SOFTTOKEN_KEYRING_FILE", raising=False)
    _at_0004(empty_database)
    with pytest.raises(ConfigurationError) as missing:
        migrations.upgrade(empty_database)
    assert missing.value.code == "sealing_key_missing"
    if empty_database.dialect.name != "mysql":  # MariaDB commits each DDL statement
        assert migrations.current_revision(empty_database) == "0004"
        assert _cells(empty_database, "SELECT citizen_id FROM st_accounts") == [CITIZEN_ID]


def test_a_downgrade_below_0005_is_refused_and_changes_nothing(
    empty_database: sa.Engine, tmp_path: Path
) -> None:
    """Going back past revision 0005 would write personal data in clear again: the
    revision refuses with a typed error, and the whole downgrade rolls back (0007 and
    0006 included), so the database stays at the head with its rows sealed."""
    key_file = tmp_path / "secret"
    key_file.write_text(DATA["secret_key"])
    _at_0004(empty_database)
    url = empty_database.url.render_as_string(hide_password=False)
    assert main(["db", "upgrade", "--url", url, "--secret-key-file", str(key_file)]) == 0
    before = _cells(empty_database, "SELECT citizen_id, citizen_index FROM st_accounts")
    with pytest.raises(ConfigurationError) as caught:
        migrations.downgrade(empty_database, "0004")
    assert caught.value.code == "migration_irreversible"
    assert caught.value.message_th
    assert caught.value.message_en
    assert migrations.current_revision(empty_database) == migrations.head_revision()
    assert _cells(empty_database, "SELECT citizen_id, citizen_index FROM st_accounts") == before
    if empty_database.dialect.name != "postgresql":
        # MariaDB commits each schema change, and an Alembic run of the host's own on
        # SQLite left 0007's and 0006's steps done: only the check up front keeps those.
        return
    # A host's own Alembic run reaches the revision itself: the same typed refusal, and
    # on PostgreSQL its transaction (0007's and 0006's steps with it) rolls back.
    with empty_database.connect() as connection:
        with pytest.raises(ConfigurationError) as caught:
            command.downgrade(migrations.alembic_config(connection), "0004")
        connection.rollback()
    assert caught.value.code == "migration_irreversible"
    assert migrations.current_revision(empty_database) == migrations.head_revision()
    assert _cells(empty_database, "SELECT citizen_id, citizen_index FROM st_accounts") == before
