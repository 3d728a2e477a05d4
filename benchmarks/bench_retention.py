"""Retention: table sizes stay flat over a simulated year of traffic with a nightly purge
(fake clock), and a purge running beside live calls slows them by less than 10 %.

Each simulated day, people ask for email codes and use them (each code row, its outbox
row and its audit records); each night ``soft.maintenance.purge()`` runs. The purged
tables' row count after the last day is compared with the count after the first month
(flat: 1.00). Then email-code verification is timed alone and with a purge deleting a
backlog of expired rows in a thread beside it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import Ratio, rate
from _private_db import private_postgres_url
from _setup import storages

import softtoken
from softtoken import FakeClock, Policy
from softtoken.ports import Storage
from softtoken.storage.sql import SqlStorage

PURGED_TABLES = ("st_otp_codes", "st_outbox")
#: One deployment: every facade on a database shares its key (the audit head is sealed).
SECRET = b"r" * 32
_SUBJECTS = itertools.count()


def _rows(soft: softtoken.SoftToken) -> int:
    with soft.unit_of_work() as uow:
        return sum(len(uow.transaction.select(t)) for t in PURGED_TABLES)


def _day_of_traffic(soft: softtoken.SoftToken, clock: FakeClock, people: int) -> None:
    for _ in range(people):
        subject = f"p{next(_SUBJECTS):08d}"
        soft.otp.issue("bench", subject, email="someone@example.go.th")
        soft.mail.deliver_pending()
        clock.advance(seconds=60)
    clock.advance(days=1, seconds=-60 * people)


def _year(storage: Storage, *, days: int, people: int) -> tuple[int, int]:
    clock = FakeClock()
    soft = softtoken.build(
        softtoken.Config(secret_key=SECRET, storage_url="memory://", policy=Policy.for_tests()),
        storage=storage,
        clock=clock,
        allow_test_policy=True,
    )
    month = 0
    for day in range(1, days + 1):
        _day_of_traffic(soft, clock, people)
        soft.maintenance.purge()
        if day == 30:
            month = _rows(soft)
    return month, _rows(soft)


def _purge_process(url: str, secret: bytes, started: Any, done: Any) -> None:
    """A nightly ``softtoken db purge``: another process, the same database, now."""
    soft = softtoken.build(
        softtoken.Config(secret_key=secret, storage_url=url, policy=Policy.for_tests()),
        allow_test_policy=True,
    )
    started.set()
    soft.maintenance.purge(batch_size=100)
    soft.close()
    done.set()


def _deployment(url: str, secret: bytes, clock: FakeClock | None = None) -> softtoken.SoftToken:
    return softtoken.build(
        softtoken.Config(secret_key=secret, storage_url=url, policy=Policy.for_tests()),
        clock=clock,
        allow_test_policy=True,
    )


def _beside_a_purge(url: str, *, backlog: int, seconds: float) -> tuple[float, float]:
    """Code issues per second alone, then while another process purges ``backlog``
    rows written a month ago; both measured after the backlog was written. Live rows
    are new, so the purge never chases them."""
    secret = SECRET
    month_ago = FakeClock(datetime.now(UTC) - timedelta(days=30))
    old = _deployment(url, secret, month_ago)
    for _ in range(backlog):
        old.otp.issue("backlog", f"b{next(_SUBJECTS):08d}", email="someone@example.go.th")
        month_ago.advance(seconds=1)
    old.close()
    soft = _deployment(url, secret)

    def issue() -> object:
        return soft.otp.issue("live", f"l{next(_SUBJECTS):08d}", email="someone@example.go.th")

    alone = rate(issue, seconds=seconds)
    spawn = multiprocessing.get_context("spawn")
    started, done = spawn.Event(), spawn.Event()
    worker = spawn.Process(target=_purge_process, args=(url, secret, started, done))
    worker.start()
    started.wait()  # the other process's start-up is not the purge
    calls, began = 0, time.perf_counter()
    while not done.is_set() or calls < 5:
        issue()
        calls += 1
    beside = calls / (time.perf_counter() - began)
    worker.join()
    soft.close()
    return alone, beside


def run(*, quick: bool) -> list[Ratio]:
    days, people = (60, 5) if quick else (365, 20)
    seconds = 0.5 if quick else 2.0
    results: list[Ratio] = []
    with private_postgres_url() as pg_url:
        for name, storage in storages(pg_url).items():
            month, year = _year(storage, days=days, people=people)
            results.append(
                Ratio(
                    name=f"purged tables' rows after {days} days vs after 30 ({name})",
                    ours=year,
                    raw=month,
                    unit="rows",
                    target="<= 1.10",
                    lower_is_better=True,
                )
            )
            if isinstance(storage, SqlStorage):
                url = storage.engine.url.render_as_string(hide_password=False)
                alone, beside = _beside_a_purge(
                    url, backlog=3000 if quick else 30000, seconds=seconds
                )
                results.append(
                    Ratio(
                        name=f"code issue while another process purges vs alone ({name})",
                        ours=beside,
                        raw=alone,
                        target=">= 0.90",
                    )
                )
            storage.close()
    return results
