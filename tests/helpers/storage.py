"""Storage snapshots: every row of every table, to assert that a failed call changed
nothing."""

from __future__ import annotations

from softtoken.audit import AuditRecord
from softtoken.storage.sql import metadata
from softtoken.testing import Harness


def snapshot(harness: Harness) -> dict[str, list[dict[str, object]]]:
    tx = harness.softtoken.storage.begin()
    try:
        return {
            t.name: tx.select(t.name, order_by=[c.name for c in t.primary_key.columns])
            for t in metadata.sorted_tables
        }
    finally:
        tx.rollback()


def new_records(harness: Harness, before: list[AuditRecord]) -> list[AuditRecord]:
    """The audit records written since ``before`` was read. Records are listed by chain,
    then sequence (issue 15: several chains), so the newest is not always the last."""
    seen = {(r.chain, r.seq) for r in before}
    return [r for r in harness.softtoken.audit.records() if (r.chain, r.seq) not in seen]
