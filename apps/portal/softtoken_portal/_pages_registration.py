"""Manual chapter 1 (before registering) and chapter 2: the registration wizard (steps
1 to 4: identify, the Pao Tang QR code and "check status", the email code, review and
confirm, approval) and step 5, activation (the QR code, "check", done)."""

from __future__ import annotations

import base64
from typing import Any

from starlette.responses import Response

from softtoken import SoftTokenError
from softtoken.lifecycle.registration import Registration, RegistrationState
from softtoken.web import status_of

from ._page import Page, Routes

__all__ = ["ROUTES"]

ROUTES = Routes()
route = ROUTES
S = RegistrationState
#: The page of each state of the wizard.
STEP_PAGE = {
    S.IDENTIFY: "/registration/identify", S.PROOFING: "/registration/proofing",
    S.CONFIRM_DATA: "/registration/details", S.REVIEW: "/registration/review",
    S.AWAITING_APPROVAL: "/registration/approval", S.APPROVED: "/registration/approval",
}  # fmt: skip
DETAILS = ("address", "phone", "position", "division", "department", "ministry")


def qr_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@route("GET", "/before-registering")
def before_registering(page: Page) -> Response:
    """Chapter 1: A, the account's holder; B and C, the two apps; D, the profile."""
    return page.render("before.html", account=page.portal.soft.accounts.get(page.user_id))


def _current(page: Page) -> Registration | None:
    return page.portal.soft.registration.current(page.user_id)


@route("GET", "/registration")
def wizard(page: Page) -> Response:
    """Open the wizard where the person left it."""
    reg = _current(page) or page.portal.soft.registration.start(page.user_id)
    return page.redirect(STEP_PAGE.get(reg.state, "/home"))


def _identify_page(page: Page, error: SoftTokenError | None = None) -> Response:
    registration = page.portal.soft.registration
    return page.render("reg_identify.html", status=400 if error else 200, error=error,
                       needs_order=registration.needs_assignment_order(page.user_id),
                       consent_version=registration.settings.consent_version)  # fmt: skip


@route("GET", "/registration/identify")
def identify_form(page: Page) -> Response:
    return _identify_page(page)


@route("POST", "/registration/identify")
def identify(page: Page) -> Response:
    """Step 1: citizen ID, the assignment order PDF where asked, the PDPA consent."""
    registration = page.portal.soft.registration
    try:
        registration.identify(
            page.user_id, citizen_id=page.form.get("citizen_id", ""),
            accept_consent=page.form.get("consent") == "yes",
            consent_version=page.form.get("consent_version", ""),
            assignment_order=page.files.get("assignment_order"),
        )  # fmt: skip
    except SoftTokenError as error:
        return _identify_page(page, error)
    return page.redirect("/registration/proofing")


@route("GET", "/registration/proofing")
def proofing(page: Page) -> Response:
    """Step 2: the QR code for the proofing app (a new one each time the page opens)."""
    challenge = page.portal.soft.registration.begin_proofing(page.user_id, provider="paotang")
    return page.render("reg_proofing.html", qr=qr_data_url(challenge.qr_png()),
                       payload=challenge.qr_payload)  # fmt: skip


@route("POST", "/registration/proofing")
def check_status(page: Page) -> Response:
    """ "Check status": has the app confirmed?"""
    try:
        page.portal.soft.registration.check_status(page.user_id)
    except SoftTokenError as error:
        return page.refused("reg_proofing.html", error, qr=None, payload=None)
    return page.redirect("/registration/details?proofed=1")


def _details_page(page: Page, error: SoftTokenError | None = None, **values: Any) -> Response:
    reg = _current(page)
    if reg is None:
        return page.redirect("/registration")
    status = status_of(error) if error else 200
    return page.render("reg_details.html", status=status, error=error, reg=reg,
                       proofed="proofed" in page.request.query_params, **values)  # fmt: skip


@route("GET", "/registration/details")
def details_form(page: Page) -> Response:
    return _details_page(page)


@route("POST", "/registration/details")
def details(page: Page) -> Response:
    """Step 3: the fields, "send OTP" to the email, the code, then save."""
    registration, form = page.portal.soft.registration, page.form
    action = form.get("action", "")
    try:
        if action == "send_code":
            registration.update_details(page.user_id, email=form.get("email", ""),
                                        **_filled(page))  # fmt: skip
            sent = registration.send_email_code(page.user_id, client=page.client)
            return _details_page(page, sent_to=sent.sent_to)
        if action == "verify_code":
            registration.verify_email(page.user_id, form.get("code", ""))
            return _details_page(page)
        registration.update_details(page.user_id, **_filled(page))
        registration.save(page.user_id)
    except SoftTokenError as error:
        return _details_page(page, error, about="code" if action == "verify_code" else "form")
    return page.redirect("/registration/review")


def _filled(page: Page) -> dict[str, str]:
    """The fields the person filled in; save says which required ones are missing."""
    return {name: value for name in DETAILS if (value := page.form.get(name, "").strip())}


@route("GET", "/registration/review")
def review(page: Page) -> Response:
    reg = _current(page)
    if reg is None:
        return page.redirect("/registration")
    return page.render("reg_review.html", reg=reg)


@route("POST", "/registration/review")
def confirm(page: Page) -> Response:
    """Confirm, or go back and edit."""
    registration = page.portal.soft.registration
    if page.form.get("action") == "edit":
        registration.edit(page.user_id)
        return page.redirect("/registration/details")
    registration.confirm(page.user_id)
    return page.redirect("/registration/approval")


@route("GET", "/registration/approval")
def approval(page: Page) -> Response:
    """Step 4: "proceed" once approved (at once by a rule, or by an officer's email)."""
    ready = page.portal.soft.registration.ready_for_activation(page.user_id)
    return page.render("reg_approval.html", reg=_current(page), ready=ready)


# --- step 5: activation ------------------------------------------------------------------


@route("POST", "/activation")
def activate(page: Page) -> Response:
    """ "Activate", OK: the QR code for the authenticator app; the page stays open."""
    start = page.portal.soft.activation.begin(page.user_id)
    page.session.data["activation"] = start.activation_id
    return page.render("activation.html", qr=qr_data_url(start.qr_png()),
                       payload=start.qr_payload, expires_at=start.expires_at)  # fmt: skip


@route("POST", "/activation/check")
def activation_check(page: Page) -> Response:
    """ "Check": did the app finish?"""
    activation_id = page.kept("activation", str, otherwise="/registration/approval")
    status = page.portal.soft.activation.check(activation_id, user_id=page.user_id)
    if not status.completed:
        return page.render("activation.html", qr=None, payload=None, expires_at=None,
                           not_yet=True)  # fmt: skip
    page.session.data.pop("activation")
    return page.render("activation_done.html", serial=status.certificate_serial)
