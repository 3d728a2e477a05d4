"""Email code verification through the library (``soft.otp.verify``: lock the row,
check, mark used, audit, commit) vs the bare HMAC compare, and vs one raw storage round
trip (lock-read the same row, conditional update, commit) on each adapter."""

from __future__ import annotations

import hmac
import itertools
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from hashlib import sha256

from _common import Ratio, rate
from _private_db import private_postgres_url
from _setup import deployment, storages

import softtoken
from softtoken import Policy
from softtoken.otp import CodeRecord, code_mac
from softtoken.otp._store import CodeTable

PURPOSE = "bench"
CODE = "424242"
ROUNDS = 3
_SERIAL = itertools.count()


def _waiting_codes(soft: softtoken.SoftToken, count: int) -> list[str]:
    """``count`` subjects with a waiting code, written in one transaction."""
    ctx = soft.context
    now = ctx.clock.now()
    subjects = [f"s{next(_SERIAL):09d}" for _ in range(count)]
    with soft.unit_of_work() as uow:
        codes = uow.repository(CodeTable)
        for subject in subjects:
            code_id = secrets.token_hex(16)
            codes.add(
                CodeRecord(
                    purpose=PURPOSE,
                    subject=subject,
                    code_id=code_id,
                    code_mac=code_mac(
                        ctx.keys, purpose=PURPOSE, subject=subject, code_id=code_id, code=CODE
                    ),
                    issued_at=now,
                    expires_at=now + timedelta(minutes=10),
                    updated_at=now,
                )
            )
        uow.commit()
    return subjects


def _estimate(soft: softtoken.SoftToken) -> float:
    subjects = _waiting_codes(soft, 30)
    started = time.perf_counter()
    for subject in subjects:
        soft.otp.verify(PURPOSE, subject, CODE)
    return 30 / (time.perf_counter() - started)


def _verify_call(soft: softtoken.SoftToken, seconds: float) -> Callable[[], object]:
    """A call that verifies a fresh code each time (a code passes once); the codes are
    written before the timing starts, with room to spare."""
    need = int(_estimate(soft) * (seconds + 1) * 2) + 100
    subjects: list[str] = []
    while len(subjects) < need:
        subjects += _waiting_codes(soft, min(500, need - len(subjects)))
    feed: Iterator[str] = iter(subjects)
    return lambda: soft.otp.verify(PURPOSE, next(feed), CODE)


def _round_trip(soft: softtoken.SoftToken) -> Callable[[], object]:
    (subject,) = _waiting_codes(soft, 1)

    def once() -> None:
        with soft.unit_of_work() as uow:
            rows = uow.transaction.select(
                "st_otp_codes",
                [("purpose", "=", PURPOSE), ("subject", "=", subject)],
                for_update=True,
            )
            version = rows[0]["version"]
            uow.transaction.update(
                "st_otp_codes",
                [("purpose", "=", PURPOSE), ("subject", "=", subject), ("version", "=", version)],
                {"version": int(version) + 1},  # type: ignore[call-overload]
            )
            uow.commit()

    return once


def run(*, quick: bool) -> list[Ratio]:
    seconds = 0.5 if quick else 2.0
    key = secrets.token_bytes(32)
    stored = hmac.new(key, CODE.encode(), sha256).hexdigest()

    def bare() -> bool:
        return hmac.compare_digest(stored, hmac.new(key, CODE.encode(), sha256).hexdigest())

    raw_hmac = rate(bare, seconds=seconds)
    results: list[Ratio] = []
    with private_postgres_url() as pg_url:
        for name, storage in storages(pg_url).items():
            soft = deployment(storage, Policy.for_tests())
            # Interleaved rounds, best of each, so load on a shared machine does not
            # decide the ratio.
            ours, trip, round_trip = 0.0, 0.0, _round_trip(soft)
            for _ in range(ROUNDS):
                ours = max(
                    ours, rate(_verify_call(soft, seconds / ROUNDS), seconds=seconds / ROUNDS)
                )
                trip = max(trip, rate(round_trip, seconds=seconds / ROUNDS))
            results.append(
                Ratio(name=f"code verify ({name}) vs bare HMAC compare", ours=ours, raw=raw_hmac)
            )
            results.append(
                Ratio(
                    name=f"code verify ({name}) vs one raw storage round trip", ours=ours, raw=trip
                )
            )
            soft.close()
    return results
