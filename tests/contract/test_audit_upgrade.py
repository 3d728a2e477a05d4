"""Issue 12 M1 on a database from 0.1, whose audit head has no seal: the start that
adds the seal column (revision 0002) seals it with the key and records that; a seal
blanked later is not restored by a restart; an upgrade by hand needs an officer."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from softtoken import Config, FakeClock, SoftToken, TamperingDetected, build
from softtoken._keys import ServerKeys
from softtoken.storage.sql import SqlStorage, migrations
from softtoken.testing import make_test_authority

from .test_migrations import DATA, _load_0_1_database

RECORDS_0_1 = len(DATA["tables"]["st_audit_events"])


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def database_0_1(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A database as softtoken 0.1 left it (test_migrations.py's data set)."""
    if request.param == "sqlite":
        storage = SqlStorage(f"sqlite:///{tmp_path / 'upgrade.db'}")
    else:
        storage = SqlStorage(request.getfixturevalue(f"{request.param}_url"))
    storage.drop_schema()
    _load_0_1_database(storage.engine)
    yield storage.engine
    storage.drop_schema()
    storage.close()


def _upgrade_by_hand(engine: sa.Engine) -> None:
    """``softtoken db upgrade`` with the deployment's key (revision 0005 seals)."""
    keys = ServerKeys.from_secret(base64.b64decode(DATA["secret_key"]))
    with migrations.sealing_keys(keys):
        SqlStorage(engine).create_schema()


def _start(engine: sa.Engine) -> SoftToken:
    now = datetime.fromisoformat(DATA["now"])
    return build(
        Config(secret_key=base64.b64decode(DATA["secret_key"]), storage_url="memory://"),
        clock=FakeClock(now),
        storage=SqlStorage(engine),
        authority=make_test_authority(now=now),
    )


def test_m1_the_upgrading_start_seals_the_0_1_head_and_says_so(
    database_0_1: sa.Engine,
) -> None:
    soft = _start(database_0_1)
    # The reseal, then the conversion to format 2 (revision 0007).
    assert soft.audit.verify() == RECORDS_0_1 + 2
    (resealed,) = [r for r in soft.audit.records() if r.entry.action == "audit.reseal"]
    assert (resealed.entry.actor, resealed.entry.action) == ("system", "audit.reseal")
    assert dict(resealed.entry.details) == {
        "head_was": RECORDS_0_1,
        "records_kept": RECORDS_0_1,
        "chains_were": 1,  # the 0.1 log becomes chain 1 of Policy.audit_chains
        "chains": 16,
        "reason": "schema_upgrade",
    }
    assert [r for r in soft.audit.records() if r.entry.action == "audit.convert"]
    assert _start(database_0_1).audit.verify() == RECORDS_0_1 + 2  # once only


def test_m1_a_seal_blanked_after_the_upgrade_is_not_restored_by_a_restart(
    database_0_1: sa.Engine,
) -> None:
    _start(database_0_1)
    with database_0_1.begin() as connection:
        connection.execute(sa.text("UPDATE st_audit_head SET mac = NULL"))
    soft = _start(database_0_1)
    with pytest.raises(TamperingDetected) as caught:
        soft.audit.verify()
    assert "not sealed" in (caught.value.detail or "")


def test_m1_an_upgrade_by_hand_needs_an_officer_s_reseal(database_0_1: sa.Engine) -> None:
    # `softtoken db upgrade --secret-key-file`: the key seals personal data (revision
    # 0005) but the upgrade by hand does not seal the audit head.
    with migrations.sealing_keys(ServerKeys.from_secret(base64.b64decode(DATA["secret_key"]))):
        SqlStorage(database_0_1).create_schema()
    soft = _start(database_0_1)
    with pytest.raises(TamperingDetected):
        soft.audit.verify()
    assert soft.audit.reseal(officer="off.1") == RECORDS_0_1
    assert soft.audit.verify() == RECORDS_0_1 + 1


def test_issue17_converted_records_keep_verifying_against_an_older_checkpoint(
    database_0_1: sa.Engine,
) -> None:
    """Format 1 records hash clear names; the conversion re-chains them as format 2,
    each binding the hash it had, so a checkpoint from before still verifies, and
    the conversion's own record names the old head."""
    _upgrade_by_hand(database_0_1)  # the start converts nothing
    soft = _start(database_0_1)
    soft.audit.reseal(officer="off.1")
    before = soft.audit.checkpoint()
    old = [r for r in soft.audit.records() if r.format == 1]
    assert len(old) == RECORDS_0_1
    assert {r.chain for r in old} == {1}  # the single chain from before chains
    chain_1 = before.heads[0]  # (seq, hash) of chain 1 before the conversion
    assert soft.audit.convert() == RECORDS_0_1
    assert soft.audit.convert() is None  # once only
    records = soft.audit.records()
    assert {r.format for r in records} == {2}
    (converted,) = [r for r in records if r.entry.action == "audit.convert"]
    assert dict(converted.entry.details) == {
        "records": RECORDS_0_1,
        "chains": 1,
        "v1_head_seq": chain_1[0],
        "v1_head_hash": chain_1[1],
    }
    assert soft.audit.verify(checkpoint=before) == RECORDS_0_1 + 2
    assert soft.audit.verify(checkpoint=soft.audit.checkpoint()) == RECORDS_0_1 + 2


def test_issue17_erasure_converts_format_1_records_first(database_0_1: sa.Engine) -> None:
    _upgrade_by_hand(database_0_1)  # the start converts nothing
    soft = _start(database_0_1)
    soft.audit.reseal(officer="off.1")
    user_id = "T05005000000201"
    soft.privacy.close(user_id, officer="off.1", reason="transferred")
    clock = soft.context.clock
    assert isinstance(clock, FakeClock)
    clock.advance(days=800)
    soft.privacy.erase(user_id)
    records = soft.audit.records()
    assert {r.format for r in records} == {2}
    assert [r.entry.action for r in records].count("audit.convert") == 1
    assert user_id not in json.dumps(soft.audit.export(), ensure_ascii=False)
    assert soft.audit.verify() == len(records)
