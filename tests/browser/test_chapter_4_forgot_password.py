"""Manual chapter 4 in Chromium: forgot password, five wrong tries and the five
minutes' wait, the emailed OTP, "a new code" at most every 90 seconds, the new password
by email, and the forced change at the next sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

import attrs

from softtoken.accounts import UserId
from softtoken.testing import Person

from .conftest import Portal, Screens, sign_in

WHO = Person(user_id="T05005000000401", citizen_id="3100600123450",
             email="malee.s@cgd.example.go.th", first_name="มาลี", last_name="สุขใจ")  # fmt: skip


def test_chapter_4_forgot_password(portal: Portal, screens: Screens) -> None:
    portal.account(WHO, email=WHO.email, citizen_id=WHO.citizen_id)
    with portal.soft.unit_of_work() as uow:  # stands in for a completed registration
        account = uow.accounts.get(UserId(WHO.user_id))
        uow.accounts.update(attrs.evolve(account, registration_completed=True))
        uow.commit()
    me = screens("person")
    me.page.goto("/login")
    me.page.get_by_role("link", name=re.compile("Forgot password")).click()
    me.page.wait_for_url("**/password/forgot")
    me.check("forgot")
    wrong = {"user_id": WHO.user_id, "citizen_id": "1101700207536", "email": WHO.email}
    for _ in range(portal.soft.policy.reset_max_mismatches):
        me.fill(wrong)
        me.click("Request OTP by email")
        assert me.alert()
    me.check("wrong-data")
    me.fill({**wrong, "citizen_id": WHO.citizen_id})
    me.click("Request OTP by email")
    assert "try again in" in me.alert()  # the second warning: wait 5 minutes
    me.check("locked")
    portal.clock.advance(portal.soft.policy.reset_lockout)
    me.fill({**wrong, "citizen_id": WHO.citizen_id})
    me.click("Request OTP by email")
    me.page.wait_for_url("**/password/forgot/code")
    assert "ma*****@cgd.example.go.th" in me.page.inner_text("main")  # masked
    me.check("code")
    portal.mail(WHO.email, "password_reset_code")
    me.click("Send a new code")
    assert "try again in" in me.error_of("code")  # not before 90 seconds
    me.check("resend-too-soon")
    portal.clock.advance(timedelta(seconds=90))
    me.click("Send a new code")
    mail = portal.mail(WHO.email, "password_reset_code", after=1)
    code = re.search(r"one-time code is (\d+)", mail.text)
    assert code is not None
    me.fill({"code": code.group(1)})
    me.click("Confirm")
    assert "A new password has been sent to ma*****@" in me.page.inner_text("main")
    me.check("sent")
    done = portal.mail(WHO.email, "password_reset_done")
    emailed = re.search(r"Your new password is: (\S+)", done.text)
    assert emailed is not None
    sign_in(me, WHO, emailed.group(1))
    me.page.wait_for_url("**/password/change")
    assert "Please change password" in me.page.inner_text("h1")
