"""The storage contract of one-time codes, attempt counters and TOTP credentials, run on
every adapter: nothing secret at rest, counters that persist, single use under races,
and no lost failure under concurrent wrong codes (50 threads on PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from softtoken import AuthenticationError, Policy, RateLimited, SoftTokenError
from softtoken.otp import totp_code
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory

from ..helpers.otp import CITIZEN, EMAIL, OTHER_CITIZEN, USER, code_in, last_mail_text, registered

PURPOSE = "password_reset"


def _rows(harness: Harness, table: str) -> list[dict[str, object]]:
    with harness.softtoken.unit_of_work() as uow:
        return uow.transaction.select(table)


def _issue(harness: Harness) -> str:
    harness.softtoken.otp.issue(PURPOSE, USER, email=EMAIL)
    return code_in(last_mail_text(harness, template="otp_code"))


def test_the_code_rests_only_as_an_hmac(harness: Harness) -> None:
    code = _issue(harness)
    (row,) = _rows(harness, "st_otp_codes")
    assert code not in repr(row)
    assert row["failures"] == 0
    assert row["version"] == 1
    assert harness.softtoken.otp.verify(PURPOSE, USER, code).subject == USER
    (used,) = _rows(harness, "st_otp_codes")
    assert used["used_at"] == harness.clock.now()
    # The outbox erased the message body once sent: the code is nowhere at rest.
    for row in _rows(harness, "st_outbox"):
        assert row["sealed"] is None
        assert code not in repr(row)


def test_failures_persist_across_codes_and_instances(harness: Harness) -> None:
    code = _issue(harness)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            harness.softtoken.otp.verify(PURPOSE, USER, wrong)
    harness.clock.advance(seconds=90)
    _issue(harness)
    status = harness.softtoken.otp.status(PURPOSE, USER)
    assert status is not None
    assert status.failures == 3
    assert status.waiting
    (row,) = _rows(harness, "st_otp_codes")
    assert row["failures"] == 3


def test_attempt_counters_are_rows_keyed_by_mac(harness: Harness) -> None:
    registered(harness)
    for _ in range(5):
        with pytest.raises((AuthenticationError, RateLimited)):
            harness.softtoken.password_reset.request(
                USER, OTHER_CITIZEN, EMAIL, client_key="203.0.113.7"
            )
    rows = _rows(harness, "st_attempt_counters")
    assert sorted(str(r["scope"]) for r in rows) == ["reset_client", "reset_user"]
    assert all(r["failures"] == 5 for r in rows)
    assert all(r["locked_until"] is not None for r in rows)
    assert "203.0.113.7" not in repr(rows)
    assert USER not in repr(rows)
    with pytest.raises(RateLimited):
        harness.softtoken.password_reset.request(USER, CITIZEN, EMAIL)


def test_reset_walk_on_every_adapter(harness: Harness) -> None:
    registered(harness)
    soft = harness.softtoken
    soft.password_reset.request(USER, CITIZEN, EMAIL)
    soft.password_reset.confirm(USER, code_in(last_mail_text(harness)))
    account = soft.accounts.get(USER)
    assert account.must_change_password
    assert account.password_expires_at is not None
    assert account.password_expires_at.tzinfo is not None
    assert soft.audit.verify() > 0


def test_totp_credentials_round_trip(harness: Harness) -> None:
    registered(harness)
    enrolled = harness.softtoken.totp.enroll(USER)
    (row,) = _rows(harness, "st_totp_credentials")
    sealed = row["sealed_secret"]
    assert isinstance(sealed, bytes | memoryview)
    assert enrolled.secret.encode() not in bytes(sealed)
    code = totp_code(enrolled.secret, harness.clock.now(), policy=harness.softtoken.policy)
    step = harness.softtoken.totp.verify(USER, code)
    (row,) = _rows(harness, "st_totp_credentials")
    assert row["last_step"] == step


def _race(count: int, call: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(count)

    def worker() -> object:
        barrier.wait()
        try:
            return call()
        except SoftTokenError as error:
            return error

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: worker(), range(count)))


def _single_use(harness: Harness, threads: int) -> None:
    code = _issue(harness)
    outcomes = _race(threads, lambda: harness.softtoken.otp.verify(PURPOSE, USER, code))
    passed = [o for o in outcomes if not isinstance(o, SoftTokenError)]
    refused = [o for o in outcomes if isinstance(o, SoftTokenError)]
    assert len(passed) == 1
    assert {e.code for e in refused} == ({"otp_used"} if refused else set())


def _counted(harness: Harness, threads: int) -> None:
    code = _issue(harness)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    outcomes = _race(threads, lambda: harness.softtoken.otp.verify(PURPOSE, USER, wrong))
    assert all(isinstance(o, AuthenticationError) and o.code == "otp_wrong" for o in outcomes)
    status = harness.softtoken.otp.status(PURPOSE, USER)
    assert status is not None
    assert status.failures == threads
    failures = [
        r
        for r in harness.softtoken.audit.records()
        if r.entry.action == "otp.verify" and r.entry.outcome == "failure"
    ]
    assert len(failures) == threads


# Wide enough that 50 wrong codes in a row stay below the lock, so each one counts.
NO_LOCK = Policy.for_tests(otp_max_attempts=100, otp_hard_limit=100)


def test_racing_verifications_of_one_code_pass_once(storage: MemoryStorage | SqlStorage) -> None:
    _single_use(in_memory(storage=storage), 8)


def test_racing_wrong_codes_are_all_counted(storage: MemoryStorage | SqlStorage) -> None:
    _counted(in_memory(storage=storage, policy=NO_LOCK), 8)


@pytest.mark.slow
def test_fifty_threads_one_code_exactly_one_succeeds_on_postgres(pg_storage: SqlStorage) -> None:
    _single_use(in_memory(storage=pg_storage), 50)


@pytest.mark.slow
def test_fifty_threads_wrong_codes_all_counted_on_postgres(pg_storage: SqlStorage) -> None:
    _counted(in_memory(storage=pg_storage, policy=NO_LOCK), 50)


@pytest.mark.slow
def test_fifty_threads_wrong_reset_data_all_counted_on_postgres(pg_storage: SqlStorage) -> None:
    harness = in_memory(storage=pg_storage, policy=Policy.for_tests(reset_max_mismatches=1000))
    registered(harness)
    outcomes = _race(
        50,
        lambda: harness.softtoken.password_reset.request(
            USER, OTHER_CITIZEN, EMAIL, client_key="203.0.113.7"
        ),
    )
    assert all(isinstance(o, AuthenticationError) for o in outcomes)
    rows = _rows(harness, "st_attempt_counters")
    assert [r["failures"] for r in rows] == [50, 50]
