"""Real HTTP for the web tests: an ASGI app under uvicorn and a WSGI app under waitress,
each in a thread on 127.0.0.1 with a free port, and a phone (the reference device) that
speaks to them with httpx, as an app would."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
import waitress.server

from softtoken.authenticator import Device
from softtoken.web import JOSE

MOUNT = "/softtoken"


def mount_asgi(app: Any, prefix: str = MOUNT) -> Any:
    """``app`` under ``prefix`` as Starlette's ``Mount`` does it: the full path stays in
    ``path``, the prefix goes to ``root_path``."""

    async def mounted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "root_path": scope.get("root_path", "") + prefix}
        await app(scope, receive, send)

    return mounted


def mount_wsgi(app: Any, prefix: str = MOUNT) -> Any:
    """``app`` under ``prefix`` as werkzeug's ``DispatcherMiddleware`` does it: the prefix
    moves from ``PATH_INFO`` to ``SCRIPT_NAME``; other paths are 404."""

    def mounted(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(prefix + "/"):
            start_response("404 Not Found", [("content-type", "text/plain")])
            return [b"not mounted here"]
        environ = {**environ, "SCRIPT_NAME": prefix, "PATH_INFO": path[len(prefix) :]}
        return app(environ, start_response)

    return mounted


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:  # pragma: no cover - a broken machine
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Run ``app`` under waitress on a free loopback port; yields the base URL."""
    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=8)
    port = server.effective_port

    def run() -> None:
        try:
            server.run()
        except OSError:
            # close() from another thread can pull a socket out of a select() under way;
            # the loop ends either way.
            return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(10)


class HttpPhone:
    """The reference device with its network: every message goes over HTTP."""

    def __init__(self, client: httpx.Client, device: Device, pin: str) -> None:
        self.client = client
        self.device = device
        self.pin = pin

    def post(self, endpoint: str, message: str) -> httpx.Response:
        return self.client.post(
            f"{MOUNT}/device/{endpoint}", content=message, headers={"content-type": JOSE}
        )

    def enroll(self, qr_payload: str) -> httpx.Response:
        payload = self.device.scan(qr_payload)
        response = self.post("enroll", self.device.enroll(payload, pin=self.pin))
        if response.status_code == 200:
            self.device.install(response.json(), pin=self.pin)
        return response

    def poll(self) -> list[dict[str, Any]]:
        response = self.client.get(
            f"{MOUNT}/device/poll", params={"serial": self.device.certificate_serial}
        )
        assert response.status_code == 200, response.text
        items = response.json()
        assert isinstance(items, list)
        return items

    def approve(self, item: Mapping[str, Any], answer: str | None) -> httpx.Response:
        return self.post("answer", self.device.approve(item, answer=answer, pin=self.pin))

    def decline(self, item: Mapping[str, Any]) -> httpx.Response:
        return self.post("answer", self.device.decline(item, pin=self.pin))

    def renew(self, item: Mapping[str, Any]) -> httpx.Response:
        response = self.post("renewal", self.device.accept_renewal(item, pin=self.pin))
        if response.status_code == 200:
            self.device.install_renewal(response.json(), pin=self.pin)
        return response
