"""The audit chains' head rows: locked one chain at a time on the hot path, started
together, upgraded from the single chain, and resealed together by an officer.

A commit locks only the heads of the chains its records go to, in ascending chain
order (so two commits never wait on each other in a cycle); the rows of other chains
stay free for other commits. All heads are made in one transaction: when the log
starts, or when the single ``v1`` head of a log from before chains is sealed again as
``v2`` for the policy's count. From then on a missing head is tampering, not a start.
"""

from __future__ import annotations

from softtoken._keys import ServerKeys
from softtoken.audit._chain import check_head_with
from softtoken.audit._chains import chain_for, check_chain_count, genesis, sealed_count
from softtoken.audit._seal import AuditHead, seal_head_v2
from softtoken.errors import ConcurrencyError, Conflict
from softtoken.ports import Row, Transaction

__all__ = ["HEAD_TABLE", "AuditHeads", "head_of"]

HEAD_TABLE = "st_audit_head"


def head_of(row: Row) -> AuditHead:
    mac, chains = row.get("mac"), row.get("chains")
    return AuditHead(
        seq=int(row["seq"]),  # type: ignore[call-overload]
        hash=str(row["hash"]),
        mac=None if mac is None else str(mac),
        chain=str(row["id"]),
        chains=None if chains is None else int(chains),  # type: ignore[call-overload]
    )


def _started() -> ConcurrencyError:
    return ConcurrencyError(detail="the audit chains were started concurrently")


class AuditHeads:
    """The head rows on one transaction, for ``chains`` chains; heads are sealed under
    the current key of ``keys`` and checked under the key each names."""

    def __init__(self, tx: Transaction, keys: ServerKeys, chains: int) -> None:
        self._tx = tx
        self._keys = keys
        self.chains = chains

    def route(self, subject: str) -> int:
        return chain_for(self._keys.audit, subject, self.chains)

    def all(self, *, for_update: bool = False) -> dict[int, AuditHead]:
        rows = self._tx.select(HEAD_TABLE, order_by=("id",), for_update=for_update)
        return {int(r["id"]): head_of(r) for r in rows}  # type: ignore[call-overload]

    def lock(self, chains: list[int]) -> dict[int, AuditHead | None]:
        """Lock the heads of ``chains`` (ascending) and check their seals: extending a
        forged head would seal the forgery, so every append refuses it."""
        found: dict[int, AuditHead | None] = {}
        for chain in chains:
            rows = self._tx.select(HEAD_TABLE, [("id", "=", chain)], for_update=True)
            head = head_of(rows[0]) if rows else None
            if head is not None and head.chains is not None:
                check_head_with(self._keys, head)
                check_chain_count(head.chains, self.chains)
            found[chain] = head
        return found

    def start(self, *, fresh: bool) -> dict[int, AuditHead]:
        """Heads for every chain when a chain head is missing: a new log (``fresh``,
        checked by the caller), or the single chain's ``v1`` head sealed again as
        ``v2``. Anything else is a head deleted, which must not restart.

        Raises:
            TamperingDetected: a head is missing beside others, or not authentic.
            ConcurrencyError: another commit started the heads first; retry.
        """
        existing = self.all(for_update=True)
        if not existing:
            if not fresh:
                raise AssertionError  # pragma: no cover - the caller checked
            return self._insert({})
        legacy = list(existing) == [1] and existing[1].chains is None
        if not legacy:
            sealed_count(self._keys, existing)  # raises for the missing head
            raise _started()  # a concurrent commit made them after our first read
        check_head_with(self._keys, existing[1])
        return self._insert(existing)

    def _insert(self, kept: dict[int, AuditHead]) -> dict[int, AuditHead]:
        made: dict[int, AuditHead] = {}
        for chain in range(1, self.chains + 1):
            old = kept.get(chain)
            seq, last = (0, genesis(chain)) if old is None else (old.seq, old.hash)
            head = self.seal(chain, seq, last)
            try:
                if old is None:
                    self._tx.insert(HEAD_TABLE, self._values(head, chain))
                else:
                    self._tx.update(HEAD_TABLE, [("id", "=", chain)], self._values(head))
            except Conflict:
                raise _started() from None
            made[chain] = head
        return made

    def seal(self, chain: int, seq: int, last: str) -> AuditHead:
        keys = self._keys
        mac = seal_head_v2(keys.audit, key_id=keys.key_id, chain=chain, chains=self.chains,
                           seq=seq, hash=last)  # fmt: skip
        return AuditHead(seq=seq, hash=last, mac=mac, chain=str(chain), chains=self.chains)

    def save(self, head: AuditHead) -> None:
        self._tx.update(HEAD_TABLE, [("id", "=", int(head.chain))], self._values(head))

    @staticmethod
    def _values(head: AuditHead, chain: int | None = None) -> dict[str, object]:
        values: dict[str, object] = {
            "seq": head.seq,
            "hash": head.hash,
            "mac": head.mac,
            "chains": head.chains,
        }
        return values if chain is None else {"id": chain, **values}

    def replace_all(self, ends: dict[int, tuple[int, str]]) -> None:
        """Seal every chain's head at ``ends`` (chain -> seq, hash) for this count and
        drop heads of chains past it (the caller made sure they hold no records)."""
        existing = self.all(for_update=True)
        for chain in range(1, self.chains + 1):
            head = self.seal(chain, *ends.get(chain, (0, genesis(chain))))
            if chain in existing:
                self.save(head)
            else:
                try:
                    self._tx.insert(HEAD_TABLE, self._values(head, chain))
                except Conflict:
                    raise _started() from None
        for chain in existing:
            if chain > self.chains:
                self._tx.delete(HEAD_TABLE, [("id", "=", chain)])
