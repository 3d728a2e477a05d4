"""Server-side sessions and CSRF, as docs/web.md section 3 and 4 ask.

The cookie holds only a random session ID (``HttpOnly``, ``SameSite=Strict``, ``Secure``
outside development); everything else stays on the server. The ID changes when a person
signs in. Whether a signed-in session may still serve a request is the library's answer
(``SignedIn.session_valid``: the policy's absolute and idle deadlines for the level)."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from softtoken.lifecycle.sign_in import SignedIn
from softtoken.ports import Clock

__all__ = ["COOKIE", "Session", "SessionStore"]

COOKIE = "portal_sid"


@attrs.define
class Session:
    sid: str
    csrf: str
    #: Steps in progress: the sign-in handle, the reset's user ID, the QR codes shown.
    data: dict[str, Any] = attrs.Factory(dict)
    signed_in: SignedIn | None = None
    last_activity: datetime | None = None


class SessionStore:
    """Sessions by ID, in this process's memory (a deployment puts them in Redis or its
    database; the rules stay these)."""

    def __init__(self, clock: Clock, *, secure: bool = True) -> None:
        self._clock = clock
        self._secure = secure
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _new(self) -> Session:
        session = Session(sid=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32))
        with self._lock:
            self._by_id[session.sid] = session
        return session

    def of(self, request: Request) -> Session:
        """The request's session, or a new empty one."""
        with self._lock:
            found = self._by_id.get(request.cookies.get(COOKIE, ""))
        return found or self._new()

    def user(self, session: Session) -> SignedIn | None:
        """Who is signed in, if the session is still valid; an expired or idle session
        is emptied (the person signs in again)."""
        signed = session.signed_in
        if signed is None or session.last_activity is None:
            return None
        now = self._clock.now()
        if not signed.session_valid(last_activity=session.last_activity, now=now):
            self.end(session)
            return None
        session.last_activity = now
        return signed

    def sign_in(self, session: Session, signed: SignedIn) -> Session:
        """A new session ID and CSRF token for the signed-in person (no fixation)."""
        self.end(session)
        fresh = self._new()
        fresh.signed_in, fresh.last_activity = signed, self._clock.now()
        return fresh

    def end(self, session: Session) -> None:
        with self._lock:
            self._by_id.pop(session.sid, None)
        session.signed_in = None
        session.data.clear()

    def set_cookie(self, response: Response, session: Session) -> Response:
        if session.sid in self._by_id:
            response.set_cookie(COOKIE, session.sid, httponly=True, samesite="strict",
                                secure=self._secure, path="/")  # fmt: skip
        else:
            response.delete_cookie(COOKIE, path="/")
        return response

    @staticmethod
    def csrf_ok(session: Session, sent: object) -> bool:
        return isinstance(sent, str) and secrets.compare_digest(sent, session.csrf)
