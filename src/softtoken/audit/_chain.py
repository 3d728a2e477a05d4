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
    "check_head_with",
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
        return chain_hash(keys.audit, record.seq, record.prev_hash, entry)
    try:
        mine = keys.for_key_id(refs.key_id)
    except ConfigurationError:
        return None
    shown: list[tuple[object, str]] = [(entry.actor, refs.actor), (entry.subject, refs.subject)]
    shown += [(entry.details.get(name), ref) for name, ref in refs.details.items()]
    if not all(matches(mine, value, ref) for value, ref in shown):
        return None
    return record_hash(mine, record.seq, record.prev_hash,
                       at=entry.at.isoformat(timespec="microseconds"), action=entry.action,
                       outcome=entry.outcome, details=entry.details, refs=refs)  # fmt: skip


def check_head_with(keys: ServerKeys, head: AuditHead) -> None:
    """Check the head's seal with the key it names (before a rotation: an older one).

    Raises:
        TamperingDetected: not sealed, or not by a key of the ring.
    """
    kid = head_key_id(head)
    try:
        key = keys.audit if kid is None else keys.for_key_id(kid).audit
    except ConfigurationError:
        raise TamperingDetected(
            detail=f"the chain head (at {head.seq}) names key {kid!r}"
        ) from None
    check_head(key, head)


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
    they extend ``checkpoint``; returns how many records were checked.

    Raises:
        TamperingDetected: naming the first sequence number that does not verify, or
            ``audit_checkpoint_invalid`` for a checkpoint that is not authentic.
    """
    if checkpoint is not None:
        kid = checkpoint.key_id
        try:
            mine = keys if kid is None else keys.for_key_id(kid)
        except ConfigurationError:
            raise TamperingDetected("audit_checkpoint_invalid", detail=f"key {kid!r}") from None
        check_checkpoint(mine.audit, checkpoint)
    if head is not None:
        check_head_with(keys, head)
    expected_prev, expected_seq, count = GENESIS, 1, 0
    at_checkpoint = GENESIS
    for record in records:
        if record.seq != expected_seq:
            raise TamperingDetected(detail=f"record {expected_seq} is missing")
        digest = record_digest(keys, record)
        if (
            record.prev_hash != expected_prev
            or digest is None
            or not hmac.compare_digest(record.hash, digest)
        ):
            raise TamperingDetected(detail=f"record {record.seq} was altered")
        expected_prev, expected_seq, count = record.hash, expected_seq + 1, count + 1
        if checkpoint is not None and record.seq == checkpoint.seq:
            # A checkpoint taken before format 1 records were converted names the hash
            # the record had then, which the converted record's own hash covers.
            legacy = record.refs.legacy if record.refs else None
            at_checkpoint = legacy if legacy == checkpoint.hash else record.hash
    head_seq, head_hash = (0, GENESIS) if head is None else (head.seq, head.hash)
    if head_seq != count or not hmac.compare_digest(head_hash, expected_prev):
        raise TamperingDetected(detail=f"the log ends at {count} but its head says {head_seq}")
    if checkpoint is not None:
        _check_extends(checkpoint, count, at_checkpoint)
    return count


def _check_extends(checkpoint: AuditCheckpoint, count: int, at_checkpoint: str) -> None:
    if count < checkpoint.seq:
        raise TamperingDetected(
            detail=f"the log ends at {count}, shorter than the checkpoint at {checkpoint.seq}"
        )
    if not hmac.compare_digest(at_checkpoint, checkpoint.hash):
        raise TamperingDetected(detail=f"record {checkpoint.seq} does not extend the checkpoint")
