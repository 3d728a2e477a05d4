"""Manual chapter 3 (sign in, the picture, the forced password change), chapter 4
(forgot password) and chapter 6 (the renewal notice, forced renewal)."""

from __future__ import annotations

import attrs
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from softtoken import SoftTokenError
from softtoken.lifecycle.sign_in import (
    ChangePassword,
    Locked,
    RenewalRequired,
    SecondFactorRequired,
    SignedIn,
    SignInResult,
    StillWaiting,
)
from softtoken.web import SSE_HEADERS, sign_in_events

from ._app import Portal
from ._page import Page, Routes

__all__ = ["ROUTES", "events_route"]

ROUTES = Routes()
route = ROUTES


@attrs.frozen
class _Reset:
    """Chapter 4 between its two pages: who asked, and where the code went."""

    user_id: str
    sent_to: str


@attrs.frozen
class _Renewal:
    """Chapter 6 while the phone is asked; ``forced``: the certificate had expired, so
    the person was never signed in and signs in again afterwards."""

    renewal_id: str
    user_id: str
    forced: bool


@route("GET", "/", access="public")
def home_or_login(page: Page) -> Response:
    return page.redirect("/home" if page.user else "/login")


@route("GET", "/login", access="public")
def login_form(page: Page) -> Response:
    return page.render("login.html", notice=page.request.query_params.get("notice"))


@route("POST", "/login", access="public")
def login(page: Page) -> Response:
    try:
        result = page.portal.soft.sign_in.begin(
            page.form.get("user_id", ""), page.form.get("password", ""), client=page.client
        )
    except SoftTokenError as error:
        return page.refused("login.html", error, notice=None)
    return _next(page, result)


def _next(page: Page, result: SignInResult) -> Response:
    """Where each answer of ``soft.sign_in`` leads (docs/web.md's table)."""
    data = page.session.data
    match result:
        case SignedIn():
            page.session = page.portal.sessions.sign_in(page.session, result)
            return page.redirect("/renewal/notice" if result.renewal_notice else "/home")
        case ChangePassword():
            data["change_password"] = result
            return page.redirect("/password/change")
        case SecondFactorRequired():
            data["sign_in"] = result
            return page.redirect("/login/wait")
        case StillWaiting():
            return page.redirect("/login/wait")
        case RenewalRequired():
            data["renewal"] = _Renewal(result.renewal.renewal_id, result.user_id, forced=True)
            return page.redirect("/renewal/wait")
        case Locked():
            return page.render("login.html", status=429, notice=None, locked=result)
    raise AssertionError(result)  # pragma: no cover - the union is exhausted above


@route("GET", "/login/wait", access="public")
def login_wait(page: Page) -> Response:
    shown = page.kept("sign_in", SecondFactorRequired, otherwise="/login")
    return page.render("login_wait.html", shown=shown)


def events_route(portal: Portal) -> Route:
    """The waiting page's event stream: it only reports, the finish route signs in."""

    async def events(request: Request) -> Response:
        shown = portal.sessions.of(request).data.get("sign_in")
        handle = shown.handle if isinstance(shown, SecondFactorRequired) else ""
        return StreamingResponse(sign_in_events(portal.aio, handle, max_seconds=60),
                                 headers=dict(SSE_HEADERS))  # fmt: skip

    return Route("/login/events", events, methods=["GET"])


@route("POST", "/login/finish", access="public")
def login_finish(page: Page) -> Response:
    shown = page.kept("sign_in", SecondFactorRequired, otherwise="/login")
    sign_in = page.portal.soft.sign_in
    try:
        if page.form.get("offline_code"):
            result = sign_in.offline(shown.handle, page.form["offline_code"])
        else:
            result = sign_in.wait(shown.handle, timeout=10)
    except SoftTokenError as error:
        if error.code.startswith(("totp_", "otp_")):  # a wrong code: type it again
            return page.refused("login_wait.html", error, "offline_code", shown=shown)
        page.session.data.pop("sign_in", None)  # declined, expired: start again
        return page.refused("login.html", error, notice=None)
    if not isinstance(result, StillWaiting):
        page.session.data.pop("sign_in", None)
    return _next(page, result)


