"""The waiting page's event stream: its events for a bad handle, a timeout, an answer."""

from __future__ import annotations

import asyncio

from softtoken.aio import AsyncSoftToken
from softtoken.lifecycle.sign_in import SecondFactorRequired
from softtoken.testing import Harness, Person, soft_token_user
from softtoken.web import sign_in_events

WHO = Person()


async def _collect(aio: AsyncSoftToken, handle: object, seconds: float) -> bytes:
    return b"".join([chunk async for chunk in sign_in_events(aio, handle, max_seconds=seconds)])


def test_event_stream_error_timeout_and_decline(memory_harness: Harness) -> None:
    phone = soft_token_user(memory_harness)
    soft = memory_harness.softtoken
    aio = AsyncSoftToken(soft, max_workers=1)
    try:
        bad = asyncio.run(_collect(aio, "not a handle", 1))
        assert bad.startswith(b"event: error\ndata: ")
        assert b'"error":"sign_in_handle_invalid"' in bad
        started = soft.sign_in.begin(WHO.user_id, WHO.password)
        assert isinstance(started, SecondFactorRequired)
        timed_out = asyncio.run(_collect(aio, started.handle, 0))
        assert timed_out == b"retry: 3000\nevent: waiting\ndata: {}\n\nevent: timeout\ndata: {}\n\n"
        [item] = soft.push_login.pending_for_device(phone.certificate_serial)
        soft.push_login.respond(phone.decline(item, pin=WHO.pin))
        declined = asyncio.run(_collect(aio, started.handle, 5))
        assert declined.endswith(b'event: answered\ndata: {"state":"declined"}\n\n')
    finally:
        aio.close()
