"""The officers' pages: the registration queue (chapter 2 step 4), the service-request
queue with dual control (chapter 7: one officer records an emailed form, another
approves) and the overdue list (the answer is promised within the hour)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from softtoken import SoftTokenError
from softtoken.lifecycle.service_requests import Purpose

from ._page import Page, Routes
from ._pages_account import form_of

__all__ = ["ROUTES"]

ROUTES = Routes()
route = ROUTES


def _registrations(page: Page, error: SoftTokenError | None = None) -> Response:
    return page.render("officer_registrations.html", status=400 if error else 200, error=error,
                       queue=page.portal.soft.registration.awaiting_approval())  # fmt: skip


@route("GET", "/officer/registrations", access="officer")
def registrations(page: Page) -> Response:
    return _registrations(page)


@route("POST", "/officer/registrations/{registration_id}", access="officer")
def decide_registration(page: Page) -> Response:
    registration = page.portal.soft.registration
    rid = page.request.path_params["registration_id"]
    try:
        if page.form.get("action") == "approve":
            registration.approve(rid, officer=page.officer)
        else:
            registration.reject(rid, officer=page.officer, reason=page.form.get("reason", ""))
    except SoftTokenError as error:
        return _registrations(page, error)
    return page.redirect("/officer/registrations")


def _requests(page: Page, error: SoftTokenError | None = None, **values: Any) -> Response:
    requests = page.portal.soft.service_requests
    return page.render("officer_requests.html", status=400 if error else 200, error=error,
                       queue=requests.pending(), overdue_only=False, purposes=list(Purpose),
                       now=page.portal.soft.clock.now(), **values)  # fmt: skip


@route("GET", "/officer/requests", access="officer")
def requests_queue(page: Page) -> Response:
    return _requests(page, values={})


@route("GET", "/officer/requests/overdue", access="officer")
def overdue(page: Page) -> Response:
    soft = page.portal.soft
    return page.render("officer_requests.html", queue=soft.service_requests.overdue(),
                       overdue_only=True, purposes=list(Purpose), now=soft.clock.now(),
                       values={})  # fmt: skip


@route("POST", "/officer/requests", access="officer")
def record_emailed_form(page: Page) -> Response:
    """An emailed form typed in by this officer (who then may not approve it)."""
    try:
        page.portal.soft.service_requests.submit(
            form_of(page), signed_form=page.files.get("signed_form"), officer=page.officer
        )
    except SoftTokenError as error:
        return _requests(page, error, values=dict(page.form))
    return page.redirect("/officer/requests")


@route("POST", "/officer/requests/{request_id}", access="officer")
def decide_request(page: Page) -> Response:
    """Take into review, approve (carries out the outcome) or reject with a reason."""
    requests = page.portal.soft.service_requests
    rid, action = page.request.path_params["request_id"], page.form.get("action")
    try:
        if action == "take":
            requests.take(rid, officer=page.officer)
        elif action == "approve":
            requests.approve(rid, officer=page.officer)
        else:
            requests.reject(rid, officer=page.officer, reason=page.form.get("reason", ""))
    except SoftTokenError as error:
        return _requests(page, error, values={})
    return page.redirect("/officer/requests")


@route("GET", "/officer/requests/{request_id}/signed-form.pdf", access="officer")
def signed_form(page: Page) -> Response:
    pdf = page.portal.soft.service_requests.signed_form(page.request.path_params["request_id"])
    return Response(pdf, media_type="application/pdf")
