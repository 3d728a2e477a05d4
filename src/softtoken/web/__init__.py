"""The device HTTP API of ``docs/protocol.md``, framework-agnostic.

:class:`DeviceApi` is the sans-I/O handler (method, path, headers, body in; a
:class:`Response` out); :func:`asgi_app` and :func:`wsgi_app` mount it in any ASGI
(FastAPI, Starlette) or WSGI (Flask, Django) portal. :func:`sign_in_events` streams the
sign-in's progress to the portal's waiting page (server-sent events). The handler needs
nothing beyond softtoken; the ``softtoken[web]`` extra only brings a server to run it.
"""

from softtoken.web._asgi import AsgiDeviceApp, asgi_app
from softtoken.web._errors import ERROR_STATUS, Response, error_body, status_of
from softtoken.web._events import SSE_HEADERS, sign_in_events, sign_in_events_app
from softtoken.web._handler import JOSE, OCSP_REQUEST, DeviceApi
from softtoken.web._wsgi import WsgiDeviceApp, wsgi_app

__all__ = [
    "ERROR_STATUS",
    "JOSE",
    "OCSP_REQUEST",
    "SSE_HEADERS",
    "AsgiDeviceApp",
    "DeviceApi",
    "Response",
    "WsgiDeviceApp",
    "asgi_app",
    "error_body",
    "sign_in_events",
    "sign_in_events_app",
    "status_of",
    "wsgi_app",
]
