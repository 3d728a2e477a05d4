"""The audit log's table: records appended to the hash chain, and its head row."""

from __future__ import annotations

from softtoken._keys import ServerKeys
from softtoken.audit._chain import GENESIS, AuditEntry, AuditRecord, chain_hash
from softtoken.errors import ConcurrencyError, Conflict
from softtoken.ports import Transaction
from softtoken.storage._repositories import row_datetime

__all__ = ["AuditTable"]


class AuditTable:
    """Audit entries queue up during the unit of work and are chained at commit, under
    the head row's lock, so concurrent transactions still build one straight chain."""

    table = "st_audit_events"
    head_table = "st_audit_head"

    def __init__(self, tx: Transaction, keys: ServerKeys) -> None:
        self._tx = tx
        self._key = keys.audit
        self._pending: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        self._pending.append(entry)

    def flush(self) -> None:
        if not self._pending:
            return
        heads = self._tx.select(self.head_table, [("id", "=", 1)], for_update=True)
        if heads:
            seq, prev = int(heads[0]["seq"]), str(heads[0]["hash"])  # type: ignore[call-overload]
        else:
            seq, prev = 0, GENESIS
        for entry in self._pending:
            seq += 1
            digest = chain_hash(self._key, seq, prev, entry)
            self._tx.insert(
                self.table,
                {
                    "seq": seq,
                    "at": entry.at,
                    "actor": entry.actor,
                    "action": entry.action,
                    "subject": entry.subject,
                    "outcome": entry.outcome,
                    "details": dict(entry.details),
                    "prev_hash": prev,
                    "hash": digest,
                },
            )
            prev = digest
        if heads:
            self._tx.update(self.head_table, [("id", "=", 1)], {"seq": seq, "hash": prev})
        else:
            # Two first writers race on this insert; the loser's Conflict is retried.
            try:
                self._tx.insert(self.head_table, {"id": 1, "seq": seq, "hash": prev})
            except Conflict:
                raise ConcurrencyError(detail="the audit chain was started concurrently") from None
        self._pending.clear()

    def head(self) -> tuple[int, str] | None:
        rows = self._tx.select(self.head_table, [("id", "=", 1)])
        return (int(rows[0]["seq"]), str(rows[0]["hash"])) if rows else None  # type: ignore[call-overload]

    def records(self, *, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        rows = self._tx.select(
            self.table, [("seq", ">", after_seq)], order_by=("seq",), limit=limit
        )
        return [
            AuditRecord(
                seq=int(r["seq"]),  # type: ignore[call-overload]
                entry=AuditEntry(
                    at=row_datetime(r["at"]),
                    actor=str(r["actor"]),
                    action=str(r["action"]),
                    subject=str(r["subject"]),
                    outcome=r["outcome"],  # type: ignore[arg-type]
                    details=dict(r["details"]),  # type: ignore[call-overload]
                ),
                prev_hash=str(r["prev_hash"]),
                hash=str(r["hash"]),
            )
            for r in rows
        ]
