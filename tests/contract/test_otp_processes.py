"""Several processes on one database: wrong codes submitted from 4 processes are all
counted, and one code verified by all of them passes once. The guard is the database
(row lock + conditional update), not anything in a process's memory."""

from __future__ import annotations

import multiprocessing

import pytest

from softtoken import Config, MemoryMailbox, Policy, SoftToken, SoftTokenError, build
from softtoken._clock import FakeClock

from ..helpers.otp import USER, code_in, wrong_code
from ..helpers.processes import run_workers

PROCESSES = 4
CALLS_EACH = 6
POLICY = Policy.for_tests(otp_max_attempts=100, otp_hard_limit=100)


def _soft(url: str, secret: bytes) -> SoftToken:
    config = Config(secret_key=secret, storage_url=url, policy=POLICY, create_schema=False)
    return build(config, clock=FakeClock(), email_sender=MemoryMailbox(), allow_test_policy=True)


def _worker(url: str, secret: bytes, code: str, queue: multiprocessing.Queue[str]) -> None:
    soft = _soft(url, secret)
    for _ in range(CALLS_EACH):
        try:
            soft.otp.verify("password_reset", USER, code)
            queue.put("passed")
        except SoftTokenError as error:
            queue.put(error.code)
    soft.close()


def _run(url: str, secret: bytes, code: str) -> list[str]:
    return run_workers(
        _worker, (url, secret, code), processes=PROCESSES, outcomes=PROCESSES * CALLS_EACH
    )


@pytest.mark.slow
def test_processes_count_every_wrong_code_and_pass_a_code_once(shared_url: str) -> None:
    secret = b"s" * 32
    mailbox = MemoryMailbox()
    config = Config(secret_key=secret, storage_url=shared_url, policy=POLICY)
    soft = build(config, clock=FakeClock(), email_sender=mailbox, allow_test_policy=True)
    soft.otp.issue("password_reset", USER, email="a@example.go.th")
    soft.mail.deliver_pending()
    code = code_in(mailbox.messages[-1].text)

    outcomes = _run(shared_url, secret, wrong_code(code))
    assert outcomes == ["otp_wrong"] * (PROCESSES * CALLS_EACH)
    status = soft.otp.status("password_reset", USER)
    assert status is not None
    assert status.failures == PROCESSES * CALLS_EACH

    outcomes = _run(shared_url, secret, code)
    assert outcomes.count("passed") == 1
    assert outcomes.count("otp_used") == PROCESSES * CALLS_EACH - 1
    soft.close()
