"""Manual chapters 1 and 2 in Chromium: the checks before registering (the account's
holder, the wallet profile "awaiting further verification"), then the wizard: citizen
ID and consent, the Pao Tang QR code read from the screen and confirmed by the wallet
over HTTP, "check status", the email code, review and confirm, an officer's approval on
the registration queue, and activation with the phone scanning the QR code from the
screen, over HTTP."""

from __future__ import annotations

import re

from softtoken.testing import Person
from softtoken_portal import HttpPhone, send_assertion

from .conftest import OFFICER_B, Portal, Screen, Screens, new_phone, sign_in

WHO = Person()


def _step_1(me: Screen) -> None:
    me.page.goto("/registration")
    me.page.wait_for_url("**/registration/identify")
    me.check("step-1")
    me.fill({"citizen_id": "1101700207530"})
    me.click("Next")
    assert me.error_of("citizen_id")
    me.check("step-1-refused")
    me.fill({"citizen_id": WHO.citizen_id})
    me.page.check("#f-consent")
    me.click("Next")
    me.page.wait_for_url("**/registration/proofing")


def test_chapter_1_before_registering(portal: Portal, screens: Screens) -> None:
    portal.account(WHO)
    me = screens("person")
    sign_in(me, WHO)
    me.page.wait_for_url("**/home")
    me.page.goto("/before-registering")
    assert me.page.inner_text("#holder") == f"{WHO.first_name} {WHO.last_name}"  # check A
    me.check("before-registering")
    _step_1(me)
    # Check D: a profile awaiting further verification is refused at the callback.
    app = portal.wallet.enroll(citizen_id=WHO.citizen_id, first_name=WHO.first_name,
                               last_name=WHO.last_name, verified=False)  # fmt: skip
    assert send_assertion(app, me.qr(), client=portal.http()) == 409
    me.click("Check status")
    assert me.alert()
    me.check("check-status-refused")
    app.finish_verification()  # in the app or at a bank branch
    me.page.goto("/registration/proofing")
    assert send_assertion(app, me.qr(), client=portal.http()) == 200
    me.click("Check status")
    me.page.wait_for_url("**/registration/details?proofed=1")


def test_chapter_2_registration_and_activation(portal: Portal, screens: Screens) -> None:
    portal.account(WHO)
    me = screens("person")
    sign_in(me, WHO)
    _step_1(me)
    me.check("step-2-qr")
    app = portal.wallet.enroll(citizen_id=WHO.citizen_id, first_name=WHO.first_name,
                               last_name=WHO.last_name)  # fmt: skip
    assert send_assertion(app, me.qr(), client=portal.http()) == 200
    me.click("Check status")
    me.page.wait_for_url("**/registration/details?proofed=1")
    assert "completed identity proofing" in me.page.inner_text("main")
    me.check("step-3")
    me.fill({**WHO.details(), "email": WHO.email})
    me.click("Send OTP")
    mail = portal.mail(WHO.email, "registration_email_code")
    code = re.search(r"\b(\d{6})\b", mail.text)
    assert code is not None
    me.fill({"code": "000000" if code.group(1) != "000000" else "111111"})
    me.click("Confirm code")
    assert me.error_of("code")
    me.check("step-3-wrong-code")
    me.fill({"code": code.group(1)})
    me.click("Confirm code")
    assert "Email verified" in me.page.inner_text("main")
    me.click("Save")
    me.page.wait_for_url("**/registration/review")
    me.check("review")
    me.click("Confirm")
    me.page.wait_for_url("**/registration/approval")
    assert "Awaiting approval" in me.page.inner_text("main")
    me.check("step-4-awaiting")

    _officer_approves(portal, screens)
    _activation(portal, me)


def _officer_approves(portal: Portal, screens: Screens) -> None:
    # An officer approves it on the registration queue.
    officer = screens("officer")
    sign_in(officer, OFFICER_B)
    officer.page.goto("/officer/registrations")
    assert WHO.user_id in officer.page.inner_text("main")
    officer.check("registration-queue")
    officer.click("Approve")
    officer.page.wait_for_url("**/officer/registrations")
    assert "Nothing waiting" in officer.page.inner_text("main")
    portal.mail(WHO.email, "registration_approved")


def _activation(portal: Portal, me: Screen) -> None:
    # Step 4 says "proceed"; step 5: the phone scans the QR code on the screen.
    me.page.goto("/registration/approval")
    me.check("step-4-proceed")
    me.click("Proceed")
    me.check("step-5-qr")
    me.click("Check")
    assert "not finished" in me.alert()
    phone = HttpPhone(portal.http(), new_phone(portal, WHO), WHO.pin)
    me.page.goto("/registration/approval")
    me.click("Proceed")
    serial = phone.activate(me.qr())
    me.click("Check")
    assert "Activation succeeded" in me.page.inner_text("h1")
    me.check("activated")
    assert portal.soft.ca.get(serial).status.value == "active"
