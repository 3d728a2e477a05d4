"""Registration records, proofings and the email binding on every storage adapter; on
PostgreSQL, threads racing to bind one email to several citizen IDs: exactly one wins."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import attrs
import pytest

from softtoken import Conflict
from softtoken.accounts import CitizenId, Email, PhoneNumber, UserId, citizen_id_check_digit
from softtoken.lifecycle.registration.machine import (
    Registration,
    RegistrationDetails,
    RegistrationState,
)
from softtoken.lifecycle.registration.store import EmailBindings, Registrations
from softtoken.proofing import AssuranceLevel, ProofingRecord, VerifiedIdentity
from softtoken.proofing._store import ProofingTable
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory

NOW = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)
USER = UserId("T05005000000201")
CID = CitizenId.parse("1101700207536")
EMAIL = Email.parse("somchai.j@cgd.example.go.th")
IDENTITY = VerifiedIdentity(
    citizen_id=CID,
    first_name="สมชาย",
    last_name="ใจดี",
    first_name_en="Somchai",
    last_name_en="Jaidee",
    assurance_level=AssuranceLevel.IAL2,
    provider="paotang",
    evidence_reference="paotang:abc",
    verified_at=NOW,
)


def full_record(registration_id: str = "a" * 32) -> Registration:
    return Registration(
        registration_id=registration_id,
        user_id=USER,
        state=RegistrationState.REVIEW,
        citizen_id=CID,
        consent_version="1",
        consent_at=NOW,
        assignment_order="d" * 32,
        proofing_id="p" * 32,
        identity=IDENTITY,
        details=RegistrationDetails(
            address="99 ถนนพระราม 6",
            phone=PhoneNumber("0812345678"),
            position="นักวิชาการ",
            department="กรมบัญชีกลาง",
            ministry="กระทรวงการคลัง",
        ),
        email=EMAIL,
        code_sent_to=EMAIL,
        email_verified=EMAIL,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_registration_round_trips(harness: Harness) -> None:
    record = full_record()
    with harness.softtoken.unit_of_work() as uow:
        stored = uow.repository(Registrations).add(record)
        uow.commit()
    with harness.softtoken.unit_of_work() as uow:
        table = uow.repository(Registrations)
        assert table.get_by_key(record.registration_id) == stored
        assert table.open_for(USER) == stored
        updated = table.update(
            attrs.evolve(stored, state=RegistrationState.REJECTED, rejection_reason="เหตุผล")
        )
        uow.commit()
    with harness.softtoken.unit_of_work() as uow:
        table = uow.repository(Registrations)
        assert table.open_for(USER) is None
        assert table.get_by_key(record.registration_id) == updated


def test_one_open_registration_per_account(harness: Harness) -> None:
    with harness.softtoken.unit_of_work() as uow:
        uow.repository(Registrations).add(full_record("a" * 32))
        uow.commit()

    def add_second() -> None:
        with harness.softtoken.unit_of_work() as uow:
            uow.repository(Registrations).add(full_record("b" * 32))
            uow.commit()

    with pytest.raises(Conflict) as clash:
        add_second()
    assert clash.value.code == "registration_open_exists"
    closed = attrs.evolve(full_record("c" * 32), state=RegistrationState.EXPIRED)
    with harness.softtoken.unit_of_work() as uow:
        uow.repository(Registrations).add(closed)  # closed ones do not count
        uow.commit()


def test_a_proofing_round_trips(harness: Harness) -> None:
    record = ProofingRecord(
        proofing_id="p" * 32,
        provider="paotang",
        subject="a" * 32,
        citizen_id=CID,
        lookup="f" * 64,
        state={"nonce_sha256": "f" * 64},
        created_at=NOW,
        expires_at=NOW,
    )
    with harness.softtoken.unit_of_work() as uow:
        stored = uow.repository(ProofingTable).add(record)
        uow.commit()
    with harness.softtoken.unit_of_work() as uow:
        assert uow.repository(ProofingTable).by_lookup("f" * 64) == stored
        done = uow.repository(ProofingTable).update(attrs.evolve(stored, result=IDENTITY))
        uow.commit()
    with harness.softtoken.unit_of_work() as uow:
        assert uow.repository(ProofingTable).get_by_key("p" * 32) == done


def test_an_email_belongs_to_one_citizen(harness: Harness) -> None:
    other = CitizenId.parse("3100600123450")
    with harness.softtoken.unit_of_work() as uow:
        bindings = uow.repository(EmailBindings)
        first = bindings.bind(EMAIL, CID, registration_id="r1", now=NOW)
        assert bindings.bind(EMAIL, CID, registration_id="r2", now=NOW) == first
        uow.commit()
    with harness.softtoken.unit_of_work() as uow:
        with pytest.raises(Conflict) as taken:
            uow.repository(EmailBindings).bind(EMAIL, other, registration_id="r3", now=NOW)
        assert taken.value.code == "email_taken"


RACE_KEY = bytes(range(32))


def race_to_bind(storage: MemoryStorage | SqlStorage, threads: int) -> list[object]:
    harness = in_memory(storage=storage, secret_key=RACE_KEY)
    ctx = harness.softtoken.context
    first12 = [f"11017002{n:04d}" for n in range(threads)]
    ids = [f + str(citizen_id_check_digit(f)) for f in first12]
    barrier = threading.Barrier(threads)
    results: list[object] = [None] * threads

    def bind(n: int) -> None:
        cid = CitizenId.parse(ids[n])

        def work(uow):  # type: ignore[no-untyped-def]
            bindings = uow.repository(EmailBindings)
            bindings.check_free(EMAIL, cid)
            # Every first attempt has read "free" before anyone writes; a retry (after
            # losing the insert) finds the winner's binding in check_free above.
            barrier.wait(timeout=10)
            return bindings.bind(EMAIL, cid, registration_id=f"r{n}", now=NOW)

        try:
            results[n] = ctx.transact(work)
        except Exception as error:
            results[n] = error

    workers = [threading.Thread(target=bind, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


@pytest.mark.postgres
def test_threads_racing_to_bind_one_email_on_postgres(pg_storage: SqlStorage) -> None:
    results = race_to_bind(pg_storage, 8)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(e, Conflict) and e.code == "email_taken" for e in losers), losers
    # The same deployment's key: the citizen ID rests sealed under it.
    with in_memory(storage=pg_storage, secret_key=RACE_KEY).softtoken.unit_of_work() as uow:
        [binding] = uow.repository(EmailBindings).find_where([])
    assert binding == winners[0]
