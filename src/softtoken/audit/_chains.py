"""Several audit chains instead of one: which chain a record goes to, where each chain
starts, the heads sealed with the chain count, and verifying them all together.

One chain has one head row, and every audited commit in a deployment queued on its lock
(issue 15). Here a keyed hash of the record's subject picks one of ``n`` chains
(``Policy.audit_chains``), each with its own sealed head, so commits about different
subjects lock different rows. Each property of the single chain holds per chain, and
the set of chains is bound together by two things only the key holder can make:

* every head's MAC (``v2``) covers its chain number **and the chain count** ``n``, so
  a head cannot be moved to another chain, and the count cannot be changed without the
  key; ``verify`` requires heads 1..n, all sealed for the same ``n``: a chain deleted
  whole (records and head) leaves a gap;
* every chain starts from a genesis value of its own (chain 1 from the zeros the single
  chain always used, so an existing log stays chain 1 as it is), so a record or a whole
  chain moved to another chain does not link. The genesis needs no key (the record
  hashes that cover it are keyed), so it stays the same across a key rotation.

The proof is in docs/audit.md.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from hashlib import sha256

from softtoken._keys import ServerKeys
from softtoken.audit._chain import (
    GENESIS,
    AuditEntry,
    AuditRecord,
    check_checkpoint_with,
    check_head_with,
    entry_hash,
    link_chain,
)
from softtoken.audit._pseudonyms import ref_columns, refs_for
from softtoken.audit._seal import AuditCheckpoint, AuditHead, seal_head_v2, subkey
from softtoken.errors import ConfigurationError, TamperingDetected
from softtoken.ports import Row

__all__ = [
    "MAX_CHAINS",
    "chain_for",
    "chain_rows",
    "check_chain_count",
    "genesis",
    "head_rows",
    "sealed_count",
    "verify_chains",
]

#: Policy.audit_chains is validated against this; it bounds the heads a verify reads.
MAX_CHAINS = 256


def chain_for(audit_key: bytes, subject: str, chains: int) -> int:
    """The chain (1..chains) of records about ``subject``. Keyed, so whoever picks
    subjects cannot aim them all at one chain to bring the single lock back."""
    if chains == 1:
        return 1
    digest = hmac.new(subkey(audit_key, "audit-route"), subject.encode(), sha256).digest()
    return 1 + int.from_bytes(digest[:8], "big") % chains


def genesis(chain: int) -> str:
    """The ``prev_hash`` of a chain's first record. Chain 1 keeps the zeros of the
    single chain, so logs written before chains verify unchanged as chain 1."""
    if chain == 1:
        return GENESIS
    return sha256(f"softtoken/audit-genesis/v1\n{chain}".encode()).hexdigest()


def check_chain_count(sealed: int, configured: int) -> None:
    """Raises:
    ConfigurationError: the heads are sealed for another count than the policy's; the
        count changes only by a deliberate reseal (docs/audit.md)."""
    if sealed != configured:
        raise ConfigurationError(
            detail=f"the audit log is sealed for {sealed} chains but Policy.audit_chains is "
            f"{configured}: an officer reseals to change it (docs/audit.md)"
        )


def sealed_count(keys: ServerKeys, heads: Mapping[int, AuditHead]) -> int:
    """Check every head's seal and that they are chains 1..n, all sealed for n;
    returns n (1 for a lone ``v1`` head from before chains, 0 for no heads).

    Raises:
        TamperingDetected: a head not sealed with the key, a missing head, a head
            outside the chains, or heads sealed for different counts.
    """
    if not heads:
        return 0
    if list(heads) == [1] and heads[1].chains is None:
        check_head_with(keys, heads[1])
        return 1
    for chain in sorted(heads):
        head = heads[chain]
        if head.chains is None:  # a v1 head beside v2 heads, or one that lost its count
            raise TamperingDetected(detail=f"the chain head of chain {chain} is not authentic")
        check_head_with(keys, head)
    counts = {head.chains for head in heads.values()}
    if len(counts) != 1:
        raise TamperingDetected(
            detail=f"the chain heads disagree on the chain count: {sorted(map(str, counts))}"
        )
    n = heads[min(heads)].chains
    assert n is not None  # noqa: S101 - None was refused above
    for chain in range(1, n + 1):
        if chain not in heads:
            raise TamperingDetected(detail=f"the head of chain {chain} of {n} is missing")
    if extra := sorted(set(heads) - set(range(1, n + 1))):
        raise TamperingDetected(detail=f"chain {extra[0]} lies outside the {n} chains")
    return n


def verify_chains(
    keys: ServerKeys,
    heads: Mapping[int, AuditHead],
    records: Iterable[AuditRecord],
    *,
    checkpoint: AuditCheckpoint | None = None,
) -> int:
    """Verify every chain against its head, from one consistent read of the heads and
    the records; returns how many records verified. ``checkpoint`` is a ``v1`` one
    (chain 1, from before chains) or a ``v2`` one (every chain's head).

    Raises:
        TamperingDetected: as :func:`sealed_count`; per chain a record altered, missing
            or past its head, a log shorter than the checkpoint or not extending it;
            ``audit_checkpoint_invalid`` for a checkpoint that is not authentic.
    """
    if checkpoint is not None:
        check_checkpoint_with(keys, checkpoint)
    n = max(sealed_count(keys, heads), 1)
    if not heads and checkpoint is not None:  # wiped: each chain is shorter than it was
        n = max(n, len(checkpoint.heads))
    by_chain: dict[int, list[AuditRecord]] = {}
    for record in records:
        by_chain.setdefault(record.chain, []).append(record)
    if outside := sorted(set(by_chain) - set(range(1, n + 1))):
        raise TamperingDetected(detail=f"records of chain {outside[0]} lie outside the chains")
    reach: tuple[tuple[int, str], ...] = ()
    if checkpoint is not None:
        reach = checkpoint.heads or ((checkpoint.seq, checkpoint.hash),)
        if len(reach) > n:
            raise TamperingDetected(
                detail=f"the log has {n} chains, fewer than the checkpoint's {len(reach)}"
            )
    return sum(
        link_chain(
            keys,
            by_chain.get(chain, ()),
            head=heads.get(chain),
            reach=reach[chain - 1] if chain <= len(reach) else None,
            start=genesis(chain),
            chain=chain,
        )
        for chain in range(1, n + 1)
    )


def chain_rows(
    keys: ServerKeys, chain: int, entries: Iterable[AuditEntry], *, seq: int, prev: str
) -> tuple[list[Row], int, str]:
    """The rows (format 2, under ``keys``' key ID) that append ``entries`` to ``chain``
    after (``seq``, ``prev``), and the new end (seq, hash) to seal into its head. The
    one way to build chain rows: the audit table uses it, and so can a bulk loader
    (docs/audit.md)."""
    rows: list[Row] = []
    for entry in entries:
        seq += 1
        refs = refs_for(keys, actor=entry.actor, subject=entry.subject, details=entry.details)
        digest = entry_hash(keys, seq, prev, entry, refs)
        rows.append(
            {
                "chain": chain,
                "seq": seq,
                "at": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "outcome": entry.outcome,
                "details": dict(entry.details),
                "prev_hash": prev,
                "hash": digest,
                **ref_columns(refs),
            }
        )
        prev = digest
    return rows, seq, prev


def head_rows(keys: ServerKeys, chains: int, ends: Mapping[int, tuple[int, str]]) -> list[Row]:
    """The head rows of every chain 1..chains, sealed ``v2`` under ``keys`` at ``ends``
    (chain -> seq, hash; a chain not named is empty). With :func:`chain_rows`, what a
    bulk loader writes in place of the library (docs/audit.md: loading in bulk)."""
    rows: list[Row] = []
    for chain in range(1, chains + 1):
        seq, last = ends.get(chain, (0, genesis(chain)))
        mac = seal_head_v2(keys.audit, key_id=keys.key_id, chain=chain, chains=chains,
                           seq=seq, hash=last)  # fmt: skip
        rows.append({"id": chain, "seq": seq, "hash": last, "mac": mac, "chains": chains})
    return rows
