"""The event loop while logins run: ping p99 (a 1 ms sleep's lateness) while 8 password
sign-ins at a time (argon2id at the default policy) go through ``softtoken.aio``, against
the idle loop; and, for scale, the same sign-ins called on the loop directly, which is
what a portal without ``softtoken.aio`` would do."""

from __future__ import annotations

import asyncio
import statistics
import time

from _common import Ratio
from _setup import PASSWORD, USER, password_user

from softtoken.aio import AsyncSoftToken
from softtoken.lifecycle.sign_in import SignedIn
from softtoken.storage.memory import MemoryStorage

CONCURRENT = 8


def _p99_ms(lags: list[float]) -> float:
    return statistics.quantiles(lags, n=100)[98] * 1000 if len(lags) > 1 else 0.0


async def _pinged(work: object, seconds: float) -> float:
    """p99 lateness of a 1 ms sleep while ``work`` (a coroutine or None: idle) runs."""
    lags: list[float] = []
    done = asyncio.Event()

    async def ping() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(time.perf_counter() - start - 0.001)

    pinger = asyncio.create_task(ping())
    if work is None:
        await asyncio.sleep(seconds)
    else:
        await work  # type: ignore[misc]
    done.set()
    await pinger
    return _p99_ms(lags)


def run(*, quick: bool) -> list[Ratio]:
    rounds = 2 if quick else 6
    soft = password_user(MemoryStorage())
    aio = AsyncSoftToken(soft, max_workers=4)

    async def through_aio() -> None:
        for _ in range(rounds):
            results = await asyncio.gather(
                *(aio.sign_in.begin(USER, PASSWORD) for _ in range(CONCURRENT))
            )
            assert all(isinstance(r, SignedIn) for r in results)

    async def on_the_loop() -> None:
        for _ in range(rounds):
            for _ in range(CONCURRENT):
                assert isinstance(soft.sign_in.begin(USER, PASSWORD), SignedIn)
                await asyncio.sleep(0)

    async def main() -> tuple[float, float, float]:
        start = time.perf_counter()
        busy = await _pinged(through_aio(), 0)
        elapsed = time.perf_counter() - start
        idle = await _pinged(None, elapsed)
        blocked = await _pinged(on_the_loop(), 0)
        return busy, idle, blocked

    busy, idle, blocked = asyncio.run(main())
    aio.close()
    soft.close()
    floor = max(idle, 0.01)  # an idle p99 of ~0 would make any ratio meaningless
    return [
        Ratio(name=f"loop ping p99: {CONCURRENT} sign-ins via softtoken.aio vs idle",
              ours=busy, raw=floor, unit="ms", lower_is_better=True, target="reported"),
        Ratio(name=f"loop ping p99: {CONCURRENT} sign-ins on the loop vs idle",
              ours=blocked, raw=floor, unit="ms", lower_is_better=True),
    ]  # fmt: skip
