"""Storage snapshots: every row of every table, to assert that a failed call changed
nothing."""

from __future__ import annotations

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
