"""The scale benchmark's bulk seeder (``benchmarks/seed.py``, PostgreSQL COPY) writes a
database the library accepts as its own: the audit chain it builds verifies, the API
extends it, and the seeded accounts, bindings and certificates read back as records."""

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


def test_a_seeded_database_verifies_and_the_api_extends_it(pg_storage: SqlStorage) -> None:
    url = pg_storage.engine.url.render_as_string(hide_password=False)
    report = seed(url, secret=KEY, accounts=300, detailed=40, audit_per_account=3)
    assert (report.accounts, report.detailed, report.audit_records) == (300, 40, 120)
    soft = _soft(pg_storage)
    assert soft.audit.verify() == 120
    soft.accounts.create(user_id="T05005000000299", first_name="A", last_name="B")
    assert soft.audit.verify() == 121
    account = soft.accounts.get(user_id_of(299))
    assert account.email is not None
    assert account.email.value == personal_fields(299)["email"]
    with soft.unit_of_work() as uow:
        rows = uow.transaction.select("st_device_bindings", [("user_id", "=", user_id_of(7))])
        assert len(rows) == 1
        assert uow.accounts.get(UserId(user_id_of(7))).status.value == "active"


def test_an_edited_seeded_record_is_detected(pg_storage: SqlStorage) -> None:
    url = pg_storage.engine.url.render_as_string(hide_password=False)
    seed(url, secret=KEY, accounts=20, detailed=10, audit_per_account=2)
    with pg_storage.engine.begin() as conn:
        conn.execute(sa.text("UPDATE st_audit_events SET outcome = 'failure' WHERE seq = 5"))
    with pytest.raises(TamperingDetected):
        _soft(pg_storage).audit.verify()
