"""Issue 12 M1: the audit log cut short or wiped must not verify.

Someone with write access to the database but not the deployment's secret tries each
way of hiding the newest records: cut the tail and copy an older record's sequence and
hash into the head, cut it down to one record, wipe every row and the head, roll the
head back to a value it really had earlier. The authenticated head catches the first
two, the accounts left behind catch the third, and a checkpoint kept outside the
database catches the rollback. Each runs on every storage adapter.
"""

from __future__ import annotations

import json
from datetime import timedelta

import attrs
import pytest

from softtoken import Policy, TamperingDetected, ValidationError
from softtoken.audit import AuditCheckpoint
from softtoken.ports import Row
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory


@pytest.fixture
def harness(storage: MemoryStorage | SqlStorage) -> Harness:
    """One chain, as the log was before chains (issue 15): sequence numbers and the one
    head row are those of the whole log. test_audit_chains.py covers several chains."""
    return in_memory(storage=storage, policy=Policy.for_tests(audit_chains=1))


USER = "T05005000000201"


def _history(harness: Harness, extra: int = 3) -> None:
    """An account and ``extra`` more audited changes: 1 + extra records."""
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="Somchai", last_name="Jaidee")
    for _ in range(extra):
        soft.accounts.issue_temporary_password(USER)


def _head_row(harness: Harness) -> Row:
    tx = harness.softtoken.storage.begin()
    try:
        (row,) = tx.select("st_audit_head", [("id", "=", 1)])
    finally:
        tx.rollback()
    return row


def _cut_after(harness: Harness, seq: int) -> None:
    tx = harness.softtoken.storage.begin()
    tx.delete("st_audit_events", [("seq", ">", seq)])
    tx.commit()


def _set_head(harness: Harness, values: dict[str, object]) -> None:
    tx = harness.softtoken.storage.begin()
    tx.update("st_audit_head", [("id", "=", 1)], values)
    tx.commit()


def _broken(harness: Harness, checkpoint: AuditCheckpoint | None = None) -> str:
    audit = harness.softtoken.audit
    with pytest.raises(TamperingDetected) as caught:
        audit.verify() if checkpoint is None else audit.verify(checkpoint=checkpoint)
    assert caught.value.code == "audit_chain_broken"
    return caught.value.detail or ""


def test_m1_tail_cut_and_older_record_copied_into_the_head(harness: Harness) -> None:
    _history(harness)
    assert harness.softtoken.audit.verify() == 4
    second = harness.softtoken.audit.records()[1]
    _cut_after(harness, 2)
    _set_head(harness, {"seq": second.seq, "hash": second.hash})
    assert "head" in _broken(harness)


def test_m1_log_cut_down_to_one_record(harness: Harness) -> None:
    _history(harness)
    first = harness.softtoken.audit.records()[0]
    _cut_after(harness, 1)
    _set_head(harness, {"seq": 1, "hash": first.hash})
    assert "head" in _broken(harness)


def test_m1_a_forged_head_is_not_extended_by_the_next_write(harness: Harness) -> None:
    # Otherwise the attacker cuts the tail and the portal's next write seals the cut.
    _history(harness)
    first = harness.softtoken.audit.records()[0]
    _cut_after(harness, 1)
    _set_head(harness, {"seq": 1, "hash": first.hash})
    with pytest.raises(TamperingDetected):
        harness.softtoken.accounts.issue_temporary_password(USER)
    assert "head" in _broken(harness)


def _wipe(harness: Harness, *, accounts: bool = False) -> None:
    tx = harness.softtoken.storage.begin()
    tx.delete("st_audit_events", [])
    tx.delete("st_audit_head", [])
    if accounts:
        tx.delete("st_accounts", [])
    tx.commit()


def test_m1_wiped_log_in_a_database_with_accounts(harness: Harness) -> None:
    assert harness.softtoken.audit.verify() == 0  # a new deployment: empty and intact
    _history(harness)
    _wipe(harness)
    assert "no records" in _broken(harness)


def test_m1_wiped_log_is_not_restarted_by_the_next_write(harness: Harness) -> None:
    _history(harness)
    _wipe(harness)
    with pytest.raises(TamperingDetected):
        harness.softtoken.accounts.issue_temporary_password(USER)
    assert "no records" in _broken(harness)


def test_m1_records_left_past_a_rolled_back_head(harness: Harness) -> None:
    _history(harness, extra=1)
    earlier = _head_row(harness)
    harness.softtoken.accounts.issue_temporary_password(USER)
    _set_head(harness, {k: v for k, v in earlier.items() if k != "id"})
    assert "past the head" in _broken(harness)
    with pytest.raises(TamperingDetected) as caught:  # not a bare record_exists Conflict
        harness.softtoken.accounts.issue_temporary_password(USER)
    assert "record 3 lies past the head at 2" in (caught.value.detail or "")


def test_m1_checkpoint_catches_a_head_rolled_back_to_an_earlier_value(
    harness: Harness,
) -> None:
    soft = harness.softtoken
    _history(harness, extra=1)
    earlier = _head_row(harness)  # the attacker saw the head at seq 2 (a backup, say)
    for _ in range(3):
        soft.accounts.issue_temporary_password(USER)
    checkpoint = soft.audit.checkpoint()
    assert checkpoint.heads == ((5, soft.audit.records()[-1].hash),)
    soft.accounts.issue_temporary_password(USER)
    assert soft.audit.verify(checkpoint=checkpoint) == 6  # a longer log extends it

    _cut_after(harness, 2)
    _set_head(harness, {k: v for k, v in earlier.items() if k != "id"})
    # Without the key nothing in the database can tell this from the log at seq 2 ...
    assert soft.audit.verify() == 2
    # ... but the checkpoint kept elsewhere can.
    assert "shorter than the checkpoint" in _broken(harness, checkpoint)


