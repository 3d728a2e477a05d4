"""The audit log's table: records appended to the hash chain, and its sealed head row."""

from __future__ import annotations

from softtoken._keys import ServerKeys
from softtoken.audit._chain import GENESIS, AuditEntry, AuditRecord, chain_hash, verify_chain
from softtoken.audit._seal import WIPED, AuditHead, check_head, seal_head
from softtoken.errors import ConcurrencyError, Conflict, TamperingDetected
from softtoken.ports import Predicate, Row, Transaction
from softtoken.storage._repositories import AccountTable, row_datetime

__all__ = ["ACCOUNT_CREATED", "AuditTable"]

#: The action every account's creation is audited with, in the same transaction.
ACCOUNT_CREATED = "account.create"
_ACCOUNTS = AccountTable.table


def _head(row: Row) -> AuditHead:
    mac = row.get("mac")
    return AuditHead(
        seq=int(row["seq"]),  # type: ignore[call-overload]
        hash=str(row["hash"]),
        mac=None if mac is None else str(mac),
    )


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
            head = _head(heads[0])
            # Extending a forged head would seal the forgery: refuse, and keep the
            # evidence for verify (every audited call fails until an officer acts).
            check_head(self._key, head)
            seq, prev = head.seq, head.hash
        else:
            self._check_fresh()
            seq, prev = 0, GENESIS
        start = seq
        for entry in self._pending:
            seq += 1
            digest = chain_hash(self._key, seq, prev, entry)
            try:
                self._insert(seq, entry, prev, digest)
            except Conflict:
                if not heads:  # two first writers: the loser retries behind the winner
                    raise ConcurrencyError(
                        detail="the audit chain was started concurrently"
                    ) from None
                # Under the head's lock, a record with this number was left past it.
                raise TamperingDetected(
                    detail=f"record {seq} lies past the head at {start}"
                ) from None
            prev = digest
        values = {"seq": seq, "hash": prev, "mac": seal_head(self._key, seq=seq, hash=prev)}
        if heads:
            self._tx.update(self.head_table, [("id", "=", 1)], values)
        else:
            # Two first writers race on this insert; the loser's Conflict is retried.
            try:
                self._tx.insert(self.head_table, {"id": 1, **values})
            except Conflict:
                raise ConcurrencyError(detail="the audit chain was started concurrently") from None
        self._pending.clear()

    def _insert(self, seq: int, entry: AuditEntry, prev: str, digest: str) -> None:
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

    def _check_fresh(self) -> None:
        """A chain starts only in a database with no records and no accounts but those
        this transaction creates: otherwise a wiped log would restart and verify."""
        created = {e.subject for e in self._pending if e.action == ACCOUNT_CREATED}
        records = self._tx.select(self.table, limit=1)
        accounts = self._tx.select(_ACCOUNTS, limit=len(created) + 1)
        if not records and all(str(r["user_id"]) in created for r in accounts):
            return
        # Under READ COMMITTED another first writer may have committed its records,
        # head and account since our head read: then retry behind it. Otherwise the
        # log was wiped (or its head deleted) and must not start again.
        if self._tx.select(self.head_table, [("id", "=", 1)]):
            raise ConcurrencyError(detail="the audit chain was started concurrently")
        if records:
            raise TamperingDetected(detail="records 1 and later lie past the head")
        raise TamperingDetected(detail=WIPED)

    def reseal(self, *, only_unsealed: bool = False) -> tuple[AuditHead | None, int] | None:
        """Seal a head at the end of the records as they stand, once every link checks;
        returns the head found before and how many records the new head covers. An
        officer's recovery after a head was lost or forged (docs/audit.md); the caller
        audits it in the same transaction.

        With ``only_unsealed``, a head that is missing or already sealed is left alone
        (None): a schema upgrade seals only a head from before sealing.

        Raises:
            TamperingDetected: a record was altered or is missing (restore a backup).
        """
        heads = self._tx.select(self.head_table, [("id", "=", 1)], for_update=True)
        if only_unsealed and (not heads or heads[0].get("mac") is not None):
            return None
        records = self.records()
        seq, last = (records[-1].seq, records[-1].hash) if records else (0, GENESIS)
        sealed = AuditHead(seq=seq, hash=last, mac=seal_head(self._key, seq=seq, hash=last))
        verify_chain(self._key, records, head=sealed)
        values = {"seq": seq, "hash": last, "mac": sealed.mac}
        if heads:
            self._tx.update(self.head_table, [("id", "=", 1)], values)
        else:
            try:
                self._tx.insert(self.head_table, {"id": 1, **values})
            except Conflict:
                raise ConcurrencyError(detail="the audit chain was started concurrently") from None
        return (_head(heads[0]) if heads else None), seq

    def has_accounts(self) -> bool:
        return bool(self._tx.select(_ACCOUNTS, limit=1))

    def head(self) -> AuditHead | None:
        rows = self._tx.select(self.head_table, [("id", "=", 1)])
        return _head(rows[0]) if rows else None

    def records(
        self, *, after_seq: int = 0, limit: int | None = None, up_to_seq: int | None = None
    ) -> list[AuditRecord]:
        where: list[Predicate] = [("seq", ">", after_seq)]
        if up_to_seq is not None:
            where.append(("seq", "<=", up_to_seq))
        rows = self._tx.select(self.table, where, order_by=("seq",), limit=limit)
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
