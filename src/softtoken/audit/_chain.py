"""The audit log: entries, the hash chain that binds them, and its verification.

Each record's hash is an HMAC-SHA256, under a key derived from the deployment's secret,
of its sequence number, the previous record's hash and the entry's canonical JSON. A
changed field breaks that record's hash; a removed row breaks the next record's link;
rows cut from the end no longer match the chain head kept beside the log, whose own MAC
(``_seal.py``) stops anyone without the key from moving it back. Without the key nobody
can rebuild a chain that verifies; a head put back to an earlier sealed value is caught
by a checkpoint kept outside the database. (Someone who also holds the key can rebuild
everything but a checkpoint already stored elsewhere.)

Entries never hold a secret: :class:`AuditEntry` refuses detail keys that name one.

Records written since schema revision 0007 (format 2) hash keyed pseudonyms of who and
what instead of the clear values, and name the key ID they were MAC'd with
(``_pseudonyms.py``), so erasure can blank the clear values and the chain still verifies.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from hashlib import sha256
from typing import Literal

import attrs

from softtoken._clock import utc
from softtoken._keys import ServerKeys
from softtoken.audit._pseudonyms import AuditRefs, matches, record_hash
from softtoken.audit._seal import (
    MAIN_CHAIN,
    AuditCheckpoint,
    AuditHead,
    check_checkpoint,
    check_head,
    head_key_id,
)
from softtoken.errors import ConfigurationError, TamperingDetected

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditRecord",
    "Outcome",
    "chain_hash",
    "check_checkpoint_with",
    "check_head_with",
    "entry_hash",
    "keys_named",
    "link_chain",
    "record_digest",
    "verify_chain",
]

Outcome = Literal["success", "failure", "denied"]
GENESIS = "0" * 64

DetailValue = str | int | bool | None
_SECRET_WORDS = ("password", "passwd", "code", "pin", "secret", "key", "token", "otp", "nonce")
_ALLOWED = frozenset({"key_type", "key_id", "factor", "code_purpose", "token_serial"})


def _check_details(_: object, __: object, details: Mapping[str, object]) -> None:
    for name, value in details.items():
        lowered = name.lower()
        if lowered not in _ALLOWED and any(word in lowered for word in _SECRET_WORDS):
            msg = f"audit details must not carry secrets: {name!r}"
            raise ValueError(msg)
        if not isinstance(value, str | int | bool | None):
            msg = f"audit detail {name!r} must be a string, number, boolean or None"
            raise TypeError(msg)


@attrs.frozen(kw_only=True)
class AuditEntry:
    """What happened: who (``actor``) did what (``action``) to what (``subject``), and
    how it ended. Times are UTC (ASVS 16.2.2)."""

    at: datetime = attrs.field(converter=utc)
    actor: str
    action: str
    subject: str
    outcome: Outcome = "success"
    details: Mapping[str, DetailValue] = attrs.field(factory=dict, validator=_check_details)

    def canonical(self) -> bytes:
        return json.dumps(
            {
                "at": self.at.isoformat(timespec="microseconds"),
                "actor": self.actor,
                "action": self.action,
                "subject": self.subject,
                "outcome": self.outcome,
                "details": dict(self.details),
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()


@attrs.frozen(kw_only=True)
class AuditRecord:
    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str
    #: Which chain (1..Policy.audit_chains) the record is in; ``seq`` counts per chain.
    chain: int = 1
    #: What a format 2 record's hash covers; None for format 1 (clear values hashed).
    refs: AuditRefs | None = None

    @property
    def format(self) -> int:
        return 1 if self.refs is None else 2


def record_digest(keys: ServerKeys, record: AuditRecord) -> str | None:
    """The hash ``record`` must have, or None when a value still in clear is not the
    one its pseudonym was made from (or the record names a key the ring lacks)."""
    refs, entry = record.refs, record.entry
    if refs is None:
        return chain_hash(keys.for_unnamed().audit, record.seq, record.prev_hash, entry)
    mine = keys_named(keys, refs.key_id)
    if mine is None:
        return None
    shown: list[tuple[object, str]] = [(entry.actor, refs.actor), (entry.subject, refs.subject)]
    shown += [(entry.details.get(name), ref) for name, ref in refs.details.items()]
    if not all(matches(mine, value, ref) for value, ref in shown):
        return None
    return entry_hash(mine, record.seq, record.prev_hash, entry, refs)


def keys_named(keys: ServerKeys, key_id: str | None) -> ServerKeys | None:
    """The keys a head, checkpoint or record names (None: written before key IDs), or
    None when the ring lacks that key."""
    if key_id is None:
        return keys.for_unnamed()
    try:
        return keys.for_audit(key_id)
    except ConfigurationError:
        return None


def check_head_with(keys: ServerKeys, head: AuditHead) -> None:
    """Check the head's seal with the key it names (before a rotation: an older one).

    Raises:
        TamperingDetected: not sealed, or not by a key of the ring.
    """
    kid = head_key_id(head)
    mine = keys_named(keys, kid)
    if mine is None:
        where = "" if head.chain == MAIN_CHAIN else f" of chain {head.chain}"
        raise TamperingDetected(
            detail=f"the chain head{where} (at {head.seq}) names key {kid!r}"[:120]
        )
    check_head(mine.audit, head)


def check_checkpoint_with(keys: ServerKeys, checkpoint: AuditCheckpoint) -> None:
    """Check a checkpoint's MAC with the key it names.

    Raises:
        TamperingDetected: ``audit_checkpoint_invalid``: edited, another deployment's,
            or made with a key the ring no longer has.
    """
    mine = keys_named(keys, checkpoint.key_id)
    if mine is None:
        raise TamperingDetected(
            "audit_checkpoint_invalid", detail=f"key {checkpoint.key_id!r}"[:60]
        )
    check_checkpoint(mine.audit, checkpoint)


def entry_hash(keys: ServerKeys, seq: int, prev: str, entry: AuditEntry, refs: AuditRefs) -> str:
    """:func:`record_hash` of ``entry`` as the ``seq``-th record after ``prev``."""
    return record_hash(keys, seq, prev, at=entry.at.isoformat(timespec="microseconds"),
                       action=entry.action, outcome=entry.outcome, details=entry.details,
                       refs=refs)  # fmt: skip


def chain_hash(key: bytes, seq: int, prev_hash: str, entry: AuditEntry) -> str:
    message = f"{seq}\n{prev_hash}\n".encode() + entry.canonical()
    return hmac.new(key, message, sha256).hexdigest()


def verify_chain(
    keys: ServerKeys,
    records: Iterable[AuditRecord],
    *,
    head: AuditHead | None,
    checkpoint: AuditCheckpoint | None = None,
) -> int:
    """Check the head's seal, every link, that the records end at the head, and that
    they extend ``checkpoint``; returns how many records were checked. One chain:
    ``softtoken.audit._chains.verify_chains`` checks them all.

    Raises:
        TamperingDetected: naming the first sequence number that does not verify, or
            ``audit_checkpoint_invalid`` for a checkpoint that is not authentic.
    """
    if checkpoint is not None:
        check_checkpoint_with(keys, checkpoint)
    if head is not None:
        check_head_with(keys, head)
    reach = None if checkpoint is None else (checkpoint.seq, checkpoint.hash)
    return link_chain(keys, records, head=head, reach=reach)


def link_chain(
    keys: ServerKeys,
    records: Iterable[AuditRecord],
    *,
    head: AuditHead | None,
    reach: tuple[int, str] | None = None,
    start: str = GENESIS,
    chain: int = 1,
) -> int:
    """Check one chain's links from ``start`` to ``head`` (whose seal the caller
    checked) and that it reaches ``reach`` (seq, hash); returns the record count."""
    where = "" if chain == 1 else f" of chain {chain}"
    expected_prev, expected_seq, count = start, 1, 0
    at_reach = at_head = start
    head_seq, head_hash = (0, start) if head is None else (head.seq, head.hash)
    for record in records:
        if record.seq != expected_seq:
            raise TamperingDetected(detail=f"record {expected_seq}{where} is missing")
        digest = record_digest(keys, record)
        if (
            record.prev_hash != expected_prev
            or digest is None
            or not hmac.compare_digest(record.hash, digest)
        ):
            raise TamperingDetected(detail=f"record {record.seq}{where} was altered")
        expected_prev, expected_seq, count = record.hash, expected_seq + 1, count + 1
        if reach is not None and record.seq == reach[0]:
            # A checkpoint taken before format 1 records were converted names the hash
            # the record had then, which the converted record's own hash covers.
            legacy = record.refs.legacy if record.refs else None
            at_reach = legacy if legacy == reach[1] else record.hash
        if record.seq == head_seq:
            at_head = record.hash
    if count > head_seq and hmac.compare_digest(head_hash, at_head):
        # The log does reach the head, and goes on: a head put back behind records
        # (in a consistent read no commit is half seen, so none is a writer's).
        raise TamperingDetected(detail=f"record {head_seq + 1}{where} lies past the head")
    if head_seq != count or not hmac.compare_digest(head_hash, expected_prev):
        raise TamperingDetected(
            detail=f"the log{where} ends at {count} but its head says {head_seq}"
        )
    if reach is not None:
        _check_extends(reach, count, at_reach, where)
    return count


def _check_extends(reach: tuple[int, str], count: int, at_reach: str, where: str) -> None:
    seq, digest = reach
    if count < seq:
        raise TamperingDetected(
            detail=f"the log{where} ends at {count}, shorter than the checkpoint at {seq}"
        )
    if seq and not hmac.compare_digest(at_reach, digest):
        raise TamperingDetected(detail=f"record {seq}{where} does not extend the checkpoint")
