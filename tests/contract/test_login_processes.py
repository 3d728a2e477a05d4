"""Issue 12, M2 and M4 across processes: wrong passwords for a known account and for an
unknown user ID, sent from 4 processes at once to one database, are each counted once.
The guard is the database (row lock, conditional update) and, for the unknown ID, a
counter row keyed by an HMAC every process derives from the same server secret."""

from __future__ import annotations

import multiprocessing

import pytest

from softtoken import Config, LoginType, MemoryMailbox, Policy, SoftToken, SoftTokenError, build
from softtoken._clock import FakeClock
from softtoken.otp._store import AttemptCounters
from softtoken.otp._throttle import counter_key

from ..helpers.otp import PASSWORD, USER, registered
from ..helpers.processes import run_workers

PROCESSES = 4
CALLS_EACH = 6
UNKNOWN = "T09999999999999"
#: No lock within the run, so every attempt must be counted.
POLICY = Policy.for_tests(login_max_failures=50, login_hard_limit=100)


def _soft(url: str, secret: bytes) -> SoftToken:
    config = Config(secret_key=secret, storage_url=url, policy=POLICY, create_schema=False)
    return build(config, clock=FakeClock(), email_sender=MemoryMailbox(), allow_test_policy=True)


def _worker(url: str, secret: bytes, user_id: str, queue: multiprocessing.Queue[str]) -> None:
    soft = _soft(url, secret)
    for _ in range(CALLS_EACH):
        try:
            soft.login.password(user_id, "not the password")
            queue.put("passed")
        except SoftTokenError as error:
            queue.put(error.code)
    soft.close()


def _run(url: str, secret: bytes, user_id: str) -> list[str]:
    return run_workers(
        _worker, (url, secret, user_id), processes=PROCESSES, outcomes=PROCESSES * CALLS_EACH
    )


@pytest.mark.slow
def test_m2_m4_processes_count_every_wrong_password_known_or_unknown(shared_url: str) -> None:
    secret = b"p" * 32
    soft = _soft(shared_url, secret)
    registered(soft, login_type=LoginType.PASSWORD)
    total = PROCESSES * CALLS_EACH

    assert _run(shared_url, secret, USER) == ["login_failed"] * total
    assert soft.accounts.get(USER).failed_logins == total

    assert _run(shared_url, secret, UNKNOWN) == ["login_failed"] * total
    mac = counter_key(soft.context.keys, "login_unknown", UNKNOWN)
    with soft.unit_of_work() as uow:
        counter = uow.repository(AttemptCounters).find_by_key("login_unknown", mac)
    assert counter is not None
    assert counter.failures == total
    assert soft.login.password(USER, PASSWORD).authenticated
    soft.close()
