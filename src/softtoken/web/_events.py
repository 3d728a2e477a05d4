"""Server-sent events (the HTML living standard's ``text/event-stream``) for the portal's
"waiting for your phone" page: the page opens an ``EventSource`` and learns the moment
the phone answers, with no polling from the browser and no thread held on the server.

The stream only reports; it never completes the sign-in (``soft.sign_in.state`` reads,
it does not consume). On ``answered`` the page posts to the portal's own "finish"
route, which calls ``sign_in.poll(handle)`` and builds the session. The portal's route
checks the browser's session and takes the handle from it, never from the URL::

    async def events(request):                      # Starlette / FastAPI
        handle = request.session["sign_in_handle"]
        return StreamingResponse(sign_in_events(aio, handle), headers=dict(SSE_HEADERS))

Events: ``waiting`` once, then ``answered`` with ``{"state": "approved" | "declined" |
"failed" | "expired" | ...}``, or ``timeout``, or ``error`` with the JSON error body;
comment lines keep idle proxies from closing the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from softtoken.errors import SoftTokenError
from softtoken.web._errors import error_body

if TYPE_CHECKING:
    from softtoken.aio import AsyncSoftToken
    from softtoken.web._asgi import Receive, Scope, Send

__all__ = ["SSE_HEADERS", "sign_in_events", "sign_in_events_app"]

SSE_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-store"),
    # nginx buffers responses unless told not to; a buffered event arrives too late.
    ("x-accel-buffering", "no"),
)


def _event(name: str, data: object) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def sign_in_events(
    aio: AsyncSoftToken, handle: object, *, max_seconds: float = 120.0, keepalive: float = 15.0
) -> AsyncIterator[bytes]:
    """The byte chunks of an event stream that ends when the phone has answered the
    sign-in ``handle`` (or ``max_seconds`` pass: the ``timeout`` event)."""
    service = aio.sign_in.sync
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + max_seconds
    try:
        key = service.signal_key(handle)
    except SoftTokenError as error:
        yield _event("error", error_body(error))
        return
    yield b"retry: 3000\n" + _event("waiting", {})
    while True:
        woken: asyncio.Future[None] = loop.create_future()

        def wake(future: asyncio.Future[None] = woken) -> None:
            loop.call_soon_threadsafe(_complete, future)

        with service.signal.listen(key) as listener:
            listener.on_set(wake)
            try:
                state = await aio.run(service.state, handle)
            except SoftTokenError as error:
                yield _event("error", error_body(error))
                return
            if state != "pending":
                yield _event("answered", {"state": state})
                return
            left = deadline - time.monotonic()
            if left <= 0:
                yield _event("timeout", {})
                return
            pause = min(service.signal.poll_slice.total_seconds(), keepalive, left)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken, pause)
            if not woken.done():
                yield b": still waiting\n\n"


def _complete(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def sign_in_events_app(
    aio: AsyncSoftToken,
    handle_of: Callable[[Scope], object],
    *,
    max_seconds: float = 120.0,
    keepalive: float = 15.0,
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The stream as an ASGI application, for portals without a streaming response of
    their own. ``handle_of(scope)`` takes the sign-in handle from the portal's
    server-side session (e.g. ``scope["session"]["sign_in_handle"]`` under Starlette's
    ``SessionMiddleware``); None or a wrong handle gives an ``error`` event."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del receive  # the stream reads nothing from the browser
        headers = [(k.encode(), v.encode()) for k, v in SSE_HEADERS]
        start: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": headers}
        await send(start)
        events = sign_in_events(aio, handle_of(scope), max_seconds=max_seconds,
                                keepalive=keepalive)  # fmt: skip
        async for chunk in events:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app
