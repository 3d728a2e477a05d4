"""The audit log's table: records appended to the hash chains, and their sealed heads
(``_audit_heads.py``).

Records are written in format 2 (``softtoken.audit._pseudonyms``): the clear actor,
subject and text details sit in columns beside the pseudonyms the hash covers, so
erasure can blank them and the chain still verifies (``_audit_erasure.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from softtoken._keys import ServerKeys
from softtoken.audit._chain import AuditEntry, AuditRecord, link_chain
from softtoken.audit._chains import chain_rows, genesis
from softtoken.audit._seal import WIPED, AuditHead
from softtoken.errors import ConcurrencyError, ConfigurationError, Conflict, TamperingDetected
from softtoken.ports import Predicate, Transaction
from softtoken.storage._audit_erasure import Converted, chain_ids, convert, erase, named, record_of
from softtoken.storage._audit_heads import HEAD_TABLE, AuditHeads
from softtoken.storage._read_only import refused
from softtoken.storage._repositories import AccountTable

__all__ = ["ACCOUNT_CREATED", "AuditTable"]

#: The action every account's creation is audited with, in the same transaction.
ACCOUNT_CREATED = "account.create"
_ACCOUNTS = AccountTable.table
_EVENTS = "st_audit_events"


class AuditTable:
    """Audit entries queue up during the unit of work and are chained at commit, each
    in the chain of its subject, under that chain's head lock, so concurrent
    transactions still build straight chains and lock only the chains they write."""

    table = _EVENTS
    head_table = HEAD_TABLE

    def __init__(
        self, tx: Transaction, keys: ServerKeys, *, chains: int = 1, read_only: bool = False
    ) -> None:
        self._tx = tx
        self._keys = keys
        self._heads = AuditHeads(tx, keys, chains)
        self._read_only = read_only
        self._pending: list[AuditEntry] = []

    @property
    def chains(self) -> int:
        return self._heads.chains

    def append(self, entry: AuditEntry) -> None:
        if self._read_only:
            raise refused("audit.append")
        self._pending.append(entry)

    def flush(self) -> None:
        if not self._pending:
            return
        groups: dict[int, list[AuditEntry]] = {}
        for entry in self._pending:
            groups.setdefault(self._heads.route(entry.subject), []).append(entry)
        locked = self._heads.lock(sorted(groups))
        heads: dict[int, AuditHead]
        if all(h is not None and h.chains is not None for h in locked.values()):
            heads = {c: h for c, h in locked.items() if h is not None}
        else:
            fresh = not any(locked.values()) and self._fresh_or_raise()
            heads = self._heads.start(fresh=fresh)
        for chain in sorted(groups):
            head = heads[chain]
            rows, seq, last = chain_rows(
                self._keys, chain, groups[chain], seq=head.seq, prev=head.hash
            )
            for row in rows:
                try:
                    self._tx.insert(self.table, row)
                except Conflict:
                    # Under the head's lock, a record with this number was left past it.
                    raise TamperingDetected(
                        detail=f"record {row['seq']}{_of(chain)} lies past the head at {head.seq}"
                    ) from None
            self._heads.save(self._heads.seal(chain, seq, last))
        self._pending.clear()

    def _fresh_or_raise(self) -> bool:
        """True when no head exists at all and this is a new log: no records, and no
        accounts but those this transaction creates. A log that lost its heads is not
        started again (it would verify); False when a head exists (an upgrade)."""
        if self._tx.select(self.head_table, limit=1):
            return False
        created = {e.subject for e in self._pending if e.action == ACCOUNT_CREATED}
        records = self._tx.select(self.table, limit=1)
        accounts = self._tx.select(_ACCOUNTS, limit=len(created) + 1)
        if not records and all(str(r["user_id"]) in created for r in accounts):
            return True
        # Under READ COMMITTED another first writer may have committed its records,
        # heads and account since our head read: then retry behind it. Otherwise the
        # log was wiped (or its heads deleted) and must not start again.
        if self._tx.select(self.head_table, limit=1):
            raise ConcurrencyError(detail="the audit chains were started concurrently")
        if records:
            raise TamperingDetected(detail="records 1 and later lie past the head")
        raise TamperingDetected(detail=WIPED)

    def reseal(self, *, only_unsealed: bool = False) -> tuple[dict[int, AuditHead], int] | None:
        """Seal every chain's head at the end of its records as they stand, for the
        policy's chain count, once every link checks; returns the heads found before
        and how many records the new heads cover. An officer's recovery after a head
        was lost or forged, and the deliberate way to change the chain count
        (docs/audit.md); the caller audits it in the same transaction.

        With ``only_unsealed``, only a lone head from before sealing is sealed (None
        otherwise): a schema upgrade seals only that.

        Raises:
            TamperingDetected: a record was altered or is missing (restore a backup).
            ConfigurationError: chains past the new count hold records (no shrinking).
        """
        before = self._heads.all(for_update=True)
        if only_unsealed and not (list(before) == [1] and before[1].mac is None):
            return None
        by_chain: dict[int, list[AuditRecord]] = {}
        for record in self.records():
            by_chain.setdefault(record.chain, []).append(record)
        if beyond := [c for c in by_chain if c > self.chains or c < 1]:
            raise ConfigurationError(
                detail=f"chain {max(beyond)} holds records: the audit log cannot shrink "
                f"to {self.chains} chains (docs/audit.md)"
            )
        ends: dict[int, tuple[int, str]] = {}
        for chain, records in by_chain.items():
            end = AuditHead(seq=records[-1].seq, hash=records[-1].hash, mac=None)
            link_chain(self._keys, records, head=end, start=genesis(chain), chain=chain)
            ends[chain] = (end.seq, end.hash)
        self._heads.replace_all(ends)
        return before, sum(seq for seq, _ in ends.values())

    def has_accounts(self) -> bool:
        return bool(self._tx.select(_ACCOUNTS, limit=1))

    def heads(self) -> dict[int, AuditHead]:
        return self._heads.all()

    def head(self) -> AuditHead | None:
        """Chain 1's head (the single chain's, in a log from before chains)."""
        return self._heads.all().get(1)

    def records(
        self,
        *,
        after_seq: int = 0,
        limit: int | None = None,
        up_to_seq: int | None = None,
        chain: int | None = None,
    ) -> list[AuditRecord]:
        """Records ordered by (chain, seq); ``after_seq`` and ``up_to_seq`` bound the
        sequence within each chain."""
        where: list[Predicate] = [("seq", ">", after_seq)]
        if up_to_seq is not None:
            where.append(("seq", "<=", up_to_seq))
        if chain is not None:
            where.append(("chain", "=", chain))
        rows = self._tx.select(self.table, where, order_by=("chain", "seq"), limit=limit)
        return [record_of(r) for r in rows]

    # --- format 2 and erasure (``_audit_erasure.py``) -------------------------------------

    def convert(self) -> Converted | None:
        """Re-chain format 1 records as format 2; see :func:`_audit_erasure.convert`."""
        return convert(self._tx, self._keys, self._heads)

    def erase(
        self,
        identifiers: Iterable[str],
        *,
        names: Iterable[str] = (),
        found: Sequence[tuple[int, int]] | None = None,
        read_up_to: Mapping[int, int] | None = None,
    ) -> int:
        """Blank the person's clear values; see :func:`_audit_erasure.erase`."""
        return erase(self._tx, self.chain_ids(), identifiers, names=names, found=found,
                     read_up_to=read_up_to)  # fmt: skip

    def chain_ids(self) -> list[int]:
        """Every chain that may hold records."""
        return chain_ids(self._heads)

    def named(
        self, identifiers: Iterable[str], *, names: Iterable[str] = (), chain: int, after: int
    ) -> tuple[list[int], int]:
        """One page of ``chain`` past ``after``; see :func:`_audit_erasure.named`."""
        return named(self._tx, identifiers, names=names, chain=chain, after=after)


def _of(chain: int) -> str:
    return "" if chain == 1 else f" of chain {chain}"
