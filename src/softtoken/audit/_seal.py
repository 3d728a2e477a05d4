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
name their chain. Several chains (issue 15, ``_chains.py``) brought ``v2``: a head MAC
that also covers the chain count, and a checkpoint that covers every chain's head. Key
rotation (issue 17) has a ``v2`` head name the key ID of its MAC (``v2:<kid>:<hex>``) and
a checkpoint carry ``key_id``, so what was sealed before a rotation is checked with the
key that sealed it; a ``v1`` head and a checkpoint without a key ID are older than key
IDs, and are checked with the ring's first key (``ServerKeys.for_unnamed``).
"""

from __future__ import annotations

import functools
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
    "ALL_CHAINS",
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_FORMAT_V2",
    "HEAD_FORMAT",
    "HEAD_FORMAT_V2",
    "MAIN_CHAIN",
    "WIPED",
    "AuditCheckpoint",
    "AuditHead",
    "check_checkpoint",
    "check_head",
    "head_key_id",
    "mac_parts",
    "make_checkpoint",
    "seal_head",
    "seal_head_v2",
    "subkey",
]

#: The MAC scheme of head rows; the stored value is ``"v1:" + hex``.
HEAD_FORMAT = "v1"
#: Heads of several chains: the MAC covers the chain count as well.
HEAD_FORMAT_V2 = "v2"
CHECKPOINT_FORMAT = "softtoken-audit-checkpoint/v1"
#: A checkpoint of every chain's head.
CHECKPOINT_FORMAT_V2 = "softtoken-audit-checkpoint/v2"
#: The one chain there is today (head row ``id`` 1).
MAIN_CHAIN = "1"
#: The ``chain`` of a v2 checkpoint, which covers every chain.
ALL_CHAINS = "all"
WIPED = "the log has no records but the database holds accounts"
#: A checkpoint is about 300 characters and 100 more per chain (256 chains at most);
#: anything much longer is not one.
_MAX_CHECKPOINT_TEXT = 32 * 1024
_MAX_CHAINS = 256


@functools.lru_cache(maxsize=64)
def subkey(audit_key: bytes, purpose: str) -> bytes:
    # A key of its own per use: a head MAC can never pass for a record hash or a
    # checkpoint, and the other way round. Cached: every append derives the route and
    # head keys, and the audit key is in this process anyway.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"softtoken/{purpose}/v1".encode()
    ).derive(audit_key)


def mac_parts(key: bytes, *parts: str) -> str:
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
    #: The chain count a ``v2`` head is sealed for; None in a ``v1`` head.
    chains: int | None = None


def seal_head_v2(
    audit_key: bytes,
    *,
    key_id: str,
    chain: int,
    chains: int,
    seq: int,
    hash: str,  # noqa: A002 - the column's name
) -> str:
    """``v2:<key ID>:<hex>``: the MAC covers the key ID, the chain, the chain count and
    where the chain ends."""
    key = subkey(audit_key, "audit-head")
    parts = (HEAD_FORMAT_V2, key_id, str(chain), str(chains), str(seq), hash)
    return f"{HEAD_FORMAT_V2}:{key_id}:{mac_parts(key, 'audit-head', *parts)}"


def head_key_id(head: AuditHead) -> str | None:
    """The key ID a ``v2`` seal names; None for a ``v1`` seal or none."""
    if head.mac is None or not head.mac.startswith(f"{HEAD_FORMAT_V2}:"):
        return None
    return head.mac.split(":")[1]


def seal_head(audit_key: bytes, *, seq: int, hash: str, chain: str = MAIN_CHAIN) -> str:  # noqa: A002 - the column's name
    mac = mac_parts(
        subkey(audit_key, "audit-head"), "audit-head", HEAD_FORMAT, chain, str(seq), hash
    )
    return f"{HEAD_FORMAT}:{mac}"


def check_head(audit_key: bytes, head: AuditHead) -> None:
    """Raises:
    TamperingDetected: the head was written without the audit key."""
    if head.mac is None:
        raise TamperingDetected(
            detail=f"the chain head (at {head.seq}) is not sealed, so not authentic: "
            "after an upgrade by hand, an officer reseals it (docs/audit.md)"
        )
    kid = head_key_id(head)
    if head.chains is None or kid is None:
        expected = seal_head(audit_key, seq=head.seq, hash=head.hash, chain=head.chain)
    else:
        expected = seal_head_v2(audit_key, key_id=kid, chain=int(head.chain),
                                chains=head.chains, seq=head.seq, hash=head.hash)  # fmt: skip
    if not hmac.compare_digest(head.mac, expected):
        where = "" if head.chain == MAIN_CHAIN else f" of chain {head.chain}"
        raise TamperingDetected(detail=f"the chain head{where} (at {head.seq}) is not authentic")


@attrs.frozen(kw_only=True)
class AuditCheckpoint:
    """A verified log end at a time, to keep outside the database (a WORM bucket,
    another system's log, paper). ``to_json`` / ``from_json`` give its one-line text form.

    ``heads`` holds each chain's (seq, hash), chain 1 first, in a ``v2`` checkpoint;
    ``seq`` is then the records in all chains and ``hash`` a digest of the heads. A
    ``v1`` checkpoint (one chain, from before chains) has no ``heads``. ``key_id``
    names the key of the MAC (None in checkpoints made before key IDs)."""

    seq: int
    hash: str
    at: datetime = attrs.field(converter=utc)
    mac: str
    chain: str = MAIN_CHAIN
    heads: tuple[tuple[int, str], ...] = ()
    key_id: str | None = None

    def to_json(self) -> str:
        data: dict[str, object] = {
            "format": CHECKPOINT_FORMAT,
            "chain": self.chain,
            "seq": self.seq,
            "hash": self.hash,
            "at": _timestamp(self.at),
            "mac": self.mac,
        }
        if self.heads:
            del data["chain"], data["hash"]
            data.update(format=CHECKPOINT_FORMAT_V2, heads=[list(h) for h in self.heads])
        if self.key_id is not None:
            data["key_id"] = self.key_id
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> AuditCheckpoint:
        """Raises:
        ValidationError: ``invalid_audit_checkpoint`` when the text is not a checkpoint
            of a format this version knows (its MAC is checked by ``verify``)."""
        try:
            if len(text) > _MAX_CHECKPOINT_TEXT:
                raise ValueError  # noqa: TRY301 - one error for every malformed shape
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError  # noqa: TRY301
            key_id = data.get("key_id")
            if not isinstance(key_id, str | None):
                raise TypeError  # noqa: TRY301
            if data.get("format") == CHECKPOINT_FORMAT_V2:
                return attrs.evolve(_from_v2(data), key_id=key_id)
            if data.get("format") != CHECKPOINT_FORMAT:
                raise TypeError  # noqa: TRY301 - one error for every malformed shape
            fields = {name: data[name] for name in ("chain", "seq", "hash", "at", "mac")}
            seq = fields["seq"]
            if not _is_int(seq) or not all(
                isinstance(fields[name], str) for name in ("chain", "hash", "at", "mac")
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
                "invalid_audit_checkpoint", field="checkpoint", detail=CHECKPOINT_FORMAT_V2
            ) from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _from_v2(data: dict[str, object]) -> AuditCheckpoint:
    heads, at, mac = data["heads"], data["at"], data["mac"]
    if not isinstance(heads, list) or not 1 <= len(heads) <= _MAX_CHAINS:
        raise TypeError
    pairs: list[tuple[int, str]] = []
    for head in heads:
        if not isinstance(head, list) or len(head) != 2:  # noqa: PLR2004 - (seq, hash)
            raise TypeError
        seq, digest = head
        if not _is_int(seq) or not isinstance(digest, str):
            raise TypeError
        pairs.append((seq, digest))
    if not isinstance(at, str) or not isinstance(mac, str):
        raise TypeError
    if data.get("seq") != sum(seq for seq, _ in pairs):  # the total, derived from heads
        raise ValueError
    return AuditCheckpoint(
        seq=sum(seq for seq, _ in pairs),
        hash=_heads_digest(pairs),
        at=datetime.fromisoformat(at),
        mac=mac,
        chain=ALL_CHAINS,
        heads=tuple(pairs),
    )


def _heads_digest(heads: list[tuple[int, str]] | tuple[tuple[int, str], ...]) -> str:
    return mac_parts(b"audit-heads", *(part for seq, h in heads for part in (str(seq), h)))


def _timestamp(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _checkpoint_mac(audit_key: bytes, checkpoint: AuditCheckpoint) -> str:
    key = subkey(audit_key, "audit-checkpoint")
    at = _timestamp(utc(checkpoint.at))
    named = () if checkpoint.key_id is None else (checkpoint.key_id,)
    if checkpoint.heads:
        parts = (part for seq, h in checkpoint.heads for part in (str(seq), h))
        return mac_parts(key, CHECKPOINT_FORMAT_V2, str(len(checkpoint.heads)), *parts, at, *named)
    c = checkpoint
    return mac_parts(key, CHECKPOINT_FORMAT, c.chain, str(c.seq), c.hash, at, *named)


def make_checkpoint(
    audit_key: bytes,
    *,
    seq: int = 0,
    hash: str = "",  # noqa: A002
    at: datetime,
    chain: str = MAIN_CHAIN,
    heads: tuple[tuple[int, str], ...] = (),
    key_id: str | None = None,
) -> AuditCheckpoint:
    """A ``v1`` checkpoint of one chain (``seq``, ``hash``), or with ``heads`` a ``v2``
    one of every chain; ``key_id`` names ``audit_key``'s key."""
    if heads:
        seq, hash, chain = sum(s for s, _ in heads), _heads_digest(heads), ALL_CHAINS  # noqa: A001
    unsealed = AuditCheckpoint(
        seq=seq, hash=hash, at=at, mac="", chain=chain, heads=heads, key_id=key_id
    )
    return attrs.evolve(unsealed, mac=_checkpoint_mac(audit_key, unsealed))


def check_checkpoint(audit_key: bytes, checkpoint: AuditCheckpoint) -> None:
    """Raises:
    TamperingDetected: ``audit_checkpoint_invalid`` when the checkpoint was edited, or
        made by another deployment or for another chain."""
    expected = _checkpoint_mac(audit_key, checkpoint)
    chain = ALL_CHAINS if checkpoint.heads else MAIN_CHAIN
    if checkpoint.chain != chain or not hmac.compare_digest(checkpoint.mac, expected):
        raise TamperingDetected("audit_checkpoint_invalid", detail=f"at {checkpoint.seq}")
