"""Erasure (issue 17 item 5): what pseudonyms cost each audit record, and that the
erasing transaction stays short however long the audit log is.

A format 2 record hashes keyed pseudonyms of actor, subject and text details (one HMAC
each) besides the record itself; compared with the format 1 hash of the clear values.
Erasure searches the log in short transactions first (a page each) and then reads only
what it found: the erasing transaction (on SQLite it holds the write lock) is timed
with a log of 50 000 records of other people against one of 1 000.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import attrs
from _common import Ratio, rate

from softtoken.audit import AuditEntry
from softtoken.audit._chain import chain_hash
from softtoken.audit._pseudonyms import record_hash, refs_for
from softtoken.privacy import _erase, _service
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Person, in_memory, soft_token_user

ENTRY = AuditEntry(
    at=datetime(2026, 12, 1, tzinfo=UTC),
    actor="user:T05005000000201",
    action="login.password",
    subject="T05005000000201",
    details={"factor": "password", "reason": "wrong_password"},
)


def _format_2() -> str:
    keys = _KEYS
    refs = refs_for(keys, actor=ENTRY.actor, subject=ENTRY.subject, details=ENTRY.details)
    at = ENTRY.at.isoformat(timespec="microseconds")
    return record_hash(keys, 1, "0" * 64, at=at, action=ENTRY.action, outcome=ENTRY.outcome,
                       details=ENTRY.details, refs=refs)  # fmt: skip


def _erasing_transaction(others: int) -> float:
    """Seconds the erasing transaction took, the search before it not counted."""
    searched: list[float] = []

    def timed_find(*args: object) -> _erase.Found | None:
        started = time.perf_counter()
        found = _erase.find(*args)  # type: ignore[arg-type]
        searched.append(time.perf_counter() - started)
        return found

    with tempfile.TemporaryDirectory() as folder:
        storage = SqlStorage(f"sqlite:///{Path(folder) / 'erase.db'}")
        storage.create_schema()
        harness = in_memory(storage=storage)
        soft, person = harness.softtoken, Person()
        soft_token_user(harness, person)
        soft.privacy.close(person.user_id, officer="off.1", reason="left_service")
        with soft.unit_of_work() as uow:
            for n in range(others):
                uid = f"T0500600{n:07d}"
                uow.audit.append(attrs.evolve(ENTRY, actor=f"user:{uid}", subject=uid))
            uow.commit()
        harness.clock.advance(soft.policy.retention_closed_accounts)
        original, _service.find = _erase.find, timed_find  # type: ignore[attr-defined,assignment]
        try:
            started = time.perf_counter()
            soft.privacy.erase(person.user_id)
            total = time.perf_counter() - started
        finally:
            _service.find = original  # type: ignore[attr-defined]
        storage.close()
    return total - searched[0]


#: The keys of a deployment (derived from the test harness's secret).
_KEYS = in_memory().softtoken.context.keys


def run(*, quick: bool) -> list[Ratio]:
    seconds = 0.3 if quick else 1.0
    v1 = rate(lambda: chain_hash(_KEYS.audit, 1, "0" * 64, ENTRY), seconds=seconds)
    v2 = rate(_format_2, seconds=seconds)
    long_log = 10_000 if quick else 50_000
    small, large = _erasing_transaction(1_000), _erasing_transaction(long_log)
    return [
        Ratio(
            name="audit record hash: format 2 (pseudonyms) / format 1",
            ours=1e6 / v2,
            raw=1e6 / v1,
            unit="us",
            lower_is_better=True,
        ),
        Ratio(
            name=f"erasing transaction, SQLite: log of {long_log} / of 1000",
            ours=large * 1e3,
            raw=small * 1e3,
            unit="ms",
            target="about 1 (flat)",
            lower_is_better=True,
        ),
    ]
