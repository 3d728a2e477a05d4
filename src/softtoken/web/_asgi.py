"""The device API as an ASGI application (ASGI 3), for FastAPI, Starlette or any ASGI
server: ``app.mount("/softtoken", asgi_app(soft))``.

The library's calls block (argon2, SQL, signatures), so each request runs on a bounded
thread pool and the event loop never waits for one. The body is read only after the head
passed the checks, and never past the limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from softtoken.web._errors import HttpRefusal, error_response
from softtoken.web._handler import DeviceApi

if TYPE_CHECKING:
    from softtoken._facade import SoftToken
    from softtoken.web._errors import Response

__all__ = ["AsgiDeviceApp", "asgi_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _relative(scope: Scope) -> str:
    """The path below the mount. Starlette's ``Mount`` keeps the full path in ``path``
    and the mount in ``root_path``; other servers strip it already."""
    path = str(scope.get("path", "/"))
    root = str(scope.get("root_path", ""))
    if root and path.startswith(root):
        path = path[len(root) :]
    return path or "/"


class AsgiDeviceApp:
    """An ASGI callable answering the device endpoints.

    Args:
        api: the sans-I/O handler.
        executor: where blocking calls run; a pool of ``max_workers`` threads by default.
    """

    def __init__(
        self, api: DeviceApi, *, executor: ThreadPoolExecutor | None = None, max_workers: int = 8
    ) -> None:
        self.api = api
        self.executor = executor or ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="softtoken-web"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":  # pragma: no cover - websockets are not served
            return
        method = str(scope["method"])
        path = _relative(scope)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        declared = dict(headers).get("content-length")
        length = int(declared) if declared and declared.isdigit() else None
        response = self.api.precheck(method, path, headers, length)
        if response is None:
            body = await _read(receive, self.api.max_body_bytes)
            if body is _GONE:
                return  # the client went away mid-body: nobody to answer
            if body is None:
                response = error_response(HttpRefusal("request_too_large", status=413))
            else:
                query = bytes(scope.get("query_string", b"")).decode("latin-1")
                loop = asyncio.get_running_loop()
                response = await loop.run_in_executor(
                    self.executor,
                    lambda: self.api.handle(method, path, query=query, headers=headers, body=body),
                )
        await send_response(send, response)


_GONE = b"\x00gone"  # a marker no body compares identical to


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The body, or None once it passes ``limit`` (the rest is not read), or ``_GONE``
    when the client disconnected first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return _GONE
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_response(send: Send, response: Response) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def asgi_app(
    soft: SoftToken, *, max_body_bytes: int | None = None, max_workers: int = 8
) -> AsgiDeviceApp:
    """The device API of ``soft`` as an ASGI application."""
    return AsgiDeviceApp(DeviceApi(soft, max_body_bytes=max_body_bytes), max_workers=max_workers)
