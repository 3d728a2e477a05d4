"""Closing accounts and erasure (issue 17 item 5), on every adapter: erasure is refused
before the retention period, then removes every trace of the person's user ID, citizen
ID, email and name from every table (and the SQLite file), in one transaction, while
the audit chain still verifies and still catches tampering."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from softtoken import AuthenticationError, NotFound, StateError, ValidationError
from softtoken.audit._pseudonyms import is_pseudonym, pseudonym
from softtoken.ports import Predicate
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, Person, soft_token_user

from ..helpers.concurrency import race
from ..helpers.service_requests import RECORDER, REVIEWER, form_for, signed_pdf
from ..helpers.storage import snapshot

OFFICER = "off.1"
OTHER = Person(
    user_id="T05005000000202",
    citizen_id="3100600123450",
    email="malee.s@cgd.example.go.th",
    first_name="มาลี",
    last_name="สุขใจ",
)
RETENTION = timedelta(days=730)


def _alias(harness: Harness, value: str) -> str:
    with harness.softtoken.unit_of_work() as uow:
        return pseudonym(uow.keys, value)


def _identifiers(person: Person) -> list[str]:
    return [person.user_id, person.citizen_id, person.email, person.first_name, person.last_name]


def _held_anywhere(harness: Harness, person: Person) -> list[str]:
    """Every identifier of ``person`` found in any row of any table (text, JSON and the
    bytes of documents)."""
    text = json.dumps(snapshot(harness), ensure_ascii=False, default=repr)
    return [i for i in _identifiers(person) if i in text or repr(i.encode())[2:-1] in text]


def _closed_user(harness: Harness, person: Person | None = None) -> Person:
    """A soft token user with a rejected service request (a signed form held), whose
    mail went out, then closed by an officer."""
    who = person or Person()
    soft = harness.softtoken
    soft_token_user(harness, who)
    request = soft.service_requests.submit(
        form_for(who, "forgot_pin"), signed_form=signed_pdf(), officer=RECORDER
    )
    soft.service_requests.take(request.request_id, officer=REVIEWER)
    soft.service_requests.reject(request.request_id, officer=REVIEWER, reason="unsigned")
    harness.deliver_mail()
    soft.privacy.close(who.user_id, officer=OFFICER, reason="left_service")
    harness.deliver_mail()
    return who


def test_closing_revokes_the_soft_token_and_locks_the_account_for_good(
    harness: Harness,
) -> None:
    soft = harness.softtoken
    person = _closed_user(harness)
    account = soft.accounts.get(person.user_id)
    assert account.closed_at == harness.clock.now()
    held = soft.privacy.export(person.user_id)
    assert held["account"][0]["closed_at"] == harness.clock.now().isoformat()
    assert {c["status"] for c in held["certificates"]} == {"revoked"}
    with pytest.raises(AuthenticationError):
        soft.accounts.verify_password(person.user_id, person.password)
    with pytest.raises(StateError) as caught:
        soft.accounts.enable(person.user_id, officer=OFFICER)
    assert caught.value.code == "account_closed"
    with pytest.raises(StateError) as caught:
        soft.privacy.close(person.user_id, officer=OFFICER, reason="deceased")
    assert caught.value.code == "account_closed"
    [record] = [r for r in soft.audit.records() if r.entry.action == "account.close"]
    assert dict(record.entry.details) == {"reason": "left_service", "revoked": 1}


def test_closing_refuses_bad_reasons_and_officers(harness: Harness) -> None:
    soft = harness.softtoken
    soft_token_user(harness)
    before = snapshot(harness)
    with pytest.raises(ValidationError) as caught:
        soft.privacy.close(Person().user_id, officer=OFFICER, reason="bored")
    assert caught.value.code == "closure_reason_invalid"
    with pytest.raises(ValidationError):
        soft.privacy.close(Person().user_id, officer=None, reason="deceased")  # type: ignore[arg-type]
    assert snapshot(harness) == before


def test_erasure_waits_for_closing_and_the_retention_period(harness: Harness) -> None:
    soft = harness.softtoken
    soft_token_user(harness)
    with pytest.raises(StateError) as caught:
        soft.privacy.erase(Person().user_id)
    assert caught.value.code == "account_not_closed"
    soft.privacy.close(Person().user_id, officer=OFFICER, reason="transferred")
    harness.clock.advance(days=729)
    before = snapshot(harness)
    with pytest.raises(StateError) as caught:
        soft.privacy.erase(Person().user_id)
    assert caught.value.code == "retention_not_over"
    assert caught.value.message_th
    assert caught.value.message_en
    assert snapshot(harness) == before
    with pytest.raises(NotFound):
        soft.privacy.erase("T05005000000298")


def test_erasure_leaves_no_trace_of_the_person_and_the_chain_verifies(
    harness: Harness,
) -> None:
    soft = harness.softtoken
    person = _closed_user(harness)
    soft_token_user(harness, OTHER)  # someone who stays
    # Sealed at rest (issue 17 item 1): in clear only the user ID and the email; the
    # citizen ID and the names are held too, sealed, as subject access shows.
    assert _held_anywhere(harness, person) == [person.user_id, person.email]
    held = json.dumps(soft.privacy.export(person.user_id), ensure_ascii=False)
    assert [i for i in _identifiers(person) if i in held] == _identifiers(person)
    harness.clock.advance(RETENTION)

    counts = soft.privacy.erase(person.user_id)

    assert counts["accounts"] == 1
    assert counts["registrations"] == counts["service_requests"] == 1
    assert counts["documents"] >= 1
    assert counts["audit_records"] > 10
    assert _held_anywhere(harness, person) == []
    assert _held_anywhere(harness, OTHER) == [OTHER.user_id, OTHER.email]  # nobody else's
    assert soft.privacy.export(OTHER.user_id)["account"]
    assert soft.audit.verify() == len(soft.audit.records())
    with pytest.raises(NotFound):
        soft.privacy.export(person.user_id)  # nothing is held
    # The erasure is one record of counts, naming the person by pseudonym only.
    (last,) = [r for r in soft.audit.records() if r.entry.action == "privacy.erase"]
    assert last.entry.subject == _alias(harness, person.user_id)
    assert all(isinstance(v, int) for v in last.entry.details.values())
    # The person's records remain, showing pseudonyms where their names were.
    about = [r for r in soft.audit.records() if r.refs and r.refs.subject == last.entry.subject]
    assert len(about) > 10
    assert all(is_pseudonym(r.entry.subject) for r in about)
    # The user ID is free again; a new account under it is a new person.
    soft.accounts.create(user_id=person.user_id, first_name="ใหม่", last_name="ผู้ใช้")
    assert soft.audit.verify() == len(soft.audit.records())


def test_the_sqlite_file_holds_no_trace_after_erasure(harness: Harness) -> None:
    storage = harness.softtoken.storage
    if not isinstance(storage, SqlStorage) or storage.engine.dialect.name != "sqlite":
        pytest.skip("the database file of SQLite")
    path = storage.engine.url.database
    assert path is not None

    def in_the_file() -> list[str]:
        # The write-ahead log holds pages as they were until a checkpoint copies the
        # new ones (zeroed where rows went: secure_delete) into the file.
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = Path(path).read_bytes()
        return [i for i in _identifiers(person) if i.encode() in raw]

    person = _closed_user(harness)
    assert in_the_file() == [person.user_id, person.email]  # the rest is sealed
    harness.clock.advance(RETENTION)
    harness.softtoken.privacy.erase(person.user_id)
    assert in_the_file() == []


def test_tampering_with_an_erased_record_is_still_caught(harness: Harness) -> None:
    soft = harness.softtoken
    person = _closed_user(harness)
    harness.clock.advance(RETENTION)
    soft.privacy.erase(person.user_id)
    alias = _alias(harness, person.user_id)
    erased = next(r for r in soft.audit.records() if r.entry.subject == alias)
    for change in (
        {"action": "account.enable"},
        {"outcome": "denied"},
        {"subject_ref": _alias(harness, OTHER.user_id)},
        {"subject": OTHER.user_id},  # a clear value put back, but someone else's
    ):
        row: list[Predicate] = [("chain", "=", erased.chain), ("seq", "=", erased.seq)]
        tx = soft.storage.begin()
        old = tx.select("st_audit_events", row)[0]
        tx.update("st_audit_events", row, change)
        tx.commit()
        with pytest.raises(Exception) as caught:
            soft.audit.verify()
        where = "" if erased.chain == 1 else f" of chain {erased.chain}"
        detail = str(getattr(caught.value, "detail", ""))
        assert f"record {erased.seq}{where} was altered" in detail
        tx = soft.storage.begin()
        tx.update("st_audit_events", row, {k: old[k] for k in change})
        tx.commit()
    assert soft.audit.verify() == len(soft.audit.records())


def test_a_failure_midway_leaves_storage_unchanged(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from softtoken.storage import _audit_table

    soft = harness.softtoken
    person = _closed_user(harness)
    harness.clock.advance(RETENTION)
    before = snapshot(harness)

    def fail(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("the database went away")

    # After the rows are deleted, before the audit log is blanked.
    monkeypatch.setattr(_audit_table.AuditTable, "erase", fail)
    with pytest.raises(RuntimeError):
        soft.privacy.erase(person.user_id)
    assert snapshot(harness) == before
    monkeypatch.undo()
    soft.privacy.erase(person.user_id)
    assert _held_anywhere(harness, person) == []


def test_erasure_beside_another_person_s_logins(harness: Harness) -> None:
    soft = harness.softtoken
    person = _closed_user(harness)
    soft_token_user(harness, OTHER)
    harness.clock.advance(RETENTION)

    def logins() -> int:
        for _ in range(5):
            soft.accounts.verify_password(OTHER.user_id, OTHER.password)
        return 5

    erased, logged_in = race([lambda: soft.privacy.erase(person.user_id), logins])
    assert isinstance(erased, dict)
    assert logged_in == 5
    assert _held_anywhere(harness, person) == []
    assert soft.audit.verify() == len(soft.audit.records())


def test_the_purge_erases_accounts_closed_past_retention(harness: Harness) -> None:
    soft = harness.softtoken
    person = _closed_user(harness)
    harness.clock.advance(days=100)
    assert soft.maintenance.purge().deleted["closed_accounts"] == 0
    harness.clock.advance(RETENTION)
    assert soft.maintenance.purge().deleted["closed_accounts"] == 1
    assert _held_anywhere(harness, person) == []
    assert soft.audit.verify() == len(soft.audit.records())


def test_records_written_after_the_search_are_erased_too(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Erasure searches the log in short transactions first, then reads only what it
    found and what came after: a record naming the person written in between is
    blanked as well."""
    from softtoken.privacy import _erase, _service

    soft = harness.softtoken
    person = _closed_user(harness)
    harness.clock.advance(RETENTION)
    searched: list[_erase.Found | None] = []

    def find_then_write(*args: object) -> _erase.Found | None:
        found = _erase.find(*args)  # type: ignore[arg-type]
        searched.append(found)
        soft.privacy.export(person.user_id)  # audited: subject the user ID
        return found

    monkeypatch.setattr(_service, "find", find_then_write)
    soft.privacy.erase(person.user_id)
    [found] = searched
    assert found is not None
    assert found.found
    assert _held_anywhere(harness, person) == []
    assert soft.audit.verify() == len(soft.audit.records())
