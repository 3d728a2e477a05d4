"""Processes killed with SIGKILL in the middle of the manual's flows (issue 16, the
fault suite): worker processes verify one-time codes and register accounts on one
SQLite file or PostgreSQL database while the test kills a random worker every few
hundred milliseconds and starts another. At rest, every invariant holds:

* no code was accepted twice, and every code was accepted once in the end (a kill
  between the check and the commit rolls back whole; another worker finishes it);
* the audit chain verifies (no half-written record or head, whatever the kill hit), and
  its records match what is stored (one ``account.create`` per account);
* no lock outlives its process: a fresh call on the same rows answers at once.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from softtoken import Config, MemoryMailbox, Policy, SoftToken, SoftTokenError, build
from softtoken._clock import FakeClock
from softtoken.storage.sql import SqlStorage

SECRET = bytes(range(32))
POLICY = Policy.for_tests(otp_max_attempts=100, otp_hard_limit=100)
CODES = 30
WORKERS = 3
KILLING_FOR = 6.0  # seconds
PURPOSE = "kill"


def _soft(url: str, mailbox: MemoryMailbox | None = None) -> SoftToken:
    config = Config(secret_key=SECRET, storage_url=url, policy=POLICY)
    return build(
        config, clock=FakeClock(), email_sender=mailbox or MemoryMailbox(), allow_test_policy=True
    )


def _worker(url: str, codes: dict[str, str], seed: int) -> None:
    soft = _soft(url)
    rng = random.Random(seed)
    subjects = list(codes)
    made = 0
    while True:  # until killed, or every code is used and some accounts were made
        rng.shuffle(subjects)
        for subject in subjects:
            # Used by someone else already, or a lost race: both fine.
            with contextlib.suppress(SoftTokenError):
                soft.otp.verify(PURPOSE, subject, codes[subject])
        with contextlib.suppress(SoftTokenError):
            soft.accounts.create(
                user_id=f"T{rng.randrange(10**14):014d}", first_name="ก", last_name="ข"
            )
        made += 1
        if made >= 5:
            return


def _issue_codes(soft: SoftToken, mailbox: MemoryMailbox) -> dict[str, str]:
    codes = {}
    for n in range(CODES):
        subject = f"subject-{n:03d}"
        soft.otp.issue(PURPOSE, subject, email=f"p{n}@example.go.th")
        soft.mail.deliver_pending()
        text = mailbox.messages[-1].text
        codes[subject] = next(word for word in text.split() if word.isdigit() and len(word) == 6)
    return codes


def _start(context: Any, url: str, codes: dict[str, str], seed: int) -> Any:
    process = context.Process(target=_worker, args=(url, codes, seed))
    process.start()
    return process


def _kill_and_restart(context: Any, url: str, codes: dict[str, str]) -> int:
    rng = random.Random(16)
    workers = [_start(context, url, codes, n) for n in range(WORKERS)]
    kills, seed = 0, WORKERS
    deadline = time.monotonic() + KILLING_FOR
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0.2, 0.6))
        victim = rng.randrange(len(workers))
        if workers[victim].is_alive():
            os.kill(workers[victim].pid, signal.SIGKILL)
            workers[victim].join()
            kills += 1
        workers[victim] = _start(context, url, codes, seed)
        seed += 1
    for worker in workers:  # the last ones run to the end
        worker.join(timeout=120)
        assert worker.exitcode == 0, worker.exitcode
    return kills


@pytest.fixture(params=["sqlite", "postgres"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'killed.db'}"
        return
    storage = SqlStorage(request.getfixturevalue("postgres_url"))
    storage.drop_schema()
    yield storage.engine.url.render_as_string(hide_password=False)
    storage.drop_schema()
    storage.close()


def test_sigkill_mid_flow_leaves_every_invariant(shared_url: str) -> None:
    mailbox = MemoryMailbox()
    soft = _soft(shared_url, mailbox)
    codes = _issue_codes(soft, mailbox)

    kills = _kill_and_restart(multiprocessing.get_context("spawn"), shared_url, codes)
    assert kills >= 5

    # The chain verifies whatever the kills interrupted.
    assert soft.audit.verify() > 0
    # Each code was accepted exactly once, over all the workers that ever ran.
    accepted = collections.Counter(
        r.entry.subject
        for r in soft.audit.records()
        if r.entry.action == "otp.verify"
        and r.entry.outcome == "success"
        and r.entry.details.get("code_purpose") == PURPOSE
    )
    assert sorted(accepted.values()) == [1] * CODES
    # Audit counts match what was done: one record per account that exists, no more
    # (a killed call left neither), no fewer.
    created = [r.entry.subject for r in soft.audit.records() if r.entry.action == "account.create"]
    with soft.unit_of_work() as uow:
        accounts = sorted(str(row["user_id"]) for row in uow.transaction.select("st_accounts"))
    assert sorted(created) == accounts
    # No lock outlived its process: the same rows answer at once.
    started = time.monotonic()
    with pytest.raises(SoftTokenError):
        soft.otp.verify(PURPOSE, "subject-000", codes["subject-000"])  # used
    soft.accounts.create(user_id="T99999999999999", first_name="ค", last_name="ง")
    assert time.monotonic() - started < 5
    soft.close()
