"""The head seal and the checkpoint format (issue 12 M1): pinned to the formulas in
docs/audit.md, since checkpoints kept outside the database must still verify after an
upgrade; each key used for one thing only; a parser that refuses anything else."""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime
from hashlib import sha256

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from softtoken import TamperingDetected, ValidationError
from softtoken.audit import AuditCheckpoint, AuditEntry, AuditHead
from softtoken.audit._chain import chain_hash
from softtoken.audit._seal import check_checkpoint, check_head, make_checkpoint, seal_head

KEY = bytes(range(32))
HASH = "ab" * 32
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _documented(purpose: str, *parts: str) -> str:
    """The MAC as docs/audit.md writes it, computed here independently."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"softtoken/{purpose}/v1".encode()
    ).derive(KEY)
    message = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
    return hmac.new(key, message, sha256).hexdigest()


def test_m1_head_seal_v1_is_pinned() -> None:
    sealed = seal_head(KEY, seq=7, hash=HASH)
    assert sealed == "v1:" + _documented("audit-head", "audit-head", "v1", "1", "7", HASH)
    assert sealed == "v1:12e13e9f0ae29217a4ce079b035deed6f17d205a6723412de323a8ca253373bd"
    check_head(KEY, AuditHead(seq=7, hash=HASH, mac=sealed))


def test_m1_checkpoint_v1_is_pinned() -> None:
    made = make_checkpoint(KEY, seq=7, hash=HASH, at=AT)
    fmt = "softtoken-audit-checkpoint/v1"
    at = "2026-11-30T12:00:00.000000+00:00"
    assert made.mac == _documented("audit-checkpoint", fmt, "1", "7", HASH, at)
    assert made.mac == "d29a8030a4755b15ee0cd9c41295248e2c6f2010236ec2e078a0b12de3190e6d"
    assert json.loads(made.to_json()) == {
        "format": fmt,
        "chain": "1",
        "seq": 7,
        "hash": HASH,
        "at": at,
        "mac": made.mac,
    }
    check_checkpoint(KEY, AuditCheckpoint.from_json(made.to_json()))


@pytest.mark.parametrize(
    "head",
    [
        AuditHead(seq=7, hash=HASH, mac=None),  # written before heads were sealed
        AuditHead(seq=8, hash=HASH, mac=seal_head(KEY, seq=7, hash=HASH)),  # moved
        AuditHead(seq=7, hash=HASH, mac=seal_head(KEY, seq=7, hash=HASH, chain="2")),
        AuditHead(seq=7, hash=HASH, mac=seal_head(bytes(32), seq=7, hash=HASH)),  # other key
    ],
)
def test_m1_a_head_sealed_otherwise_is_refused(head: AuditHead) -> None:
    with pytest.raises(TamperingDetected) as caught:
        check_head(KEY, head)
    assert caught.value.code == "audit_chain_broken"


def test_m1_a_record_hash_never_passes_for_a_head_seal() -> None:
    entry = AuditEntry(at=AT, actor="system", action="a", subject="s")
    record_hash = chain_hash(KEY, 1, "0" * 64, entry)
    with pytest.raises(TamperingDetected):
        check_head(KEY, AuditHead(seq=1, hash=record_hash, mac=f"v1:{record_hash}"))


@pytest.mark.parametrize(
    "change",
    [{"seq": 6}, {"hash": "cd" * 32}, {"at": "2026-11-30T12:00:01+00:00"}, {"chain": "2"}],
)
def test_m1_an_edited_checkpoint_is_refused(change: dict[str, object]) -> None:
    text = make_checkpoint(KEY, seq=7, hash=HASH, at=AT).to_json()
    edited = AuditCheckpoint.from_json(json.dumps({**json.loads(text), **change}))
    with pytest.raises(TamperingDetected) as caught:
        check_checkpoint(KEY, edited)
    assert caught.value.code == "audit_checkpoint_invalid"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "[" * 1000,
        json.dumps({"format": "softtoken-audit-checkpoint/v1", "pad": "x" * 1024}),
        "{}",
        '{"format": "softtoken-audit-checkpoint/v2"}',
        json.dumps(
            {**json.loads(make_checkpoint(KEY, seq=7, hash=HASH, at=AT).to_json()), "seq": True}
        ),
        json.dumps(
            {**json.loads(make_checkpoint(KEY, seq=7, hash=HASH, at=AT).to_json()), "at": "x"}
        ),
        json.dumps(
            {
                **json.loads(make_checkpoint(KEY, seq=7, hash=HASH, at=AT).to_json()),
                "at": "2026-11-30T12:00:00",
            }
        ),
    ],
)
def test_m1_text_that_is_not_a_checkpoint(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AuditCheckpoint.from_json(text)
    assert (caught.value.code, caught.value.field) == ("invalid_audit_checkpoint", "checkpoint")


@given(st.text() | st.binary())
def test_m1_the_checkpoint_parser_only_ever_refuses_with_its_code(text: str | bytes) -> None:
    try:
        AuditCheckpoint.from_json(text)
    except ValidationError as error:
        assert error.code == "invalid_audit_checkpoint"
