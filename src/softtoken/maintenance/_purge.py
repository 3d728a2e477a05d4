"""``soft.maintenance``: purge what has outlived its retention period.

Bounded batches, each in a transaction of its own that deletes and audits the count (never
content), so a purge can run beside live traffic and from several processes at once: two
purgers that read the same batch delete each row once (the second delete matches nothing),
and the audit records add up to what went.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from softtoken._clock import utc
from softtoken._context import ServiceContext
from softtoken.accounts import _boundary
from softtoken.errors import ValidationError
from softtoken.maintenance._rekey import KeyUsage, check_retirable, key_usage, reseal
from softtoken.maintenance._rules import RULES, RetentionRule
from softtoken.ports import Predicate, Row
from softtoken.privacy._erase import erase_due
from softtoken.proofing._documents_store import DocumentStore, drop_documents
from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["MaintenanceService", "PurgeReport"]


@attrs.frozen(kw_only=True)
class PurgeReport:
    """How many rows each rule removed, by rule name."""

    at: datetime
    deleted: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


class MaintenanceService:
    def __init__(self, context: ServiceContext, *, documents: DocumentStore) -> None:
        self._ctx = context
        self._documents = documents

    def purge(self, now: datetime | None = None, *, batch_size: int | None = None) -> PurgeReport:
        """Delete every row past its retention period (``policy.retention_*``).

        ``now`` defaults to the clock's; pass a time to purge as of then (a purge can
        only remove rows older than it, so a later ``now`` is never needed by tests).

        Raises:
            ValidationError: ``invalid_batch_size`` (``batch_size`` below 1),
                ``invalid_time`` (``now`` not an aware datetime).
        """
        ctx = self._ctx
        size = ctx.policy.purge_batch_size if batch_size is None else batch_size
        size = _boundary.count(size, "batch_size", code="invalid_batch_size")
        if now is not None and (not isinstance(now, datetime) or now.tzinfo is None):
            raise ValidationError("invalid_time", field="now")
        at = ctx.clock.now() if now is None else utc(now)
        deleted = {rule.name: self._purge_rule(rule, at, size) for rule in RULES}
        # Accounts closed past their retention: erasure, not a plain delete (their
        # rows are in many tables and the audit log keeps only pseudonyms).
        deleted["closed_accounts"] = self._erase_closed(at, size)
        return PurgeReport(at=at, deleted=deleted)

    # --- key rotation (docs/privacy.md, "Rotating a key"; logic in _rekey) ------------

    def key_usage(self) -> KeyUsage:
        """Stored values per key ID, and which keys nothing uses (``keys status``)."""
        return key_usage(self._ctx)

    def reseal(self, *, batch_size: int | None = None) -> int:
        """Move sealed values and blind indexes to the current key (``keys reseal``);
        returns how many rows changed.

        Raises:
            ValidationError: ``invalid_batch_size``.
        """
        return reseal(self._ctx, batch_size=batch_size)

    def check_retirable(self, key_id: object) -> KeyUsage:
        """Raises StateError ``key_in_use`` or ``key_is_current`` unless ``key_id`` can
        leave the keyring (``keys retire``)."""
        return check_retirable(self._ctx, key_id)

    def _erase_closed(self, now: datetime, size: int) -> int:
        total = 0
        while True:
            started = time.monotonic()
            erased = erase_due(self._ctx, self._documents, now=now, limit=size)
            total += erased
            if erased < size:
                return total
            self._yield_to_traffic(time.monotonic() - started)

    def _purge_rule(self, rule: RetentionRule, now: datetime, size: int) -> int:
        total = 0
        for where in rule.conditions(self._ctx.policy, now):

            def batch(
                uow: StorageUnitOfWork, where: Sequence[Predicate] = where
            ) -> tuple[int, int]:
                return self._batch(uow, rule, where, size)

            while True:
                started = time.monotonic()
                read, gone = self._ctx.transact(batch)
                total += gone
                if read < size:
                    break
                self._yield_to_traffic(time.monotonic() - started)
        return total

    def _yield_to_traffic(self, worked: float) -> None:
        # Back-to-back batches starve live writers: SQLite's writer that waits for the
        # lock sleeps in steps and finds it taken again; a server's cores go to the
        # purge. Resting in proportion to the work keeps the purge to its duty cycle.
        duty = self._ctx.policy.purge_duty_cycle
        if duty < 1:
            time.sleep(worked * (1 - duty) / duty)

    def _batch(
        self, uow: StorageUnitOfWork, rule: RetentionRule, where: Sequence[Predicate], size: int
    ) -> tuple[int, int]:
        tx = uow.transaction
        rows = tx.select(rule.table, where, order_by=rule.keys, limit=size)
        gone = 0
        for row in rows:
            if rule.referred_to(tx, row) or not tx.delete(rule.table, [*_key(rule, row), *where]):
                continue
            gone += 1
            drop_documents(uow, self._documents, rule.documents(row))
        if gone:
            self._ctx.audit(
                uow,
                actor="system:purge",
                action="maintenance.purge",
                subject=rule.name,
                deleted=gone,
            )
        return len(rows), gone


def _key(rule: RetentionRule, row: Row) -> list[Predicate]:
    return [(column, "=", row[column]) for column in rule.keys]
