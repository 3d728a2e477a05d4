"""Manual chapter 5 (self-revocation, after re-authentication) and chapter 7 (the
service request form with its signed PDF)."""

from __future__ import annotations

from starlette.responses import Response

from softtoken import SoftTokenError
from softtoken.lifecycle.service_requests import Purpose

from ._page import Page, Routes

__all__ = ["ROUTES", "form_of"]

ROUTES = Routes()
route = ROUTES

#: Chapter 5's four reasons (the second has two cases) as the library names them.
REASONS = (
    ("own_data_changed", "ข้อมูลของผู้ถือเปลี่ยนแปลง (ชื่อ นามสกุล ฯลฯ)", "the holder's own data changed"),
    ("holder_resigned", "เปลี่ยนผู้ถือบัญชี: ผู้ถือเดิมลาออก", "the holder changes: resigned"),
    ("holder_transferred", "เปลี่ยนผู้ถือบัญชี: ผู้ถือเดิมโอนย้าย", "the holder changes: transferred"),
    ("email_changed", "ต้องการเปลี่ยนอีเมลที่ลงทะเบียน", "change the registered email"),
    ("new_phone", "เปลี่ยนโทรศัพท์มือถือเครื่องใหม่", "a new phone"),
)


@route("GET", "/soft-token/revoke")
def revoke_form(page: Page) -> Response:
    return page.render("revoke.html", reasons=REASONS)


@route("POST", "/soft-token/revoke")
def revoke(page: Page) -> Response:
    """Choose the reason, type the password again (re-authentication), confirm."""
    soft = page.portal.soft
    try:
        soft.sign_in.reauthenticate(page.user_id, page.form.get("password", ""), client=page.client)
        done = soft.revocation.revoke(page.user_id, reason=page.form.get("reason", ""))
    except SoftTokenError as error:
        return page.refused("revoke.html", error, "password", reasons=REASONS)
    return page.render("revoke_done.html", done=done)


# --- chapter 7 -----------------------------------------------------------------------------

FIELDS = ("unit_code", "unit_name", "first_name", "last_name", "email", "mobile", "division",
          "department", "ministry", "user_id", "other_text", "new_email", "new_password",
          "new_password_email", "sent_from")  # fmt: skip


def form_of(page: Page) -> dict[str, object]:
    """Parts 1 to 3 as the library reads them (empty fields left out)."""
    form: dict[str, object] = {k: v for k in FIELDS if (v := page.form.get(k, "").strip())}
    form["purpose"] = [p for p in page.form.get("purpose", "").split(",") if p]
    return form


@route("GET", "/service-request")
def request_form(page: Page) -> Response:
    account = page.portal.soft.accounts.get(page.user_id)
    return page.render("service_request.html", purposes=list(Purpose), values={
        "user_id": page.user_id, "first_name": account.first_name,
        "last_name": account.last_name, "email": account.email.value if account.email else "",
    })  # fmt: skip


@route("POST", "/service-request")
def submit_request(page: Page) -> Response:
    """Parts 1 to 3 and the signed form as a PDF; the request comes from the person
    signed in, so part 2's user ID is theirs."""
    form = {**form_of(page), "user_id": page.user_id}
    form.setdefault("sent_from", form.get("email", ""))
    try:
        made = page.portal.soft.service_requests.submit(form, signed_form=page.files.get(
            "signed_form"))  # fmt: skip
    except SoftTokenError as error:
        return page.refused("service_request.html", error, purposes=list(Purpose),
                            values=dict(page.form))  # fmt: skip
    due = made.due_at(page.portal.soft.policy.service_request_answer_within)
    return page.render("service_request_done.html", made=made, due=due)
