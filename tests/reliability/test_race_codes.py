"""Issue 16 item 8: phones racing one activation QR code. Single use always held; the
loser must also always be told what happened (``activation_used``), never a code about
the registration that the winner had just moved on (``registration_not_approved``,
``registration_closed``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from softtoken.lifecycle.registration import RegistrationService
from softtoken.ports import Storage
from softtoken.storage import StorageUnitOfWork
from softtoken.testing import in_memory

from ..helpers.concurrency import race
from ..helpers.devices import PIN, new_phone, registered_account


def _user(n: int) -> tuple[str, str]:
    return f"T{5005000001000 + n:014d}", f"racer{n}@cgd.example.go.th"


def _racing_enrollments(harness_storage: Storage, rounds: int, phones: int) -> list[list[object]]:
    harness = in_memory(storage=harness_storage)
    soft = harness.softtoken
    results: list[list[object]] = []
    for n in range(rounds):
        user_id, email = _user(n)
        registered_account(harness, user_id, email)
        start = soft.activation.begin(user_id)
        devices = [new_phone() for _ in range(phones)]
        tokens = [d.enroll(d.scan(start.qr_payload), pin=PIN) for d in devices]
        calls: list[Callable[[], object]] = [
            lambda t=t: soft.activation.enroll(t)  # type: ignore[misc]
            for t in tokens
        ]
        results.append(race(calls))
    return results


def _assert_one_winner_and_losers_told_used(outcomes: list[object]) -> None:
    winners = [o for o in outcomes if not isinstance(o, str)]
    losers = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1, outcomes
    assert losers == ["activation_used"] * (len(outcomes) - 1), outcomes


def test_i8_the_loser_is_told_activation_used_even_when_it_reads_late(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window the fault run hit by chance, held open: the loser has read the
    activation before the winner commits, and reads the registration after it."""
    original = RegistrationService.ready_for_activation_in
    turns: list[int] = []
    lock = threading.Lock()
    second_arrived = threading.Event()

    def held_open(self: RegistrationService, uow: StorageUnitOfWork, uid: object) -> object:
        with lock:
            turns.append(1)
            turn = len(turns)
        if turn == 1:
            # The first caller waits (a while, not for ever) until a second caller has
            # also got past the activation; then it goes on and commits.
            second_arrived.wait(timeout=1.0)
        else:
            second_arrived.set()
            time.sleep(0.5)  # the first commits meanwhile
        return original(self, uow, uid)  # type: ignore[arg-type]

    harness = in_memory(storage=storage)
    user_id, email = _user(0)
    registered_account(harness, user_id, email)
    soft = harness.softtoken
    start = soft.activation.begin(user_id)
    devices = [new_phone() for _ in range(2)]
    tokens = [d.enroll(d.scan(start.qr_payload), pin=PIN) for d in devices]
    monkeypatch.setattr(RegistrationService, "ready_for_activation_in", held_open)
    outcomes = race([lambda t=t: soft.activation.enroll(t) for t in tokens])  # type: ignore[misc]
    _assert_one_winner_and_losers_told_used(outcomes)
    assert len([c for c in soft.ca.for_user(user_id) if c.status.value == "active"]) == 1


@pytest.mark.slow
def test_i8_many_rounds_on_postgres_every_loser_gets_activation_used(
    pg_storage: Storage,
) -> None:
    for outcomes in _racing_enrollments(pg_storage, rounds=40, phones=3):
        _assert_one_winner_and_losers_told_used(outcomes)
