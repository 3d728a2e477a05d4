"""Audit records of format 2 (issue 17 items 2 and 5): each names the key ID of its MAC,
so the chain keeps verifying across a key rotation; each hashes pseudonyms, so a clear
value may be erased but not changed."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from softtoken import ConfigurationError, TamperingDetected
from softtoken._keys import Keyring, ServerKeys
from softtoken.audit import AuditEntry, AuditRecord, verify_chain
from softtoken.audit._pseudonyms import is_pseudonym, pseudonym
from softtoken.audit._seal import AuditCheckpoint, make_checkpoint
from softtoken.storage._unit_of_work import StorageUnitOfWork
from softtoken.storage.memory import MemoryStorage

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
_OLD_SECRET, _NEW_SECRET = b"o" * 32, b"n" * 32
OLD = ServerKeys.from_keyring(Keyring({"k1": _OLD_SECRET}, current="k1"))
NEW = ServerKeys.from_keyring(Keyring({"k2": _NEW_SECRET}, current="k2"))
#: After a rotation: k2 writes, k1 still verifies what it wrote.
RING = ServerKeys.from_keyring(Keyring({"k1": _OLD_SECRET, "k2": _NEW_SECRET}, current="k2"))


def _uow(storage: MemoryStorage, keys: ServerKeys) -> StorageUnitOfWork:
    return StorageUnitOfWork(storage, keys, audit_chains=1)  # one chain: verify_chain


def _write(storage: MemoryStorage, keys: ServerKeys, *subjects: str) -> None:
    with _uow(storage, keys) as uow:
        for subject in subjects:
            uow.audit.append(
                AuditEntry(at=AT, actor=f"user:{subject}", action="test.write", subject=subject,
                           details={"email": f"{subject}@example.go.th", "count": 1})
            )  # fmt: skip
        uow.commit()


def _records(storage: MemoryStorage, keys: ServerKeys) -> list[AuditRecord]:
    with _uow(storage, keys) as uow:
        return uow.audit.records()


def _verify(storage: MemoryStorage, keys: ServerKeys) -> int:
    with _uow(storage, keys) as uow:
        return verify_chain(keys, uow.audit.records(), head=uow.audit.head())


def test_the_chain_verifies_across_a_key_rotation() -> None:
    storage = MemoryStorage()
    _write(storage, OLD, "T05005000000201", "T05005000000202")
    assert _verify(storage, RING) == 2  # a head sealed by the older key
    _write(storage, RING, "T05005000000203")
    assert [r.refs.key_id for r in _records(storage, RING) if r.refs] == ["k1", "k1", "k2"]
    assert _verify(storage, RING) == 3
    # Without the older key the records it wrote name a key the server lacks.
    with pytest.raises(TamperingDetected) as caught:
        verify_chain(NEW, _records(storage, RING), head=None)
    assert caught.value.detail == "record 1 was altered"


def test_an_unknown_key_id_is_a_typed_error() -> None:
    assert OLD.for_key_id("k1") is OLD
    with pytest.raises(ConfigurationError) as caught:
        OLD.for_key_id("k9")
    assert caught.value.code == "key_unknown"


def test_pseudonyms_are_keyed_and_recognisable() -> None:
    alias = pseudonym(OLD, "T05005000000201")
    assert is_pseudonym(alias)
    assert not is_pseudonym("T05005000000201")
    assert alias != pseudonym(NEW, "T05005000000201")  # keyed: no dictionary of IDs
    assert alias == pseudonym(OLD, "T05005000000201")  # stable: lookups work


def test_a_record_s_hash_covers_the_pseudonyms_not_the_clear_values() -> None:
    storage = MemoryStorage()
    _write(storage, OLD, "T05005000000201")
    [record] = _records(storage, OLD)
    assert record.refs is not None
    assert record.refs.subject == pseudonym(OLD, "T05005000000201")
    assert set(record.refs.details) == {"email"}  # text details only
    head = None
    with _uow(storage, OLD) as uow:
        head = uow.audit.head()
    # Erased: the value shown as its pseudonym still verifies.
    erased = attrs.evolve(
        record,
        entry=attrs.evolve(record.entry, subject=record.refs.subject,
                           details={**record.entry.details, "email": record.refs.details["email"]}),
    )  # fmt: skip
    assert verify_chain(OLD, [erased], head=head) == 1
    # Changed: another clear value does not.
    for changed in (
        attrs.evolve(record.entry, subject="T05005000000202"),
        attrs.evolve(record.entry, details={**record.entry.details, "email": "x@example.go.th"}),
        attrs.evolve(record.entry, details={**record.entry.details, "count": 2}),
    ):
        with pytest.raises(TamperingDetected):
            verify_chain(OLD, [attrs.evolve(record, entry=changed)], head=head)


def test_a_checkpoint_names_its_key_and_verifies_after_a_rotation() -> None:
    storage = MemoryStorage()
    _write(storage, OLD, "T05005000000201")
    with _uow(storage, OLD) as uow:
        head = uow.audit.head()
    assert head is not None
    assert head.mac is not None
    assert head.mac.startswith("v2:k1:")
    before = make_checkpoint(OLD.audit, seq=head.seq, hash=head.hash, at=AT, key_id="k1")
    assert AuditCheckpoint.from_json(before.to_json()) == before
    _write(storage, RING, "T05005000000202")
    with _uow(storage, RING) as uow:
        records, now_head = uow.audit.records(), uow.audit.head()
    assert verify_chain(RING, records, head=now_head, checkpoint=before) == 2
    forged = attrs.evolve(before, key_id="k2")  # the MAC covers the key ID
    with pytest.raises(TamperingDetected) as caught:
        verify_chain(RING, records, head=now_head, checkpoint=forged)
    assert caught.value.code == "audit_checkpoint_invalid"


def test_clear_values_in_any_script_verify() -> None:
    storage = MemoryStorage()
    _write(storage, OLD, "สมชาย ใจดี")
    assert _verify(storage, OLD) == 1
