"""Certificate records on every storage adapter: what is stored comes back the same,
with its times, and the life of a certificate (issued, renewed, revoked) is kept."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from softtoken.ca import CertificateStatus, CertificateTable, RevocationReason
from softtoken.ca._records import mark_revoked
from softtoken.errors import ConcurrencyError, StateError
from softtoken.testing import Harness

from ..helpers.ca import make_csr

ALICE = "T05005000000201"


def test_record_round_trip(harness: Harness) -> None:
    ca = harness.softtoken.ca
    rec = ca.issue(user_id=ALICE, csr=make_csr(), device_id="phone-1")
    assert ca.get(rec.serial) == rec
    assert ca.get(int(rec.serial, 16)) == rec
    assert ca.for_user(ALICE) == [rec]
    with harness.softtoken.unit_of_work() as uow:
        table = uow.repository(CertificateTable)
        assert table.for_device("phone-1") == [rec]
        assert table.with_key(rec.key_fingerprint) == [rec]


def test_life_of_a_certificate(harness: Harness) -> None:
    ca, clock = harness.softtoken.ca, harness.clock
    first = ca.issue(user_id=ALICE, csr=make_csr())
    clock.advance(days=700)
    second = ca.renew(first.serial, user_id=ALICE)
    clock.advance(hours=1)
    revoked = ca.revoke(second.serial, reason=RevocationReason.LOST_PHONE)
    old, new = ca.get(first.serial), ca.get(second.serial)
    assert old.status is CertificateStatus.SUPERSEDED
    assert old.superseded_by == second.serial
    assert old.superseded_at == second.issued_at == clock.now() - timedelta(hours=1)
    assert new == revoked
    assert new.renewed_from == first.serial
    assert new.revoked_at == clock.now()
    assert new.revocation_reason is RevocationReason.LOST_PHONE
    assert [r.serial for r in ca.for_user(ALICE)] == [first.serial, second.serial]
    # One person's records keep their order (one chain); the chains' order is keyed.
    records = harness.softtoken.audit.records()
    actions = [r.entry.action for r in records if r.entry.subject == ALICE]
    assert actions[-3:] == ["certificate.issue", "certificate.renew", "certificate.revoke"]
    harness.softtoken.audit.verify()


def test_crl_entries_from_storage(harness: Harness) -> None:
    ca, clock = harness.softtoken.ca, harness.clock
    kept = ca.issue(user_id=ALICE, csr=make_csr())
    gone = ca.issue(user_id=ALICE, csr=make_csr())
    live = ca.issue(user_id=ALICE, csr=make_csr())
    renewed = ca.renew(live.serial, user_id=ALICE)
    ca.revoke(kept.serial, reason="holder_resigned")
    ca.revoke(gone.serial, reason="new_phone")
    with harness.softtoken.unit_of_work() as uow:
        table = uow.repository(CertificateTable)
        entries = {e.serial: e for e in table.crl_entries(now=clock.now())}
    assert set(entries) == {kept.serial_number, gone.serial_number, live.serial_number}
    assert entries[kept.serial_number].reason is RevocationReason.HOLDER_RESIGNED
    assert entries[live.serial_number].reason is RevocationReason.RENEWED
    assert renewed.serial_number not in entries
    # Expired entries leave the CRL (RFC 5280 3.3).
    clock.set(kept.not_after + timedelta(seconds=1))
    with harness.softtoken.unit_of_work() as uow:
        assert uow.repository(CertificateTable).crl_entries(now=clock.now()) == []


def test_stale_update_loses(harness: Harness) -> None:
    """A revocation computed from a version someone else has since changed is refused."""
    ca = harness.softtoken.ca
    rec = ca.issue(user_id=ALICE, csr=make_csr())
    stale = ca.get(rec.serial)
    ca.revoke(rec.serial, reason="new_phone")
    with harness.softtoken.unit_of_work() as uow:
        table = uow.repository(CertificateTable)
        with pytest.raises(ConcurrencyError):
            table.update(mark_revoked(stale, RevocationReason.LOST_PHONE, now=harness.clock.now()))
    assert ca.get(rec.serial).revocation_reason is RevocationReason.NEW_PHONE


def test_threads_revoking_once(harness: Harness) -> None:
    ca = harness.softtoken.ca
    rec = ca.issue(user_id=ALICE, csr=make_csr())
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def revoke() -> None:
        barrier.wait()
        try:
            ca.revoke(rec.serial, reason="lost_phone")
            outcomes.append("revoked")
        except StateError as error:
            outcomes.append(error.code)
        except Exception as error:
            outcomes.append(repr(error))

    threads = [threading.Thread(target=revoke) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["certificate_already_revoked"] * 3 + ["revoked"]
    records = harness.softtoken.audit.records()
    revokes = [r for r in records if r.entry.action == "certificate.revoke"]
    assert len(revokes) == 1
