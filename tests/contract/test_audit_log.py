"""The audit log on every adapter: written with the change, hash-chained, and any edit,
removed row or cut tail is found by verify (test_audit_truncation.py: the head's seal
and checkpoints)."""

from __future__ import annotations

import pytest

from softtoken import AuthenticationError, Policy, TamperingDetected
from softtoken.audit import AuditEntry
from softtoken.ports import Predicate
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory


@pytest.fixture
def harness(storage: MemoryStorage | SqlStorage) -> Harness:
    """One chain, as the log was before chains (issue 15): sequence numbers and the one
    head row are those of the whole log. test_audit_chains.py covers several chains."""
    return in_memory(storage=storage, policy=Policy.for_tests(audit_chains=1))


USER = "T05005000000201"


def _some_history(harness: Harness) -> None:
    soft = harness.softtoken
    soft.accounts.create(
        user_id=USER, first_name="Somchai", last_name="Jaidee", email="s@example.go.th"
    )
    password = soft.accounts.issue_temporary_password(USER)
    soft.accounts.verify_password(USER, password)
    with pytest.raises(AuthenticationError):
        soft.accounts.verify_password(USER, "a wrong password")


def test_every_change_and_attempt_is_recorded_in_order(harness: Harness) -> None:
    _some_history(harness)
    records = harness.softtoken.audit.records()
    assert [r.entry.action for r in records] == [
        "account.create",
        "password.issue_temporary",
        "login.password",
        "login.password",
    ]
    assert [r.entry.outcome for r in records][-2:] == ["success", "failure"]
    assert records[-1].entry.details["factor"] == "password"
    assert [r.seq for r in records] == [1, 2, 3, 4]
    assert all(r.entry.at.utcoffset() is not None for r in records)
    assert harness.softtoken.audit.verify() == 4


def test_no_secret_ever_reaches_the_log(harness: Harness) -> None:
    _some_history(harness)
    exported = str(harness.softtoken.audit.export())
    assert "a wrong password" not in exported
    with pytest.raises(ValueError, match="secrets"):
        AuditEntry(
            at=harness.clock.now(),
            actor="a",
            action="b",
            subject="c",
            details={"new_password": "x"},
        )


def _tamper(harness: Harness, sql: tuple[str, list[Predicate], dict[str, object]]) -> None:
    table, where, values = sql
    tx = harness.softtoken.storage.begin()
    if values:
        tx.update(table, where, values)
    else:
        tx.delete(table, where)
    tx.commit()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("st_audit_events", [("seq", "=", 2)], {"outcome": "failure"}), "record 2 was altered"),
        (
            ("st_audit_events", [("seq", "=", 3)], {"actor": "officer:mallory"}),
            "record 3 was altered",
        ),
        (("st_audit_events", [("seq", "=", 2)], {}), "record 2 is missing"),
        (("st_audit_events", [("seq", "=", 4)], {}), "the log ends at 3"),
        (("st_audit_head", [("id", "=", 1)], {"seq": 3}), "head (at 3) is not authentic"),
    ],
)
def test_tampering_is_found(
    harness: Harness,
    change: tuple[str, list[Predicate], dict[str, object]],
    problem: str,
) -> None:
    _some_history(harness)
    _tamper(harness, change)
    with pytest.raises(TamperingDetected) as caught:
        harness.softtoken.audit.verify()
    assert caught.value.code == "audit_chain_broken"
    assert problem in (caught.value.detail or "")
