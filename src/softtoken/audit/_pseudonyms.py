"""Audit records that name people only by keyed pseudonyms (issue 17 item 5), and the
key ID every record's MAC was made with (item 2).

A record of format 2 keeps who and what in clear (actor, subject, text details) beside
their pseudonyms: ``"p:"`` and 32 hex digits of an HMAC under the ``pseudonyms`` key of
the record's key ID. The record's hash covers the pseudonyms, never the clear values,
so erasure (``soft.privacy.erase``) can blank a clear value and the chain still
verifies. Verification checks each clear value that is still there against its
pseudonym, so editing one is caught as before; a value shown as its own pseudonym is
one that was erased.

Format 1 records (written before revision 0007) cover clear values. :func:`convert`
re-chains them as format 2, each binding the hash it had (``legacy``), so a checkpoint
taken before the conversion still proves the log extends it.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from hashlib import sha256

import attrs

from softtoken._keys import ServerKeys

__all__ = [
    "PREFIX",
    "AuditRefs",
    "is_pseudonym",
    "pseudonym",
    "record_hash",
    "ref_columns",
    "refs_for",
]

PREFIX = "p:"
#: 128 bits: no two people share one by chance, and it fits the actor column.
_HEX_DIGITS = 32


def pseudonym(keys: ServerKeys, value: str) -> str:
    digest = hmac.new(keys.pseudonyms, value.encode(), sha256).hexdigest()
    return PREFIX + digest[:_HEX_DIGITS]


def is_pseudonym(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == len(PREFIX) + _HEX_DIGITS
        and value.startswith(PREFIX)
        and all(c in "0123456789abcdef" for c in value[len(PREFIX) :])
    )


@attrs.frozen(kw_only=True)
class AuditRefs:
    """What a format 2 record's hash covers in place of clear values."""

    key_id: str
    actor: str
    subject: str
    #: Detail name -> pseudonym, for every text detail.
    details: Mapping[str, str] = attrs.field(factory=dict)
    #: The hash the record had as format 1, when it was converted.
    legacy: str | None = None


def refs_for(
    keys: ServerKeys,
    *,
    actor: str,
    subject: str,
    details: Mapping[str, object],
    legacy: str | None = None,
) -> AuditRefs:
    def ref(value: str) -> str:
        # A value that is a pseudonym already (the subject of ``privacy.erase``) is
        # its own, so a lookup by the person's pseudonym finds that record too.
        return value if is_pseudonym(value) else pseudonym(keys, value)

    return AuditRefs(
        key_id=keys.key_id,
        actor=ref(actor),
        subject=ref(subject),
        details={n: ref(v) for n, v in details.items() if isinstance(v, str)},
        legacy=legacy,
    )


def matches(keys: ServerKeys, shown: object, ref: str) -> bool:
    """A value still in clear must be the one its pseudonym was made from; an erased
    one is shown as the pseudonym itself."""
    if not isinstance(shown, str):
        return False
    # Pseudonyms are ASCII; a clear value may be any text (compare_digest takes only
    # ASCII strings), and whether it is shown as its pseudonym is no secret.
    return shown == ref or hmac.compare_digest(pseudonym(keys, shown).encode(), ref.encode())


def record_hash(
    keys: ServerKeys,
    seq: int,
    prev_hash: str,
    *,
    at: str,
    action: str,
    outcome: str,
    details: Mapping[str, object],
    refs: AuditRefs,
) -> str:
    covered = {n: {"p": refs.details[n]} if n in refs.details else v for n, v in details.items()}
    canonical = json.dumps(
        {
            "v": 2,
            "kid": refs.key_id,
            "at": at,
            "actor": refs.actor,
            "action": action,
            "subject": refs.subject,
            "outcome": outcome,
            "details": covered,
            "legacy": refs.legacy,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return hmac.new(keys.audit, f"{seq}\n{prev_hash}\n".encode() + canonical, sha256).hexdigest()


def ref_columns(refs: AuditRefs) -> dict[str, object]:
    """The columns of ``st_audit_events`` that hold what a format 2 hash covers."""
    return {
        "format": 2,
        "key_id": refs.key_id,
        "actor_ref": refs.actor,
        "subject_ref": refs.subject,
        "detail_refs": dict(refs.details),
        "legacy_hash": refs.legacy,
    }
