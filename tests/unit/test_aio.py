"""softtoken.aio: the services as awaitables, on a bounded pool; waiting for the phone
holds no thread."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from softtoken import NotFound
from softtoken.aio import AsyncSoftToken
from softtoken.lifecycle.sign_in import SecondFactorRequired, SignedIn, StillWaiting
from softtoken.testing import Harness, Person, soft_token_user

WHO = Person()


def test_services_run_on_the_pool_not_on_the_loop(memory_harness: Harness) -> None:
    soft_token_user(memory_harness)
    aio = AsyncSoftToken(memory_harness.softtoken, max_workers=2)

    async def main() -> None:
        loop_thread = threading.current_thread().name
        seen: list[str] = []
        account = await aio.accounts.get(WHO.user_id)
        assert account.user_id.value == WHO.user_id
        assert aio.ca.authority is memory_harness.softtoken.ca.authority  # not a call
        await aio.run(lambda: seen.append(threading.current_thread().name))
        assert seen[0] != loop_thread
        assert seen[0].startswith("softtoken-aio")
        with pytest.raises(NotFound):
            await aio.accounts.get("T99999999999999")
        with pytest.raises(AttributeError):
            _ = aio.no_such_service

    try:
        asyncio.run(main())
    finally:
        aio.close()


def test_async_sign_in_wakes_on_the_answer_without_a_thread(memory_harness: Harness) -> None:
    phone = soft_token_user(memory_harness)
    aio = AsyncSoftToken(memory_harness.softtoken, max_workers=1)

    async def main() -> float:
        started = await aio.sign_in.begin(WHO.user_id, WHO.password, client="198.51.100.7")
        assert isinstance(started, SecondFactorRequired)
        assert isinstance(await aio.sign_in.wait(started.handle, timeout=0), StillWaiting)
        waiter = asyncio.create_task(aio.sign_in.wait(started.handle, timeout=10))
        await asyncio.sleep(0.3)
        # The waiter holds no pool thread: the only one is free for the phone's answer.
        [item] = await aio.device_poll(phone.certificate_serial)
        message = phone.approve(item, answer=started.code, pin=WHO.pin)
        await aio.push_login.respond(message)
        answered = time.monotonic()
        result = await waiter
        assert isinstance(result, SignedIn)
        assert result.aal == 2
        return time.monotonic() - answered

    try:
        assert asyncio.run(main()) < 0.1
    finally:
        aio.close()
