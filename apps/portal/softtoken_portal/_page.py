"""What every route gets (:class:`Page`: the request, its session, the checked form,
who is signed in) and how routes are declared (:class:`Routes`).

A route is a plain function ``(page) -> Response`` that reads like the manual's step;
the wrapper does the rest once: the session cookie, CSRF on every POST, sign-in and
officer checks, and a library error nobody handled becomes a page in Thai and English
with the status of ``softtoken.web.status_of``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from softtoken import SoftTokenError
from softtoken.accounts import Officer
from softtoken.lifecycle.service_requests import ServiceRequestFormInvalid
from softtoken.lifecycle.sign_in import SignedIn
from softtoken.web import status_of

if TYPE_CHECKING:
    from ._app import Portal
    from ._session import Session

__all__ = ["Page", "Routes", "field_errors"]

Access = Literal["public", "user", "officer"]


Bilingual = tuple[str, str]
T = TypeVar("T")


class _Elsewhere(Exception):
    """Raised by :meth:`Page.kept`; the route wrapper turns it into a redirect."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def field_errors(error: SoftTokenError, about: str = "form") -> dict[str, list[Bilingual]]:
    """``about``: the field an error without a field of its own is about (a wrong code
    is about the code's field, whatever call refused it)."""
    each = error.errors if isinstance(error, ServiceRequestFormInvalid) else (error,)
    out: dict[str, list[Bilingual]] = {}
    for one in each:
        th, en = one.message("th"), one.message("en")
        wait = getattr(one, "retry_after", None)
        if wait:
            th, en = f"{th} (ลองใหม่ได้ในอีก {wait} วินาที)", f"{en} (try again in {wait} s)"
        out.setdefault(getattr(one, "field", None) or about, []).append((th, en))
    return out


@attrs.define
class Page:
    portal: Portal
    request: Request
    session: Session
    form: Mapping[str, str] = attrs.Factory(dict)
    files: Mapping[str, bytes] = attrs.Factory(dict)
    user: SignedIn | None = None

    @property
    def user_id(self) -> str:
        assert self.user is not None  # noqa: S101 - the route's access rule said so
        return self.user.user_id

    @property
    def officer(self) -> Officer:
        found = self.portal.officers.get(self.user_id)
        assert found is not None  # noqa: S101 - the route's access rule said so
        return found

    @property
    def client(self) -> str | None:
        """The caller's address, the library's ``client=`` key for its throttles."""
        return self.request.client.host if self.request.client else None

    def render(
        self, template: str, *, status: int = 200, error: SoftTokenError | None = None,
        about: str = "form", **values: Any,
    ) -> Response:  # fmt: skip
        errors = field_errors(error, about) if error is not None else {}
        return self.portal.render(self, template, status=status, errors=errors, **values)

    def refused(
        self, template: str, error: SoftTokenError, about: str = "form", **values: Any
    ) -> Response:
        """The same page again, the library's reason next to the field it is about."""
        return self.render(template, status=status_of(error), error=error, about=about, **values)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    def kept(self, key: str, kind: type[T], *, otherwise: str) -> T:
        """What an earlier step of a flow kept in the session under ``key``. A visitor
        without it (a stale tab, a bookmarked URL, a flow already finished) is sent to
        ``otherwise``, where the flow starts, instead of meeting an error page."""
        value = self.session.data.get(key)
        if not isinstance(value, kind):
            raise _Elsewhere(otherwise)
        return value


Handler = Callable[[Page], Response]


class Routes:
    """The routes of one part of the portal."""

    def __init__(self) -> None:
        self.table: list[tuple[str, str, Access, Handler]] = []

    def __call__(self, method: str, path: str, *, access: Access = "user") -> Callable[
        [Handler], Handler
    ]:  # fmt: skip
        def add(handler: Handler) -> Handler:
            self.table.append((method, path, access, handler))
            return handler

        return add

    def starlette(self, portal: Portal) -> list[Route]:
        return [
            Route(path, _endpoint(portal, access, handler), methods=[method])
            for method, path, access, handler in self.table
        ]


async def _read_form(page: Page) -> bool:
    """The posted fields and files; False when the CSRF token is not the session's."""
    form = await page.request.form(max_files=2, max_fields=60)
    try:
        if not page.portal.sessions.csrf_ok(page.session, form.get("csrf")):
            return False
        texts: dict[str, str] = {}
        files: dict[str, bytes] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                if data:
                    files[key] = data
            elif key in texts:  # repeated check boxes: comma-joined
                texts[key] += "," + value
            else:
                texts[key] = value
        page.form, page.files = texts, files
        return True
    finally:
        await form.close()


def _endpoint(portal: Portal, access: Access, handler: Handler) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        sessions = portal.sessions
        session = sessions.of(request)
        page = Page(portal=portal, request=request, session=session)
        if request.method == "POST" and not await _read_form(page):
            response = page.render("error.html", status=403, csrf_failed=True)
            return sessions.set_cookie(response, session)
        page.user = await run_in_threadpool(sessions.user, session)
        if access != "public" and page.user is None:
            response = page.redirect("/login")
        elif access == "officer" and page.user_id not in portal.officers:
            response = page.render("error.html", status=403, not_officer=True)
        else:
            try:
                response = await run_in_threadpool(handler, page)
            except _Elsewhere as elsewhere:
                response = page.redirect(elsewhere.url)
            except SoftTokenError as error:
                response = page.render("error.html", status=status_of(error), failure=error)
        response.headers.setdefault("cache-control", "no-store")
        return sessions.set_cookie(response, page.session)

    return endpoint
