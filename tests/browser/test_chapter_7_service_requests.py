"""Manual chapter 7 and the officers' pages in Chromium: the person's service request
form with its signed PDF (refused field by field first); an officer records an emailed
form and may not approve it himself (dual control), a second officer does; the overdue
list once the hour has passed."""

from __future__ import annotations

import re
from datetime import timedelta

from softtoken.testing import Person, sample_pdf, soft_token_user
from softtoken_portal import HttpPhone

from .conftest import OFFICER_A, OFFICER_B, Portal, Screen, Screens, sign_in, sign_in_with_phone

WHO = Person()
OTHER = Person(
    user_id="T05005000000702",
    citizen_id="1103700012346",
    email="somporn.t@cgd.example.go.th",
    first_name="สมพร",
    last_name="ตั้งใจ",
)
PART_1_2 = {"unit_code": "0500500000", "unit_name": "กรมบัญชีกลาง", "mobile": "0812345678",
            "division": "กองบริหารการคลัง", "department": "กรมบัญชีกลาง",
            "ministry": "กระทรวงการคลัง"}  # fmt: skip


def _pdf(screen: Screen, title: str) -> None:
    pdf = {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": sample_pdf(title=title)}
    screen.page.set_input_files("#f-signed_form", files=[pdf])


def _card(screen: Screen, text: str, button: str) -> None:
    card = screen.page.locator("section.request", has_text=text)
    card.get_by_role("button", name=re.compile(button)).click()


def test_chapter_7_service_requests_and_dual_control(portal: Portal, screens: Screens) -> None:
    phone = HttpPhone(portal.http(), soft_token_user(portal.harness, WHO), WHO.pin)
    soft_token_user(portal.harness, OTHER)
    me = screens("person")
    sign_in_with_phone(me, WHO, phone)
    me.page.goto("/service-request")
    me.check("form")
    me.fill({**PART_1_2, "mobile": "08123"})
    me.page.check("#f-purpose-forgot_pin")
    me.click("Send the request")
    assert me.error_of("mobile")
    assert me.error_of("signed_form")
    me.check("form-refused")
    me.fill(PART_1_2)
    me.page.check("#f-purpose-forgot_pin")
    _pdf(me, "Service request, signed")
    me.click("Send the request")
    assert "will be answered by" in me.page.inner_text("main")
    me.check("sent")
    request_id = re.search(r"Request (\S+) will", me.page.inner_text("main")).group(1)  # type: ignore[union-attr]
    portal.mail(WHO.email, "service_request_received")

    # Officer A records a form that came by email, then may not approve it himself.
    desk = screens("officer-a")
    sign_in(desk, OFFICER_A)
    desk.page.goto("/officer/requests")
    assert request_id in desk.page.inner_text("main")
    desk.check("queue")
    desk.page.get_by_text("Record a form that came by email").click()
    part_2 = {"first_name": OTHER.first_name, "last_name": OTHER.last_name, "email": OTHER.email}
    desk.fill({**PART_1_2, **part_2, "user_id": OTHER.user_id, "sent_from": OTHER.email})
    desk.page.check("#f-purpose-change_phone")
    _pdf(desk, "Emailed form")
    desk.click("Record the request")
    desk.page.wait_for_url("**/officer/requests")
    _card(desk, OTHER.user_id, "Take into review")
    _card(desk, OTHER.user_id, "Approve")
    assert "dual" in desk.alert().lower() or "another officer" in desk.alert().lower()
    desk.check("dual-control")

    _second_officer(portal, screens, request_id)


def _second_officer(portal: Portal, screens: Screens, request_id: str) -> None:
    # Officer B approves it: the outcome is carried out and emailed.
    reviewer = screens("officer-b")
    sign_in(reviewer, OFFICER_B)
    reviewer.page.goto("/officer/requests")
    _card(reviewer, OTHER.user_id, "Take into review")
    _card(reviewer, OTHER.user_id, "Approve")
    portal.mail(OTHER.email, "service_request_done")
    assert OTHER.user_id not in reviewer.page.inner_text("main")

    # The person's request waits past the hour: it is on the overdue list.
    portal.clock.advance(timedelta(minutes=61))
    reviewer.page.goto("/officer/requests/overdue")
    assert request_id in reviewer.page.inner_text("main")
    reviewer.check("overdue")
    reviewer.page.goto("/officer/requests")
    _card(reviewer, request_id, "Take into review")
    _card(reviewer, request_id, "Approve")
    portal.mail(WHO.email, "service_request_done")
    reviewer.page.goto("/officer/requests/overdue")
    assert "Nothing waiting" in reviewer.page.inner_text("main")
