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
from softtoken.audit._seal import AuditCheckpoint, AuditHead, check_checkpoint, check_head
from softtoken.errors import TamperingDetected

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditRecord",
    "Outcome",
    "chain_hash",
    "link_chain",
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


def chain_hash(key: bytes, seq: int, prev_hash: str, entry: AuditEntry) -> str:
    message = f"{seq}\n{prev_hash}\n".encode() + entry.canonical()
    return hmac.new(key, message, sha256).hexdigest()


def verify_chain(
    key: bytes,
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
        check_checkpoint(key, checkpoint)
    if head is not None:
        check_head(key, head)
    reach = None if checkpoint is None else (checkpoint.seq, checkpoint.hash)
    return link_chain(key, records, head=head, reach=reach)


def link_chain(
    key: bytes,
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
        if record.prev_hash != expected_prev or not hmac.compare_digest(
            record.hash, chain_hash(key, record.seq, record.prev_hash, record.entry)
        ):
            raise TamperingDetected(detail=f"record {record.seq}{where} was altered")
        expected_prev, expected_seq, count = record.hash, expected_seq + 1, count + 1
        if reach is not None and record.seq == reach[0]:
            at_reach = record.hash
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