def test_m1_checkpoint_catches_a_wiped_database(harness: Harness) -> None:
    _history(harness)
    checkpoint = harness.softtoken.audit.checkpoint()
    _wipe(harness, accounts=True)
    assert harness.softtoken.audit.verify() == 0  # nothing left to compare with
    assert "shorter than the checkpoint" in _broken(harness, checkpoint)


def test_m1_checkpoint_catches_a_rebuilt_log(harness: Harness) -> None:
    # The wiped database starts again: same length later, but not the same records.
    _history(harness, extra=1)
    checkpoint = harness.softtoken.audit.checkpoint()
    _wipe(harness, accounts=True)
    harness.clock.advance(timedelta(minutes=1))
    _history(harness, extra=2)
    assert "does not extend the checkpoint" in _broken(harness, checkpoint)


def test_m1_checkpoint_round_trips_and_refuses_edits(harness: Harness) -> None:
    _history(harness)
    checkpoint = harness.softtoken.audit.checkpoint()
    assert checkpoint.at == harness.clock.now()
    text = checkpoint.to_json()
    data = json.loads(text)
    assert data["format"] == "softtoken-audit-checkpoint/v2"
    # The key ID since issue 17 item 2: a checkpoint verifies after a key rotation.
    assert set(data) == {"format", "heads", "seq", "at", "mac", "key_id"}
    assert AuditCheckpoint.from_json(text) == checkpoint
    assert harness.softtoken.audit.verify(checkpoint=AuditCheckpoint.from_json(text)) == 4

    lowered = AuditCheckpoint.from_json(
        json.dumps({**data, "seq": 1, "heads": [[1, data["heads"][0][1]]]})
    )
    with pytest.raises(TamperingDetected) as caught:
        harness.softtoken.audit.verify(checkpoint=lowered)
    assert caught.value.code == "audit_checkpoint_invalid"


def test_m1_an_unsealed_head_does_not_verify_and_an_officer_reseals_it(
    harness: Harness,
) -> None:
    # A head written before heads were sealed, or with its MAC blanked: not authentic.
    soft = harness.softtoken
    _history(harness)
    before = soft.audit.checkpoint()
    _set_head(harness, {"mac": None})
    assert "not authentic" in _broken(harness)
    assert soft.audit.reseal(officer="off.1") == 4
    last = soft.audit.records()[-1]
    assert (last.seq, last.entry.actor, last.entry.action) == (5, "officer:off.1", "audit.reseal")
    assert dict(last.entry.details) == {"head_was": 4, "records_kept": 4}
    assert soft.audit.verify(checkpoint=before) == 5
    soft.accounts.issue_temporary_password(USER)  # writes work again
    assert soft.audit.verify() == 6


def test_m1_a_reseal_after_a_cut_is_recorded_and_the_checkpoint_still_sees_the_cut(
    harness: Harness,
) -> None:
    soft = harness.softtoken
    _history(harness)
    before = soft.audit.checkpoint()
    second = soft.audit.records()[1]
    _cut_after(harness, 2)
    _set_head(harness, {"seq": second.seq, "hash": second.hash})
    assert soft.audit.reseal(officer="off.1") == 2
    assert dict(soft.audit.records()[-1].entry.details) == {"head_was": 2, "records_kept": 2}
    assert soft.audit.verify() == 3
    assert "shorter than the checkpoint" in _broken(harness, before)
    soft.accounts.issue_temporary_password(USER)
    assert "record 4 does not extend the checkpoint" in _broken(harness, before)


def test_m1_reseal_refuses_a_chain_with_altered_records(harness: Harness) -> None:
    soft = harness.softtoken
    _history(harness)
    tx = soft.storage.begin()
    tx.update("st_audit_events", [("seq", "=", 2)], {"actor": "officer:mallory"})
    tx.commit()
    head = _head_row(harness)
    with pytest.raises(TamperingDetected) as caught:
        soft.audit.reseal(officer="off.1")
    assert "record 2 was altered" in (caught.value.detail or "")
    assert _head_row(harness) == head
    assert len(soft.audit.records()) == 4


def test_m1_reseal_names_the_officer(harness: Harness) -> None:
    _history(harness)
    with pytest.raises(ValidationError) as caught:
        harness.softtoken.audit.reseal(officer=" ")
    assert (caught.value.code, caught.value.field) == ("officer_required", "officer")


def test_m1_accounts_loaded_outside_the_library_need_one_reseal(harness: Harness) -> None:
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="Somchai", last_name="Jaidee")
    imported = soft.accounts.get(USER)
    _wipe(harness, accounts=True)
    with soft.unit_of_work() as uow:  # a bulk import: accounts, no audit records
        uow.accounts.add(attrs.evolve(imported, version=0))
        uow.commit()
    assert "no records" in _broken(harness)
    with pytest.raises(TamperingDetected):
        soft.accounts.issue_temporary_password(USER)
    assert soft.audit.reseal(officer="off.1") == 0
    (first,) = soft.audit.records()
    assert (first.entry.action, dict(first.entry.details)) == (
        "audit.reseal",
        {"head_was": None, "records_kept": 0},
    )
    soft.accounts.issue_temporary_password(USER)
    assert soft.audit.verify() == 2
