"""The audit log's table: records appended to the hash chain, and its sealed head row.

Records are written in format 2 (``softtoken.audit._pseudonyms``): the clear actor,
subject and text details sit in columns beside the pseudonyms the hash covers, so
:meth:`AuditTable.erase` can blank them and the chain still verifies.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from softtoken._keys import ServerKeys
from softtoken.audit._chain import (
    GENESIS,
    AuditEntry,
    AuditRecord,
    check_head_with,
    verify_chain,
)
from softtoken.audit._pseudonyms import AuditRefs, record_hash, refs_for
from softtoken.audit._seal import WIPED, AuditHead, seal_head
from softtoken.errors import ConcurrencyError, Conflict, TamperingDetected
from softtoken.ports import Predicate, Row, Transaction
from softtoken.storage._repositories import AccountTable, row_datetime

__all__ = ["ACCOUNT_CREATED", "AuditTable"]

#: The action every account's creation is audited with, in the same transaction.
ACCOUNT_CREATED = "account.create"
#: Records read at a time when erasing.
_PAGE = 1000
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
        self._keys = keys
        self._key = keys.audit
        self._pending: list[AuditEntry] = []

    def _seal(self, seq: int, last: str) -> str:
        return seal_head(self._key, seq=seq, hash=last, key_id=self._keys.key_id)

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
            check_head_with(self._keys, head)
            seq, prev = head.seq, head.hash
        else:
            self._check_fresh()
            seq, prev = 0, GENESIS
        start = seq
        for entry in self._pending:
            seq += 1
            refs = refs_for(self._keys, actor=entry.actor, subject=entry.subject,
                            details=entry.details)  # fmt: skip
            digest = _hash(self._keys, seq, prev, entry, refs)
            try:
                self._insert(seq, entry, prev, digest, refs)
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
        values = {"seq": seq, "hash": prev, "mac": self._seal(seq, prev)}
        if heads:
            self._tx.update(self.head_table, [("id", "=", 1)], values)
        else:
            # Two first writers race on this insert; the loser's Conflict is retried.
            try:
                self._tx.insert(self.head_table, {"id": 1, **values})
            except Conflict:
                raise ConcurrencyError(detail="the audit chain was started concurrently") from None
        self._pending.clear()

    def _insert(self, seq: int, entry: AuditEntry, prev: str, digest: str, refs: AuditRefs) -> None:
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
                **_ref_columns(refs),
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
        sealed = AuditHead(seq=seq, hash=last, mac=self._seal(seq, last))
        verify_chain(self._keys, records, head=sealed)
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
        return [_record(r) for r in rows]

    def convert(self) -> tuple[int, AuditHead] | None:
        """Re-chain format 1 records (from before revision 0007) as format 2, under
        the head's lock, once the whole chain verifies. Every rewritten record binds
        the hash it had (``legacy``), so checkpoints taken before still verify.
        Returns how many records were format 1 and the head they ended at, or None
        when there were none; the caller audits the conversion in this transaction.

        Raises:
            TamperingDetected: the chain does not verify as it stands.
        """
        # Format 1 records are the ones written before revision 0007, so they start
        # the log: reading the first record tells, without scanning an unindexed column.
        first = self._tx.select(self.table, order_by=("seq",), limit=1)
        if not first or first[0].get("format", 1) != 1:
            return None
        heads = self._tx.select(self.head_table, [("id", "=", 1)], for_update=True)
        head = _head(heads[0]) if heads else None
        records = self.records()
        verify_chain(self._keys, records, head=head)
        assert head is not None  # noqa: S101 - a verified chain with records has a head
        old = sum(1 for r in records if r.refs is None)
        prev = GENESIS
        for record in records:
            entry = record.entry
            refs = record.refs or refs_for(
                self._keys, actor=entry.actor, subject=entry.subject, details=entry.details
            )
            refs = attrs.evolve(refs, legacy=refs.legacy or record.hash)
            digest = _hash(self._keys, record.seq, prev, entry, refs)
            self._tx.update(self.table, [("seq", "=", record.seq)],
                            {"prev_hash": prev, "hash": digest, **_ref_columns(refs)})  # fmt: skip
            prev = digest
        values = {"hash": prev, "mac": self._seal(head.seq, prev)}
        self._tx.update(self.head_table, [("id", "=", 1)], values)
        return old, head

    def erase(
        self,
        identifiers: Iterable[str],
        *,
        names: Iterable[str] = (),
        seqs: Iterable[int] | None = None,
        after: int = 0,
    ) -> int:
        """Blank every clear actor, subject and text detail that contains one of
        ``identifiers`` (IDs, emails: long and distinctive) or equals one of ``names``
        (a name inside other text may be anyone's), leaving its pseudonym; returns how
        many records changed. Format 1 records must be converted first (:meth:`convert`).

        With ``seqs`` (what :meth:`named` found in short transactions before), only
        those records and the ones past ``after`` are read: the erasing transaction
        stays short however long the log is.
        """
        match = _Match(tuple(i for i in identifiers if i), frozenset(names))
        changed = 0
        wanted = sorted(set(seqs or ()))
        for start in range(0, len(wanted), _PAGE):
            chunk = wanted[start : start + _PAGE]
            changed += self._blank(self._tx.select(self.table, [("seq", "in", chunk)]), match)
        after = 0 if seqs is None else after
        while rows := self._tx.select(self.table, [("seq", ">", after)], order_by=("seq",),
                                      limit=_PAGE):  # fmt: skip
            changed += self._blank(rows, match)
            after = int(rows[-1]["seq"])  # type: ignore[call-overload]
        return changed

    def named(
        self, identifiers: Iterable[str], *, names: Iterable[str] = (), after: int = 0
    ) -> tuple[list[int], int]:
        """One page of the log past ``after``: the sequence numbers of records that
        :meth:`erase` would change, and the last sequence number read (``after`` when
        there was none)."""
        match = _Match(tuple(i for i in identifiers if i), frozenset(names))
        rows = self._tx.select(self.table, [("seq", ">", after)], order_by=("seq",),
                               limit=_PAGE)  # fmt: skip
        found = [int(r["seq"]) for r in rows if _erased(r, match, check=False)]  # type: ignore[call-overload]
        return found, int(rows[-1]["seq"]) if rows else after  # type: ignore[call-overload]

    def _blank(self, rows: list[Row], match: _Match) -> int:
        changed = 0
        for row in rows:
            values = _erased(row, match)
            if values:
                self._tx.update(self.table, [("seq", "=", row["seq"])], values)
                changed += 1
        return changed


def _hash(keys: ServerKeys, seq: int, prev: str, entry: AuditEntry, refs: AuditRefs) -> str:
    return record_hash(keys, seq, prev, at=entry.at.isoformat(timespec="microseconds"),
                       action=entry.action, outcome=entry.outcome, details=entry.details,
                       refs=refs)  # fmt: skip


def _ref_columns(refs: AuditRefs) -> dict[str, object]:
    return {
        "format": 2,
        "key_id": refs.key_id,
        "actor_ref": refs.actor,
        "subject_ref": refs.subject,
        "detail_refs": dict(refs.details),
        "legacy_hash": refs.legacy,
    }


@attrs.frozen
class _Match:
    contained: tuple[str, ...]
    equal: frozenset[str]

    def __call__(self, value: object) -> bool:
        return isinstance(value, str) and (
            value in self.equal or any(i in value for i in self.contained)
        )


def _erased(row: Row, named: _Match, *, check: bool = True) -> dict[str, object]:
    values: dict[str, object] = {}
    for column in ("actor", "subject"):
        if named(row[column]):
            values[column] = None
    details = dict(row["details"])  # type: ignore[call-overload]
    kept = {n: v for n, v in details.items() if not named(v)}
    if len(kept) != len(details):
        values["details"] = kept
    if check and values and row.get("format", 1) != 2:  # noqa: PLR2004 - the record format
        # Blanking a value a format 1 hash covers would break the chain.
        raise TamperingDetected(detail=f"record {row['seq']} is not converted to format 2")
    return values


def _record(r: Row) -> AuditRecord:
    refs = None
    actor, subject = r["actor"], r["subject"]
    details: dict[str, object] = dict(r["details"])  # type: ignore[call-overload]
    if r.get("format", 1) == 2:  # noqa: PLR2004 - the record format
        detail_refs = {str(k): str(v) for k, v in dict(r["detail_refs"] or {}).items()}  # type: ignore[call-overload]
        refs = AuditRefs(
            key_id=str(r["key_id"]),
            actor=str(r["actor_ref"]),
            subject=str(r["subject_ref"]),
            details=detail_refs,
            legacy=None if r["legacy_hash"] is None else str(r["legacy_hash"]),
        )
        # An erased value shows as its pseudonym.
        actor = refs.actor if actor is None else actor
        subject = refs.subject if subject is None else subject
        details = {**detail_refs, **details}
    return AuditRecord(
        seq=int(r["seq"]),  # type: ignore[call-overload]
        entry=AuditEntry(
            at=row_datetime(r["at"]),
            actor=str(actor),
            action=str(r["action"]),
            subject=str(subject),
            outcome=r["outcome"],  # type: ignore[arg-type]
            details=details,  # type: ignore[arg-type]
        ),
        prev_hash=str(r["prev_hash"]),
        hash=str(r["hash"]),
        refs=refs,
    )
