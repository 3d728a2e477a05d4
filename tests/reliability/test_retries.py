"""Issue 16 item 7: a unit of work that lost a race is retried a number of times the
policy sets, with growing, jittered pauses; a race lost for good ends in ``Busy``
(``busy_try_again``), never in a bare ``ConcurrencyError``."""

from __future__ import annotations

import attrs
import pytest

from softtoken import Busy, ConcurrencyError, ConfigurationError, Policy
from softtoken.ports import Storage
from softtoken.storage import StorageUnitOfWork, retrying
from softtoken.testing import in_memory

from ..helpers.concurrency import race

USER = "T05005000000201"


def _always_loses() -> object:
    raise ConcurrencyError(detail="another call wrote first")


def test_i7_a_race_lost_for_good_is_busy_try_again() -> None:
    pauses: list[float] = []
    calls: list[int] = []

    def loses() -> object:
        calls.append(1)
        return _always_loses()

    with pytest.raises(Busy) as caught:
        retrying(loses, attempts=4, first_delay=0.01, max_delay=0.05, sleep=pauses.append)
    assert caught.value.code == "busy_try_again"
    assert isinstance(caught.value, ConcurrencyError)  # callers catching the group still do
    assert isinstance(caught.value.__cause__, ConcurrencyError)
    assert "busy" in caught.value.message_en.lower()
    assert len(calls) == 4
    assert len(pauses) == 3  # no pause after the last attempt
    # Full jitter: each pause is drawn from [0, min(max, first * 2**n)].
    for n, pause in enumerate(pauses):
        assert 0 <= pause <= min(0.05, 0.01 * 2**n)


def test_i7_pauses_are_jittered() -> None:
    firsts: set[float] = set()
    for _ in range(20):
        pauses: list[float] = []
        with pytest.raises(Busy):
            retrying(_always_loses, attempts=2, first_delay=0.01, max_delay=1, sleep=pauses.append)
        firsts.add(pauses[0])
    assert len(firsts) > 1  # two racing callers do not wake up together


def test_i7_a_retry_that_wins_returns_its_result() -> None:
    pauses: list[float] = []
    tries = iter([ConcurrencyError(), ConcurrencyError(), None])

    def flaky() -> str:
        error = next(tries)
        if error is not None:
            raise error
        return "done"

    assert retrying(flaky, attempts=3, sleep=pauses.append) == "done"
    assert len(pauses) == 2


def test_i7_the_number_of_attempts_is_policy() -> None:
    assert Policy().transaction_attempts == 8
    soft = in_memory(policy=Policy.for_tests(transaction_attempts=3)).softtoken
    calls: list[int] = []

    def work(_uow: StorageUnitOfWork) -> object:
        calls.append(1)
        return _always_loses()

    with pytest.raises(Busy):
        soft.context.transact(work)
    assert len(calls) == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"transaction_attempts": 0},
        {"transaction_attempts": 101},
        {"transaction_backoff_first": Policy().transaction_backoff_first * 0},
        {"transaction_backoff_max": Policy().transaction_backoff_first / 2},
    ],
)
def test_i7_unusable_retry_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        Policy(**changes)  # type: ignore[arg-type]


def test_i7_eight_writers_on_one_record_all_win_in_turn(storage: Storage) -> None:
    """Each failed attempt of a caller means another caller committed, so with as many
    attempts as callers every caller gets through: none sees a bare race error."""
    harness = in_memory(storage=storage)
    soft = harness.softtoken
    soft.accounts.create(
        user_id=USER, first_name="Somchai", last_name="Jaidee", email="s@example.go.th"
    )
    uid = soft.context.user_id(USER)

    def bump() -> object:
        def work(uow: StorageUnitOfWork) -> int:
            account = uow.accounts.get(uid)
            uow.accounts.update(attrs.evolve(account, updated_at=harness.clock.now()))
            return account.version

        return soft.context.transact(work)

    writers = soft.policy.transaction_attempts
    outcomes = race([bump for _ in range(writers)])
    assert all(isinstance(o, int) for o in outcomes), outcomes
    with soft.unit_of_work() as uow:
        assert uow.accounts.get(uid).version == 1 + writers


def test_i7_a_recorded_attempt_lost_for_good_is_busy_try_again() -> None:
    """Calls that must record a failed attempt (codes, passwords, push approvals) retry
    at least ``COUNTER_ATTEMPTS`` times, then end in ``Busy`` as every other call."""
    from datetime import timedelta

    from softtoken.otp._service import COUNTER_ATTEMPTS, transact_recording

    fast = Policy.for_tests(
        transaction_backoff_first=timedelta(milliseconds=1),
        transaction_backoff_max=timedelta(milliseconds=1),
    )
    soft = in_memory(policy=fast).softtoken
    calls: list[int] = []

    def work(_uow: StorageUnitOfWork) -> object:
        calls.append(1)
        return _always_loses()

    with pytest.raises(Busy) as caught:
        transact_recording(soft.context, work)
    assert caught.value.code == "busy_try_again"
    assert len(calls) == max(COUNTER_ATTEMPTS, fast.transaction_attempts)
