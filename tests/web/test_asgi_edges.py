"""Edges of the ASGI adapter that a real server rarely shows: a client gone mid-body,
and the lifespan protocol."""

from __future__ import annotations

import asyncio
from typing import Any

from softtoken.testing import in_memory
from softtoken.web import asgi_app


def _run(app: Any, scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_client_gone_mid_body_gets_no_answer() -> None:
    app = asgi_app(in_memory().softtoken)
    scope = {"type": "http", "method": "POST", "path": "/device/answer", "root_path": "",
             "headers": [(b"content-type", b"application/jose")], "query_string": b""}  # fmt: skip
    incoming: list[dict[str, Any]] = [{"type": "http.request", "body": b"abc", "more_body": True},
                {"type": "http.disconnect"}]  # fmt: skip
    assert _run(app, scope, incoming) == []
    app.executor.shutdown()


def test_lifespan_starts_and_stops() -> None:
    app = asgi_app(in_memory().softtoken)
    sent = _run(app, {"type": "lifespan"},
                [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])  # fmt: skip
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    app.executor.shutdown()
