"""Reading, exporting and verifying the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from softtoken.audit._chain import AuditRecord, verify_chain

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["AuditLog"]


class AuditLog:
    def __init__(self, unit_of_work: Callable[[], StorageUnitOfWork]) -> None:
        self._uow = unit_of_work

    def records(self, *, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        with self._uow() as uow:
            return uow.audit.records(after_seq=after_seq, limit=limit)

    def verify(self) -> int:
        """Check the whole chain; returns how many records verified.

        Raises:
            TamperingDetected: ``audit_chain_broken``, naming the first bad record.
        """
        with self._uow() as uow:
            records = uow.audit.records()
            head = uow.audit.head()
            key = uow.keys.audit
        return verify_chain(key, records, head=head)

    def export(self) -> list[dict[str, object]]:
        """Every record as JSON-ready dicts, with the chain hashes for outside checks."""
        return [
            {
                "seq": r.seq,
                "at": r.entry.at.isoformat(),
                "actor": r.entry.actor,
                "action": r.entry.action,
                "subject": r.entry.subject,
                "outcome": r.entry.outcome,
                "details": dict(r.entry.details),
                "prev_hash": r.prev_hash,
                "hash": r.hash,
            }
            for r in self.records()
        ]
