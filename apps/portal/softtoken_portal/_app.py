"""The portal: Starlette routes over one :class:`~softtoken.SoftToken`, the device API
(``softtoken.web``) mounted at ``/softtoken`` so the phone and the wallet reach the same
process over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from softtoken import SoftToken
from softtoken.accounts import Officer
from softtoken.aio import AsyncSoftToken
from softtoken.web import asgi_app

from ._session import SessionStore

if TYPE_CHECKING:
    from ._page import Page

__all__ = ["Portal", "create_app"]

HERE = Path(__file__).parent
_log = logging.getLogger("softtoken_portal")


async def _send_mail(portal: Portal, every: float) -> None:
    """The outbox's worker: a failed delivery stays in the outbox and is retried."""
    while True:
        try:
            await asyncio.get_running_loop().run_in_executor(
                portal.aio.executor, portal.soft.mail.deliver_pending
            )
        except Exception:  # noqa: BLE001 - keep the worker alive; the outbox keeps the mail
            _log.exception("mail delivery failed")
        await asyncio.sleep(every)


class Portal:
    """What the routes share: the library (``soft``, and ``aio`` for the waiting page),
    the sessions, the officers' accounts and the templates."""

    def __init__(
        self, soft: SoftToken, *, officers: Mapping[str, Officer], secure_cookies: bool
    ) -> None:
        self.soft = soft
        self.aio = AsyncSoftToken(soft)
        self.officers = dict(officers)
        self.sessions = SessionStore(soft.clock, secure=secure_cookies)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
        )

    def render(
        self, page: Page, template: str, *, status: int, errors: Mapping[str, Any], **values: Any
    ) -> Response:
        html = self.templates.get_template(template).render(
            page=page, user=page.user, officer=page.user is not None
            and page.user.user_id in self.officers, csrf=page.session.csrf, errors=errors,
            portal_name=self.soft.context.portal_name, **values,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status)


def create_app(
    soft: SoftToken,
    *,
    officers: Mapping[str, Officer] | None = None,
    secure_cookies: bool = True,
    deliver_mail_every: float | None = 0.5,
) -> Starlette:
    """The reference portal over ``soft``. ``officers`` maps the user IDs of the
    accounts that may open the officer pages to the officer each acts as. Every
    ``deliver_mail_every`` seconds the outbox is sent (None: another process sends it,
    ``soft.mail.deliver_pending()``)."""
    from ._pages_account import ROUTES as ACCOUNT  # noqa: PLC0415 - routes need Portal
    from ._pages_officer import ROUTES as OFFICER  # noqa: PLC0415
    from ._pages_registration import ROUTES as REGISTRATION  # noqa: PLC0415
    from ._pages_sign_in import ROUTES as SIGN_IN  # noqa: PLC0415
    from ._pages_sign_in import events_route  # noqa: PLC0415

    portal = Portal(soft, officers=officers or {}, secure_cookies=secure_cookies)
    routes: list[BaseRoute] = [events_route(portal)]
    for part in (SIGN_IN, REGISTRATION, ACCOUNT, OFFICER):
        routes += part.starlette(portal)
    routes += [
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Mount("/softtoken", asgi_app(soft)),  # the phone's and the wallet's endpoints
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        mail = None if deliver_mail_every is None else asyncio.create_task(
            _send_mail(portal, deliver_mail_every))  # fmt: skip
        yield
        if mail is not None:
            mail.cancel()
        portal.aio.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.portal = portal
    return app
