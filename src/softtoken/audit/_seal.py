"""What proves the audit log's end: the sealed head row, and checkpoints kept elsewhere.

Record hashes bind each record to the one before it, but nothing in them says where the
log ends: cut the tail, copy an older record's sequence and hash into the head row, and
every remaining link still verifies. So the head carries a MAC of its own, under a key
derived from the audit key for this one purpose; a head that was edited, or assembled
from a record, does not verify without the key.

A sealed head can still be put back to a value it really had earlier (from a backup, or
read before the records after it were added). Nothing inside the database can tell that
from an honest shorter log; a checkpoint kept outside it can. A checkpoint is the
sequence and hash of a verified head at a time, MAC'd under a second derived key, and
``verify(checkpoint=...)`` fails on a log shorter than it or not extending it.

Both formats are versioned (``v1`` in the head's MAC, ``format`` in the checkpoint) and
name their chain, so several chains (issue 15) can come without confusing old values.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from hashlib import sha256

import attrs
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from softtoken._clock import utc
from softtoken.errors import TamperingDetected, ValidationError

__all__ = [
    "CHECKPOINT_FORMAT",
    "HEAD_FORMAT",
    "MAIN_CHAIN",
    "WIPED",
    "AuditCheckpoint",
    "AuditHead",
    "check_checkpoint",
    "check_head",
    "head_key_id",
    "make_checkpoint",
    "seal_head",
]

#: The MAC scheme of head rows; the stored value is ``"v1:" + hex``.
HEAD_FORMAT = "v1"
CHECKPOINT_FORMAT = "softtoken-audit-checkpoint/v1"
#: The one chain there is today (head row ``id`` 1).
MAIN_CHAIN = "1"
WIPED = "the log has no records but the database holds accounts"
#: A checkpoint is about 300 characters; anything much longer is not one.
_MAX_CHECKPOINT_TEXT = 1024


def _subkey(audit_key: bytes, purpose: str) -> bytes:
    # A key of its own per use: a head MAC can never pass for a record hash or a
    # checkpoint, and the other way round.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"softtoken/{purpose}/v1".encode()
    ).derive(audit_key)


def _mac(key: bytes, *parts: str) -> str:
    # Length-prefixed parts: ("1", "23") and ("12", "3") never MAC alike.
    h = hmac.new(key, digestmod=sha256)
    for part in parts:
        data = part.encode()
        h.update(len(data).to_bytes(4, "big") + data)
    return h.hexdigest()


@attrs.frozen(kw_only=True)
class AuditHead:
    """The head row: the newest sequence number and hash, and their seal. ``mac`` is
    None in a row written before heads were sealed (it never verifies)."""

    seq: int
    hash: str
    mac: str | None
    chain: str = MAIN_CHAIN


def seal_head(
    audit_key: bytes,
    *,
    seq: int,
    hash: str,  # noqa: A002 - the column's name
    chain: str = MAIN_CHAIN,
    key_id: str | None = None,
) -> str:
    """The head's seal: ``v1:<hex>``, or with ``key_id`` (revision 0007 on)
    ``v2:<key ID>:<hex>``, whose MAC covers the key ID too, so a head sealed before a
    key rotation is checked with the key that sealed it."""
    key = _subkey(audit_key, "audit-head")
    if key_id is None:
        return f"{HEAD_FORMAT}:{_mac(key, 'audit-head', HEAD_FORMAT, chain, str(seq), hash)}"
    return f"v2:{key_id}:{_mac(key, 'audit-head', 'v2', key_id, chain, str(seq), hash)}"


def head_key_id(head: AuditHead) -> str | None:
    """The key ID a ``v2`` seal names; None for a ``v1`` seal or none."""
    if head.mac is None or not head.mac.startswith("v2:"):
        return None
    return head.mac.split(":")[1]


def check_head(audit_key: bytes, head: AuditHead) -> None:
    """Raises:
    TamperingDetected: the head was written without the audit key."""
    if head.mac is None:
        raise TamperingDetected(
            detail=f"the chain head (at {head.seq}) is not sealed, so not authentic: "
            "after an upgrade by hand, an officer reseals it (docs/audit.md)"
        )
    expected = seal_head(
        audit_key, seq=head.seq, hash=head.hash, chain=head.chain, key_id=head_key_id(head)
    )
    if not hmac.compare_digest(head.mac, expected):
        raise TamperingDetected(detail=f"the chain head (at {head.seq}) is not authentic")


@attrs.frozen(kw_only=True)
class AuditCheckpoint:
    """A verified head at a time, to keep outside the database (a WORM bucket, another
    system's log, paper). ``to_json`` / ``from_json`` give its one-line text form."""

    seq: int
    hash: str
    at: datetime = attrs.field(converter=utc)
    mac: str
    chain: str = MAIN_CHAIN
    #: The key ID of the MAC (revision 0007 on; None in older checkpoints).
    key_id: str | None = None

    def to_json(self) -> str:
        fields: dict[str, object] = {
            "format": CHECKPOINT_FORMAT,
            "chain": self.chain,
            "seq": self.seq,
            "hash": self.hash,
            "at": _timestamp(self.at),
            "mac": self.mac,
        }
        if self.key_id is not None:
            fields["key_id"] = self.key_id
        return json.dumps(fields, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> AuditCheckpoint:
        """Raises:
        ValidationError: ``invalid_audit_checkpoint`` when the text is not a checkpoint
            of a format this version knows (its MAC is checked by ``verify``)."""
        try:
            if len(text) > _MAX_CHECKPOINT_TEXT:
                raise ValueError  # noqa: TRY301 - one error for every malformed shape
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
                raise TypeError  # noqa: TRY301 - one error for every malformed shape
            fields = {name: data[name] for name in ("chain", "seq", "hash", "at", "mac")}
            seq, key_id = fields["seq"], data.get("key_id")
            if not isinstance(key_id, str | None):
                raise TypeError  # noqa: TRY301
            if (
                not isinstance(seq, int)
                or isinstance(seq, bool)
                or not all(isinstance(fields[name], str) for name in ("chain", "hash", "at", "mac"))
            ):
                raise TypeError  # noqa: TRY301
            return cls(
                seq=seq,
                hash=fields["hash"],
                at=datetime.fromisoformat(fields["at"]),
                mac=fields["mac"],
                chain=fields["chain"],
                key_id=key_id,
            )
        except (ValueError, TypeError, KeyError, RecursionError):
            raise ValidationError(
                "invalid_audit_checkpoint", field="checkpoint", detail=CHECKPOINT_FORMAT
            ) from None


def _timestamp(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _checkpoint_mac(
    audit_key: bytes,
    *,
    chain: str,
    seq: int,
    hash: str,  # noqa: A002 - the field's name
    at: datetime,
    key_id: str | None,
) -> str:
    key = _subkey(audit_key, "audit-checkpoint")
    named = () if key_id is None else (key_id,)
    return _mac(key, CHECKPOINT_FORMAT, chain, str(seq), hash, _timestamp(utc(at)), *named)


def make_checkpoint(
    audit_key: bytes,
    *,
    seq: int,
    hash: str,  # noqa: A002
    at: datetime,
    chain: str = MAIN_CHAIN,
    key_id: str | None = None,
) -> AuditCheckpoint:
    mac = _checkpoint_mac(audit_key, chain=chain, seq=seq, hash=hash, at=at, key_id=key_id)
    return AuditCheckpoint(seq=seq, hash=hash, at=at, mac=mac, chain=chain, key_id=key_id)


def check_checkpoint(audit_key: bytes, checkpoint: AuditCheckpoint) -> None:
    """Raises:
    TamperingDetected: ``audit_checkpoint_invalid`` when the checkpoint was edited, or
        made by another deployment or for another chain."""
    expected = _checkpoint_mac(
        audit_key,
        chain=checkpoint.chain,
        seq=checkpoint.seq,
        hash=checkpoint.hash,
        at=checkpoint.at,
        key_id=checkpoint.key_id,
    )
    if checkpoint.chain != MAIN_CHAIN or not hmac.compare_digest(checkpoint.mac, expected):
        raise TamperingDetected("audit_checkpoint_invalid", detail=f"at {checkpoint.seq}")
