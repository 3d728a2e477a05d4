"""The scale benchmark's bulk seeder (``benchmarks/seed.py``, PostgreSQL COPY) writes a
database the library accepts as its own: the audit records it spreads over the keyed
chains verify against the heads it seals, the API extends them, the personal columns
rest sealed and open, a citizen ID is found through its blind index, and the seeded
accounts, bindings and certificates read back as records."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import softtoken
from softtoken import Policy, UserId
from softtoken.errors import TamperingDetected
from softtoken.storage.sql import SqlStorage

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from seed import personal_fields, seed, user_id_of

KEY = b"q" * 32


def _soft(storage: SqlStorage) -> softtoken.SoftToken:
    config = softtoken.Config(secret_key=KEY, storage_url="memory://", policy=Policy.for_tests())
    return softtoken.build(config, storage=storage, allow_test_policy=True)


def _count(storage: SqlStorage, sql: str) -> int:
    with storage.engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def test_a_seeded_database_verifies_and_the_api_extends_it(pg_storage: SqlStorage) -> None:
    url = pg_storage.engine.url.render_as_string(hide_password=False)
    report = seed(url, secret=KEY, accounts=300, detailed=40, audit_per_account=3)
    assert (report.accounts, report.detailed, report.audit_records) == (300, 40, 120)
    soft = _soft(pg_storage)
    chains = soft.policy.audit_chains
    assert chains > 1
    # Every chain has its head, and the records are spread over several chains.
    assert _count(pg_storage, "SELECT count(*) FROM st_audit_head") == chains
    assert _count(pg_storage, "SELECT count(DISTINCT chain) FROM st_audit_events") > 1
    assert soft.audit.verify() == 120
    soft.accounts.create(user_id="T05005000000299", first_name="A", last_name="B")
    assert soft.audit.verify() == 121
    # An audited write about a seeded person continues that person's seeded chain, and
    # rewrites the seeded account's sealed columns.
    soft.accounts.issue_temporary_password(user_id_of(7))
    assert soft.audit.verify() == 122
    account = soft.accounts.get(user_id_of(299))
    assert account.email is not None
    assert account.email.value == personal_fields(299)["email"]
    with soft.unit_of_work() as uow:
        rows = uow.transaction.select("st_device_bindings", [("user_id", "=", user_id_of(7))])
        assert len(rows) == 1
        assert uow.accounts.get(UserId(user_id_of(7))).status.value == "active"


@pytest.mark.parametrize("i", [7, 299])  # a detailed account and a filler one
def test_seeded_personal_columns_are_sealed_and_found_by_citizen_id(
    pg_storage: SqlStorage, i: int
) -> None:
    url = pg_storage.engine.url.render_as_string(hide_password=False)
    seed(url, secret=KEY, accounts=300, detailed=40, audit_per_account=1)
    soft = _soft(pg_storage)
    clear = personal_fields(i)
    with pg_storage.engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT first_name, last_name, citizen_id, citizen_index FROM st_accounts "
                    "WHERE user_id = :u"), {"u": user_id_of(i)},
        ).one()  # fmt: skip
    kid = soft.context.keys.key_id
    for column in ("first_name", "last_name", "citizen_id"):
        value = getattr(stored, column)
        assert value.startswith(f"st1:{kid}:")
        assert str(clear[column]) not in value
    assert stored.citizen_index.startswith(f"{kid}:")
    # Opened through the library, and looked up by citizen ID through the blind index.
    account = soft.accounts.get(user_id_of(i))
    assert account.citizen_id is not None
    assert account.citizen_id.value == clear["citizen_id"]
    assert (account.first_name, account.last_name) == (clear["first_name"], clear["last_name"])
    with soft.unit_of_work().reading() as uow:
        found = uow.transaction.select("st_accounts", [("citizen_id", "=", clear["citizen_id"])])
    assert [r["user_id"] for r in found] == [user_id_of(i)]
    assert found[0]["citizen_id"] == clear["citizen_id"]


def test_an_edited_seeded_record_is_detected(pg_storage: SqlStorage) -> None:
    url = pg_storage.engine.url.render_as_string(hide_password=False)
    seed(url, secret=KEY, accounts=20, detailed=10, audit_per_account=2)
    with pg_storage.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE st_audit_events SET outcome = 'failure' "
                    "WHERE (chain, seq) = (SELECT chain, seq FROM st_audit_events LIMIT 1)")
        )  # fmt: skip
    with pytest.raises(TamperingDetected):
        _soft(pg_storage).audit.verify()
