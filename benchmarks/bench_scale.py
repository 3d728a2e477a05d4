"""Latency at scale (issue 15): p50 and p99 of a password login, a push round (password,
challenge, the device's poll and signed answer, the check) and a TOTP verification on
PostgreSQL seeded with 10,000 accounts (each with a device binding, a certificate and a
year of audit records, ``seed.py``), then again after bulk-seeding accounts up to N.
Target: p99 at N within 1.5x of p99 at 10,000.

Not part of ``run.py``'s default set (it needs PostgreSQL and a minute or more):

    python benchmarks/run.py --scale                    # N = 100,000 (CI)
    python benchmarks/run.py --scale --accounts 1000000 # by hand, a few minutes

Measured people are registered and activated through the API after the seeding, so
every lookup they make goes through the same indexes as the seeded rows. The test policy
(cheap argon2id) keeps the hash from hiding what the storage costs.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from _common import Ratio
from _private_db import private_postgres_url
from _process_paths import random_person
from seed import seed, seed_accounts

from softtoken import Policy
from softtoken.authenticator import Device
from softtoken.otp._totp import totp_code
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, Person, in_memory, soft_token_user

SECRET = b"s" * 32
BASE = 10_000
PEOPLE = 3

__all__ = ["run"]


Timings = dict[str, float]


def _round(harness: Harness, who: Person, phone: Device, secret: str) -> Callable[[], Timings]:
    """One timed round of ``who``: login, push round, TOTP verify (milliseconds)."""
    soft = harness.softtoken

    def once() -> Timings:
        taken: Timings = {}
        start = time.perf_counter()
        soft.login.password(who.user_id, who.password)
        taken["login"] = time.perf_counter() - start
        start = time.perf_counter()
        challenge = soft.push_login.begin(who.user_id, who.password)
        [item] = soft.push_login.pending_for_device(phone.certificate_serial)
        soft.push_login.respond(phone.approve(item, pin=who.pin))
        soft.push_login.check(challenge.challenge_id, user_id=who.user_id)
        taken["push round"] = time.perf_counter() - start
        now = harness.clock.advance(timedelta(seconds=30))  # a fresh TOTP step
        code = totp_code(secret, now, policy=soft.policy)
        start = time.perf_counter()
        soft.totp.verify(who.user_id, code)
        taken["totp verify"] = time.perf_counter() - start
        return {path: seconds * 1000 for path, seconds in taken.items()}

    return once


def _people(harness: Harness) -> list[Callable[[], Timings]]:
    """``PEOPLE`` people registered and activated through the API, one round each."""
    rounds = []
    for _ in range(PEOPLE):
        who = random_person()
        phone = soft_token_user(harness, who)
        secret = harness.softtoken.totp.enroll(who.user_id).secret
        rounds.append(_round(harness, who, phone, secret))
    return rounds


def _measure(
    rounds: list[Callable[[], dict[str, float]]], samples: int
) -> dict[str, tuple[float, float]]:
    seen: dict[str, list[float]] = {}
    for _ in range(3):  # warm the caches and the connection pool
        for once in rounds:
            once()
    for n in range(samples):
        for path, ms in rounds[n % len(rounds)]().items():
            seen.setdefault(path, []).append(ms)
    return {
        path: (statistics.median(values), statistics.quantiles(values, n=100)[98])
        for path, values in seen.items()
    }


def _settle(storage: SqlStorage) -> None:
    """Do now what the server would do in the background after a bulk load (vacuum and
    statistics of the loaded tables, a checkpoint), at both sizes alike, so it does not
    land inside one of the two measurements."""
    with storage.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
        conn.exec_driver_sql("CHECKPOINT")


def run(*, quick: bool, accounts: int | None = None) -> list[Ratio]:
    total = accounts or int(os.environ.get("SOFTTOKEN_BENCH_ACCOUNTS", "100000"))
    samples = 150 if quick else 600
    results: list[Ratio] = []
    with private_postgres_url() as url:
        if not url:
            print("bench_scale needs SOFTTOKEN_TEST_POSTGRES_URL; skipped")
            return []
        policy = Policy.for_tests(matching_mode="confirm")
        base = seed(url, secret=SECRET, accounts=BASE, detailed=BASE, policy=policy)
        print(f"seeded {base.accounts:,} accounts, {base.audit_records:,} audit records "
              f"in {base.seconds:.1f} s")  # fmt: skip
        storage = SqlStorage(url)
        _settle(storage)
        harness = in_memory(storage=storage, secret_key=SECRET, policy=policy)
        rounds = _people(harness)
        small = _measure(rounds, samples)
        started = time.perf_counter()
        seed_accounts(
            storage, harness.softtoken.context.keys, start=BASE, count=total - BASE,
            password_hash="x",
        )  # fmt: skip
        _settle(storage)
        print(f"seeded {total - BASE:,} more accounts in {time.perf_counter() - started:.1f} s")
        large = _measure(rounds, samples)
        harness.softtoken.close()
        storage.close()
    for path, (p50, p99) in small.items():
        big50, big99 = large[path]
        sizes = f"at {total:,} vs {BASE:,} accounts"
        results.append(Ratio(name=f"{path} p50 {sizes}", ours=big50, raw=p50, unit="ms",
                             lower_is_better=True))  # fmt: skip
        results.append(Ratio(name=f"{path} p99 {sizes}", ours=big99, raw=p99, unit="ms",
                             lower_is_better=True, target="<= 1.5"))  # fmt: skip
    return results
