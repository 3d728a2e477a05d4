"""Audit records of format 2 on the table: reading a row back, converting format 1
chains, and erasure, which blanks a person's clear values and leaves their pseudonyms.

Format 1 records (written before revision 0007) hash clear values, so blanking one
would break its chain: :func:`convert` re-chains every chain that holds them as
format 2 first, each record binding the hash it had (``legacy_hash``), so a checkpoint
taken before still verifies. Erasure then only ever touches clear columns that no hash
covers; the pseudonyms stay, so the chains verify as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from softtoken._keys import ServerKeys
from softtoken.audit._chain import AuditEntry, AuditRecord, entry_hash, link_chain
from softtoken.audit._chains import check_chain_count, genesis, sealed_count
from softtoken.audit._pseudonyms import AuditRefs, ref_columns, refs_for
from softtoken.audit._seal import AuditHead
from softtoken.errors import TamperingDetected
from softtoken.ports import Predicate, Row, Transaction
from softtoken.storage._audit_heads import AuditHeads
from softtoken.storage._repositories import row_datetime

__all__ = ["Converted", "chain_ids", "convert", "erase", "named", "record_of"]

_EVENTS = "st_audit_events"
#: Records read at a time when erasing.
_PAGE = 1000
_FORMAT_2 = 2


def record_of(r: Row) -> AuditRecord:
    """The record a row holds; an erased value shows as its pseudonym."""
    refs = None
    actor, subject = r["actor"], r["subject"]
    details: dict[str, object] = dict(r["details"])  # type: ignore[call-overload]
    if r.get("format", 1) == _FORMAT_2:
        detail_refs = {str(k): str(v) for k, v in dict(r["detail_refs"] or {}).items()}  # type: ignore[call-overload]
        refs = AuditRefs(
            key_id=str(r["key_id"]),
            actor=str(r["actor_ref"]),
            subject=str(r["subject_ref"]),
            details=detail_refs,
            legacy=None if r["legacy_hash"] is None else str(r["legacy_hash"]),
        )
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
        chain=int(r["chain"]),  # type: ignore[call-overload]
        refs=refs,
    )


def chain_ids(heads: AuditHeads) -> list[int]:
    """Every chain that may hold records: the policy's, and any a head names."""
    return sorted(set(range(1, heads.chains + 1)) | set(heads.all()))


@attrs.frozen
class Converted:
    """What :func:`convert` did: format 1 records re-chained, in which chains, and the
    heads they ended at before (the conversion's own audit record names them)."""

    records: int
    chains: tuple[int, ...]
    heads_before: Mapping[int, AuditHead]


def _starts_in_format_1(tx: Transaction, chain: int) -> bool:
    # Format 1 records are the ones written before revision 0007, so they start their
    # chain: the first record tells, without scanning an unindexed column.
    first = tx.select(_EVENTS, [("chain", "=", chain)], order_by=("seq",), limit=1)
    return bool(first) and first[0].get("format", 1) != _FORMAT_2


def convert(tx: Transaction, keys: ServerKeys, heads: AuditHeads) -> Converted | None:
    """Re-chain every chain that starts with format 1 records as format 2, under the
    heads' locks, once each verifies, and seal the heads at the new ends. None when
    there were none; the caller audits the conversion in this transaction.

    Raises:
        TamperingDetected: a chain or head does not verify as it stands.
        ConfigurationError: the heads are sealed for another chain count.
    """
    todo = [c for c in chain_ids(heads) if _starts_in_format_1(tx, c)]
    if not todo:
        return None
    existing = heads.all(for_update=True)
    sealed = sealed_count(keys, existing)
    if sealed > 1 or any(h.chains is not None for h in existing.values()):
        check_chain_count(sealed, heads.chains)
    ends = {c: (h.seq, h.hash) for c, h in existing.items()}
    old = 0
    for chain in todo:
        rows = tx.select(_EVENTS, [("chain", "=", chain)], order_by=("seq",))
        records = [record_of(r) for r in rows]
        link_chain(keys, records, head=existing.get(chain), start=genesis(chain), chain=chain)
        old += sum(1 for r in records if r.refs is None)
        prev = genesis(chain)
        for record in records:
            entry = record.entry
            refs = record.refs or refs_for(
                keys, actor=entry.actor, subject=entry.subject, details=entry.details
            )
            refs = attrs.evolve(refs, legacy=refs.legacy or record.hash)
            digest = entry_hash(keys, record.seq, prev, entry, refs)
            tx.update(_EVENTS, [("chain", "=", chain), ("seq", "=", record.seq)],
                      {"prev_hash": prev, "hash": digest, **ref_columns(refs)})  # fmt: skip
            prev = digest
        ends[chain] = (records[-1].seq, prev)
    heads.replace_all(ends)
    return Converted(records=old, chains=tuple(todo), heads_before=existing)


