"""Issue 12, M2: argon2 runs outside any transaction, and the counters stay exact.

A password check reads the account, hashes with no transaction open, then records the
outcome in a short transaction that re-checks the hash it verified against. These tests
hold a hash in the middle (a hasher patched to wait on an event) and show that other
writes go through meanwhile, that racing wrong passwords are all counted with the lock at
the policy's number, and that a change committed during a login's hash keeps the old
password out. They run on every storage adapter (memory, SQLite, PostgreSQL, MariaDB).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from softtoken import LoginType, SoftTokenError, UserId
from softtoken.testing import Harness

from ..helpers.concurrency import race
from ..helpers.otp import CITIZEN, EMAIL, PASSWORD, USER, code_in, last_mail_text, registered

UNKNOWN = "T09999999999999"
OTHER = "T05005000000299"
TOKEN_KEY = "T05005000000301"
NEW = "quiet river 1987 lantern"
#: How long a write may take while a hash is held; the old code waited for the hash
#: (SQLite's busy timeout is 30 s), so this only has to be far below that.
WRITE_WITHIN = 10.0


@contextmanager
def held_hash(harness: Harness, method: str) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Patch the hasher so that its first ``method`` call waits for ``release``;
    ``started`` is set when that call begins. Later calls run normally."""
    hasher = harness.softtoken.context.hasher
    original: Callable[..., Any] = getattr(hasher, method)
    started, release = threading.Event(), threading.Event()
    first = threading.Lock()

    def waiting(*args: Any, **kwargs: Any) -> Any:
        if first.acquire(blocking=False):
            started.set()
            assert release.wait(60), "the test never released the hash"
        return original(*args, **kwargs)

    setattr(hasher, method, waiting)
    try:
        yield started, release
    finally:
        release.set()
        setattr(hasher, method, original)


def _outcome(call: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        try:
            return call()
        except SoftTokenError as error:
            return error.code

    return run


def _in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(_outcome(call)()), daemon=True)
    thread.start()
    return thread, box


@pytest.mark.parametrize("who", ["unknown", "wrong"])
def test_m2_other_writes_complete_while_a_password_is_hashing(harness: Harness, who: str) -> None:
    soft = harness.softtoken
    registered(harness)
    user, method = (UNKNOWN, "verify_dummy") if who == "unknown" else (USER, "verify")
    with held_hash(harness, method) as (started, release):
        login, login_box = _in_thread(lambda: soft.login.password(user, "not the password"))
        assert started.wait(WRITE_WITHIN)

        def other_writes() -> object:
            # An unrelated write (the only write lock on SQLite), and a write to the
            # same account row (a row lock on PostgreSQL and MariaDB).
            soft.accounts.create(user_id=OTHER, first_name="Malee", last_name="Sukjai")
            return soft.login.password(USER, PASSWORD).account.user_id.value

        writer, writer_box = _in_thread(other_writes)
        writer.join(WRITE_WITHIN)
        finished_while_hashing = not writer.is_alive()
        release.set()
        writer.join(60)
        login.join(60)
    assert finished_while_hashing, "a write waited for another call's password hash"
    assert writer_box == [USER]
    assert login_box == ["login_failed"]
    # The held attempt was still counted, after the right password reset the count.
    assert soft.accounts.get(USER).failed_logins == (1 if who == "wrong" else 0)


@pytest.mark.parametrize("extra", [-1, 3])
@pytest.mark.parametrize("who", [USER, UNKNOWN])
def test_m2_racing_wrong_passwords_are_counted_exactly(
    harness: Harness, who: str, extra: int
) -> None:
    soft = harness.softtoken
    registered(harness)
    limit = soft.policy.login_max_failures
    threads = limit + extra
    outcomes = race([lambda: soft.login.password(who, "not the password")] * threads)
    # Every attempt either counted (up to `limit`, the last of which locks) or found the
    # lock that the counted ones set: none lost, none counted twice.
    counted, refused = min(threads, limit), max(0, extra)
    assert sorted(map(str, outcomes)) == ["login_failed"] * counted + ["login_locked"] * refused
    if who == USER:
        account = soft.accounts.get(USER)
        assert account.failed_logins == counted
        locked = account.locked_until == harness.clock.now() + soft.policy.login_lockout
        assert locked is (counted == limit)
    records = [r.entry for r in soft.audit.records() if r.entry.action == "login.password"]
    assert sum(e.details.get("reason") == "login_locked" for e in records) == refused
    if refused:
        with pytest.raises(SoftTokenError) as locked_out:
            soft.login.password(who, PASSWORD)
        assert locked_out.value.code == "login_locked"


def test_m2_a_change_committed_during_a_login_keeps_the_old_password_out(
    harness: Harness,
) -> None:
    soft = harness.softtoken
    registered(harness)
    with held_hash(harness, "verify") as (started, release):
        login, login_box = _in_thread(lambda: soft.login.password(USER, PASSWORD))
        assert started.wait(WRITE_WITHIN)
        changer, change_box = _in_thread(
            lambda: (
                soft.login.change_password(
                    USER, current_password=PASSWORD, new_password=NEW, confirm_password=NEW
                ).user_id
            )
        )
        changer.join(WRITE_WITHIN)
        changed_while_hashing = not changer.is_alive()
        release.set()
        changer.join(60)
        login.join(60)
    assert changed_while_hashing
    assert change_box == [USER]
    # The login verified the old password against the old hash; the change committed
    # before it wrote, so it checked again against the new hash and was refused.
    assert login_box == ["login_failed"]
    assert soft.login.password(USER, NEW).account.user_id == UserId(USER)


@pytest.mark.parametrize("path", ["change", "reset", "initial", "temporary"])
def test_m2_new_passwords_are_hashed_outside_the_transaction(harness: Harness, path: str) -> None:
    soft = harness.softtoken
    registered(harness)
    soft.accounts.create(
        user_id=TOKEN_KEY, first_name="Prasert", last_name="Mankong", login_type=LoginType.TOKEN_KEY
    )
    if path == "reset":
        soft.password_reset.request(USER, CITIZEN, EMAIL)
        code = code_in(last_mail_text(harness))
    calls: dict[str, Callable[[], object]] = {
        "change": lambda: soft.login.change_password(
            USER, current_password=PASSWORD, new_password=NEW, confirm_password=NEW
        ),
        "reset": lambda: soft.password_reset.confirm(USER, code),
        "initial": lambda: soft.initial_credentials.issue(TOKEN_KEY),
        "temporary": lambda: len(soft.accounts.issue_temporary_password(USER)),
    }
    with held_hash(harness, "hash") as (started, release):
        setter, setter_box = _in_thread(calls[path])
        assert started.wait(WRITE_WITHIN)
        writer, writer_box = _in_thread(
            lambda: soft.accounts.create(user_id=OTHER, first_name="Malee", last_name="Sukjai")
        )
        writer.join(WRITE_WITHIN)
        finished_while_hashing = not writer.is_alive()
        release.set()
        writer.join(60)
        setter.join(60)
    assert finished_while_hashing, "a write waited for another call's password hash"
    assert len(writer_box) == 1
    assert not isinstance(writer_box[0], str)
    assert len(setter_box) == 1
    assert not isinstance(setter_box[0], str), setter_box  # no error code: it went through
