"""A portal in a few dozen lines on softtoken.web alone (no web framework): the device
API mounted at /softtoken, a login page's JSON routes, a session with the sign-in's
deadlines, and (ASGI) the waiting page's event stream. One for ASGI, one for WSGI."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any

from softtoken import SoftToken, SoftTokenError
from softtoken.aio import AsyncSoftToken
from softtoken.lifecycle.sign_in import SignedIn, SignInResult
from softtoken.web import asgi_app, error_body, sign_in_events_app, status_of, wsgi_app

from .http import MOUNT

JSON = [("content-type", "application/json")]


class Sessions:
    """Server-side sessions: the sign-in handle and, once signed in, the SignedIn."""

    def __init__(self, soft: SoftToken) -> None:
        self.soft = soft
        self.data: dict[str, dict[str, Any]] = {}

    def of(self, cookie_header: str) -> tuple[str, dict[str, Any]]:
        cookie = SimpleCookie(cookie_header)
        sid = cookie["sid"].value if "sid" in cookie else secrets.token_urlsafe(16)
        return sid, self.data.setdefault(sid, {})

    def answer(self, session: dict[str, Any], result: SignInResult) -> dict[str, Any]:
        if isinstance(result, SignedIn):
            session.update(signed_in=result, last=self.soft.clock.now())
        if hasattr(result, "handle"):
            session["handle"] = result.handle
        picture = getattr(result, "picture", None)
        return {"kind": result.kind, "code": getattr(result, "code", None),
                "picture": picture.id if picture else None}  # fmt: skip

    def me(self, session: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        signed: SignedIn | None = session.get("signed_in")
        now: datetime = self.soft.clock.now()
        if signed is None or not signed.session_valid(last_activity=session["last"], now=now):
            session.clear()  # expired or idle: sign in again
            return 401, {"error": "sign_in_required"}
        session["last"] = now
        return 200, {"user_id": signed.user_id, "aal": signed.aal, "factors": list(signed.factors)}


async def _body(receive: Any) -> bytes:
    body = b""
    while (message := await receive())["type"] == "http.request":
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return body


def portal_asgi(soft: SoftToken) -> Any:
    aio, device, sessions = AsyncSoftToken(soft), asgi_app(soft), Sessions(soft)
    events = sign_in_events_app(aio, lambda scope: scope["session"].get("handle"), max_seconds=10)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"].startswith(MOUNT + "/"):
            await device({**scope, "root_path": MOUNT}, receive, send)
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        sid, session = sessions.of(headers.get("cookie", ""))
        cookie = [("set-cookie", f"sid={sid}; HttpOnly; SameSite=Strict; Path=/")]
        route = (scope["method"], scope["path"])
        if route == ("GET", "/login/events"):
            await events({**scope, "session": session}, receive, send)
            return
        body = await _body(receive)
        status, out = 404, {"error": "endpoint_not_found"}
        try:
            if route == ("POST", "/login"):
                form = json.loads(body)
                started = await aio.sign_in.begin(form["user_id"], form["password"])
                status, out = 200, sessions.answer(session, started)
            elif route == ("POST", "/login/finish"):
                finished = await aio.sign_in.wait(session.get("handle"), timeout=10)
                status, out = 200, sessions.answer(session, finished)
            elif route == ("GET", "/me"):
                status, out = sessions.me(session)
        except SoftTokenError as error:
            status, out = status_of(error), error_body(error)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), v.encode()) for k, v in JSON + cookie]})  # fmt: skip
        await send({"type": "http.response.body", "body": json.dumps(out).encode()})

    return app


def portal_wsgi(soft: SoftToken) -> Any:
    device, sessions = wsgi_app(soft), Sessions(soft)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ["PATH_INFO"]
        if path.startswith(MOUNT + "/"):
            environ = {**environ, "SCRIPT_NAME": MOUNT, "PATH_INFO": path[len(MOUNT) :]}
            return device(environ, start_response)
        sid, session = sessions.of(environ.get("HTTP_COOKIE", ""))
        cookie = [("set-cookie", f"sid={sid}; HttpOnly; SameSite=Strict; Path=/")]
        route = (environ["REQUEST_METHOD"], path)
        status, out = 404, {"error": "endpoint_not_found"}
        try:
            if route == ("POST", "/login"):
                form = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
                started = soft.sign_in.begin(form["user_id"], form["password"])
                status, out = 200, sessions.answer(session, started)
            elif route == ("POST", "/login/finish"):
                finished = soft.sign_in.wait(session.get("handle"), timeout=10)
                status, out = 200, sessions.answer(session, finished)
            elif route == ("GET", "/me"):
                status, out = sessions.me(session)
        except SoftTokenError as error:
            status, out = status_of(error), error_body(error)
        start_response(f"{status} -", JSON + cookie)
        return [json.dumps(out).encode()]

    return app