@attrs.frozen
class _Match:
    contained: tuple[str, ...]
    equal: frozenset[str]

    @classmethod
    def of(cls, identifiers: Iterable[str], names: Iterable[str]) -> _Match:
        return cls(tuple(i for i in identifiers if i), frozenset(names))

    def __call__(self, value: object) -> bool:
        return isinstance(value, str) and (
            value in self.equal or any(i in value for i in self.contained)
        )


def erase(
    tx: Transaction,
    chains: Sequence[int],
    identifiers: Iterable[str],
    *,
    names: Iterable[str] = (),
    found: Sequence[tuple[int, int]] | None = None,
    read_up_to: Mapping[int, int] | None = None,
) -> int:
    """Blank every clear actor, subject and text detail that contains one of
    ``identifiers`` (IDs, emails: long and distinctive) or equals one of ``names`` (a
    name inside other text may be anyone's), leaving its pseudonym; returns how many
    records changed. Format 1 records must be converted first (:func:`convert`).

    With ``found`` ((chain, seq) that :func:`named` found in short transactions before)
    and ``read_up_to`` (chain -> the last seq those read), only those records and the
    ones written since are read: the erasing transaction stays short however long the
    log is.
    """
    match = _Match.of(identifiers, names)
    changed = 0
    by_chain: dict[int, list[int]] = {}
    for chain, seq in found or ():
        by_chain.setdefault(chain, []).append(seq)
    for chain, seqs in sorted(by_chain.items()):
        wanted = sorted(set(seqs))
        for start in range(0, len(wanted), _PAGE):
            chunk = wanted[start : start + _PAGE]
            rows = tx.select(_EVENTS, [("chain", "=", chain), ("seq", "in", chunk)])
            changed += _blank(tx, rows, match)
    for chain in chains:
        after = 0 if read_up_to is None else read_up_to.get(chain, 0)
        while rows := _page(tx, chain, after):
            changed += _blank(tx, rows, match)
            after = int(rows[-1]["seq"])  # type: ignore[call-overload]
    return changed


def named(
    tx: Transaction,
    identifiers: Iterable[str],
    *,
    names: Iterable[str] = (),
    chain: int,
    after: int,
) -> tuple[list[int], int]:
    """One page of ``chain`` past ``after``: the sequence numbers of records that
    :func:`erase` would change, and the last one read (``after`` when there was none)."""
    match = _Match.of(identifiers, names)
    rows = _page(tx, chain, after)
    seqs = [int(r["seq"]) for r in rows if _erased(r, match, check=False)]  # type: ignore[call-overload]
    return seqs, int(rows[-1]["seq"]) if rows else after  # type: ignore[call-overload]


def _page(tx: Transaction, chain: int, after: int) -> list[Row]:
    where: list[Predicate] = [("chain", "=", chain), ("seq", ">", after)]
    return tx.select(_EVENTS, where, order_by=("seq",), limit=_PAGE)


def _blank(tx: Transaction, rows: list[Row], match: _Match) -> int:
    changed = 0
    for row in rows:
        values = _erased(row, match)
        if values:
            where: list[Predicate] = [("chain", "=", row["chain"]), ("seq", "=", row["seq"])]
            tx.update(_EVENTS, where, values)
            changed += 1
    return changed


def _erased(row: Row, match: _Match, *, check: bool = True) -> dict[str, object]:
    values: dict[str, object] = {}
    for column in ("actor", "subject"):
        if match(row[column]):
            values[column] = None
    details = dict(row["details"])  # type: ignore[call-overload]
    kept = {n: v for n, v in details.items() if not match(v)}
    if len(kept) != len(details):
        values["details"] = kept
    if check and values and row.get("format", 1) != _FORMAT_2:
        # Blanking a value a format 1 hash covers would break the chain.
        raise TamperingDetected(
            detail=f"record {row['seq']} of chain {row['chain']} is not converted to format 2"
        )
    return values
