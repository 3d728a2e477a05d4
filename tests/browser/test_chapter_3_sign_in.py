"""Manual chapter 3 in Chromium: "Login by Soft Token", the code to type in the app, the
phone's approval over HTTP, the first login's forced password change, then a decline,
an expired request, the offline code, and the lockout with its wait shown."""

from __future__ import annotations

from datetime import timedelta

from softtoken.testing import Person, soft_token_user
from softtoken_portal import HttpPhone

from .conftest import Portal, Screen, Screens, sign_in

WHO = Person()
NEW_PASSWORD = "a brand new passphrase 2026"


def test_chapter_3_push_sign_in(portal: Portal, screens: Screens) -> None:
    device = soft_token_user(portal.harness, WHO, first_login_done=False)
    phone = HttpPhone(portal.http(), device, WHO.pin)
    me = screens("person")
    me.page.goto("/login")
    me.check("login")
    sign_in(me, WHO)
    me.page.wait_for_url("**/login/wait")
    me.check("wait-for-phone")
    code = me.page.inner_text("#code")
    # The phone (over HTTP) shows the request; the person types the code the page shows.
    [item] = phone.poll()
    phone.approve(item, code)
    # The page's event stream hears the answer and posts "finish": first login, change.
    me.page.wait_for_url("**/password/change")
    me.check("change-password")
    me.fill({"current_password": WHO.password, "new_password": "short",
             "confirm_password": "short"})  # fmt: skip
    me.click("Save")
    assert "password" in me.error_of("new_password").lower()
    me.check("change-password-refused")
    me.fill({"current_password": WHO.password, "new_password": NEW_PASSWORD,
             "confirm_password": NEW_PASSWORD})  # fmt: skip
    me.click("Save")
    me.page.wait_for_url("**/login?notice=changed")
    assert "Please log in again" in me.page.inner_text("main")
    me.check("log-in-again")

    # Declined on the phone ("not me"): the page says so.
    sign_in(me, WHO, NEW_PASSWORD)
    me.page.wait_for_url("**/login/wait")
    [item] = phone.poll()
    phone.decline(item)
    me.page.wait_for_url("**/login/finish")
    assert "declined" in me.alert().lower()
    me.check("declined")

    # Nobody answers in time: the waiting page finds out by itself and says so.
    sign_in(me, WHO, NEW_PASSWORD)
    me.page.wait_for_url("**/login/wait")
    portal.clock.advance(timedelta(minutes=10))
    me.page.wait_for_url("**/login/finish")
    assert "expired" in me.alert().lower()
    me.check("expired")

    # No network on the phone: the app's offline code.
    portal.clock.advance(timedelta(minutes=1))
    sign_in(me, WHO, NEW_PASSWORD)
    me.page.wait_for_url("**/login/wait")
    me.page.get_by_text("No network on the phone?").click()
    me.check("offline-code")
    me.fill({"offline_code": device.offline_code(pin=WHO.pin)})
    me.click("Confirm code")
    me.page.wait_for_url("**/home")
    assert WHO.user_id in me.page.inner_text("main")
    me.check("home")

    _idle_then_locked(portal, me)


def _idle_then_locked(portal: Portal, me: Screen) -> None:
    # Idle for the policy's 30 minutes at AAL2: the session ends.
    portal.clock.advance(portal.soft.policy.session_idle_timeout_aal2)
    me.page.goto("/home")
    me.page.wait_for_url("**/login")

    # Five wrong passwords: locked, with the wait shown.
    for _ in range(portal.soft.policy.login_max_failures):
        sign_in(me, WHO, "not my password at all")
    sign_in(me, WHO, NEW_PASSWORD)
    assert "Try again in" in me.alert()
    me.check("locked")