@route("POST", "/logout")
def logout(page: Page) -> Response:
    page.portal.sessions.end(page.session)
    return page.redirect("/login")


@route("GET", "/home")
def home(page: Page) -> Response:
    soft = page.portal.soft
    return page.render("home.html", account=soft.accounts.get(page.user_id),
                       registration=soft.registration.current(page.user_id))  # fmt: skip


# --- chapters 3 and 4: a new password ----------------------------------------------------


@route("GET", "/password/change", access="public")
def change_form(page: Page) -> Response:
    asked = page.kept("change_password", ChangePassword, otherwise="/login")
    return page.render("password_change.html", asked=asked)


@route("POST", "/password/change", access="public")
def change(page: Page) -> Response:
    asked = page.kept("change_password", ChangePassword, otherwise="/login")
    try:
        page.portal.soft.login.change_password(
            asked.user_id, current_password=page.form.get("current_password", ""),
            new_password=page.form.get("new_password", ""),
            confirm_password=page.form.get("confirm_password", ""),
        )  # fmt: skip
    except SoftTokenError as error:
        return page.refused("password_change.html", error, asked=asked)
    page.portal.sessions.end(page.session)
    return page.redirect("/login?notice=changed")  # "please log in again"


@route("GET", "/password/forgot", access="public")
def forgot_form(page: Page) -> Response:
    return page.render("forgot.html")


@route("POST", "/password/forgot", access="public")
def forgot(page: Page) -> Response:
    form = page.form
    try:
        sent = page.portal.soft.password_reset.request(
            form.get("user_id", ""), form.get("citizen_id", ""), form.get("email", ""),
            client=page.client,
        )  # fmt: skip
    except SoftTokenError as error:
        return page.refused("forgot.html", error)
    page.session.data["reset"] = _Reset(form["user_id"].strip(), sent.sent_to)
    return page.redirect("/password/forgot/code")


@route("GET", "/password/forgot/code", access="public")
def forgot_code_form(page: Page) -> Response:
    reset = page.kept("reset", _Reset, otherwise="/password/forgot")
    return page.render("forgot_code.html", sent_to=reset.sent_to)


@route("POST", "/password/forgot/code", access="public")
def forgot_code(page: Page) -> Response:
    asked = page.kept("reset", _Reset, otherwise="/password/forgot")
    reset = page.portal.soft.password_reset
    try:
        if page.form.get("action") == "resend":  # at most every 90 seconds
            reset.resend(asked.user_id)
            return page.render("forgot_code.html", sent_to=asked.sent_to, resent=True)
        done = reset.confirm(asked.user_id, page.form.get("code", ""))
    except SoftTokenError as error:
        return page.refused("forgot_code.html", error, "code", sent_to=asked.sent_to)
    page.session.data.pop("reset")
    return page.render("forgot_done.html", sent_to=done.sent_to)


# --- chapter 6: renewal ------------------------------------------------------------------


@route("GET", "/renewal/notice")
def renewal_notice(page: Page) -> Response:
    assert page.user is not None  # noqa: S101 - signed in
    return page.render("renewal_notice.html", days=page.user.certificate_days_left)


@route("POST", "/renewal/start")
def renewal_start(page: Page) -> Response:
    start = page.portal.soft.renewal.begin(page.user_id)
    page.session.data["renewal"] = _Renewal(start.renewal_id, page.user_id, forced=False)
    return page.redirect("/renewal/wait")


@route("GET", "/renewal/wait", access="public")
def renewal_wait(page: Page) -> Response:
    renewal = page.kept("renewal", _Renewal, otherwise="/login")
    return page.render("renewal_wait.html", forced=renewal.forced)


@route("POST", "/renewal/check", access="public")
def renewal_check(page: Page) -> Response:
    renewal = page.kept("renewal", _Renewal, otherwise="/login")
    status = page.portal.soft.renewal.check(renewal.renewal_id, user_id=renewal.user_id)
    if not status.completed:
        return page.render("renewal_wait.html", forced=renewal.forced, not_yet=True)
    page.session.data.pop("renewal")
    if renewal.forced:  # signed in with an expired certificate: sign in again with the new one
        return page.redirect("/login?notice=renewed")
    return page.render("renewal_done.html")
