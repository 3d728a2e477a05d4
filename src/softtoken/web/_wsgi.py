"""The device API as a WSGI application (PEP 3333), for Flask, Django or any WSGI server.

Mount it where the device URLs point, e.g. with werkzeug's ``DispatcherMiddleware`` at
``/softtoken`` or Django's ``path("softtoken/", ...)`` wrapper; ``PATH_INFO`` is the path
below the mount. The body is read only after the head passed the checks, and never past
the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from softtoken.web._errors import HttpRefusal, error_response
from softtoken.web._handler import DeviceApi

if TYPE_CHECKING:
    from softtoken._facade import SoftToken
    from softtoken.web._errors import Response

__all__ = ["WsgiDeviceApp", "wsgi_app"]

StartResponse = Callable[..., Any]

_REASONS = {
    200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
    415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable",
}  # fmt: skip


def _length(environ: dict[str, Any]) -> int | None:
    raw = environ.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isdigit() else None


def _headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    out = [("content-type", str(environ.get("CONTENT_TYPE", "")))]
    out += [(k[5:].replace("_", "-").lower(), str(v)) for k, v in environ.items()
            if k.startswith("HTTP_")]  # fmt: skip
    return out


class WsgiDeviceApp:
    """A WSGI callable answering the device endpoints."""

    def __init__(self, api: DeviceApi) -> None:
        self.api = api

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", "")) or "/"
        headers = _headers(environ)
        length = _length(environ)
        response = self.api.precheck(method, path, headers, length)
        if response is None:
            limit = self.api.max_body_bytes
            stream = environ["wsgi.input"]
            # Without a Content-Length read to the limit and one byte more, to tell.
            body = stream.read(length) if length is not None else stream.read(limit + 1)
            if len(body) > limit:
                response = error_response(HttpRefusal("request_too_large", status=413))
            else:
                response = self.api.handle(
                    method, path, query=str(environ.get("QUERY_STRING", "")),
                    headers=headers, body=body,
                )  # fmt: skip
        return _send(response, start_response)


def _send(response: Response, start_response: StartResponse) -> list[bytes]:
    status = f"{response.status} {_REASONS.get(response.status, 'Unknown')}"
    headers = [*response.headers, ("content-length", str(len(response.body)))]
    start_response(status, headers)
    return [response.body]


def wsgi_app(soft: SoftToken, *, max_body_bytes: int | None = None) -> WsgiDeviceApp:
    """The device API of ``soft`` as a WSGI application."""
    return WsgiDeviceApp(DeviceApi(soft, max_body_bytes=max_body_bytes))
