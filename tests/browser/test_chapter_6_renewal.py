"""Manual chapter 6 in Chromium: with 20 days left the sign-in shows the notice
("Continue to GFMIS" or "Renew Soft Token"); the phone accepts "Update Profile" over
HTTP and "check" says renewed. Once expired, sign-in forces the renewal."""

from __future__ import annotations

from datetime import timedelta

from softtoken.testing import Person, soft_token_user
from softtoken_portal import HttpPhone

from .conftest import Portal, Screen, Screens, sign_in, sign_in_with_phone

WHO = Person()


def _renew_on_phone(me: Screen, phone: HttpPhone) -> None:
    item = phone.waiting("renewal")
    assert item is not None
    phone.renew(item)
    me.click("Check")


def test_chapter_6_renewal(portal: Portal, screens: Screens) -> None:
    phone = HttpPhone(portal.http(), soft_token_user(portal.harness, WHO), WHO.pin)
    not_after = portal.soft.ca.get(phone.device.certificate_serial).not_after
    portal.clock.set(not_after - timedelta(days=20))
    me = screens("person")
    sign_in_with_phone(me, WHO, phone)
    me.page.wait_for_url("**/renewal/notice")
    assert "20 days left" in me.page.inner_text("main")
    me.check("notice")
    me.click("Renew Soft Token")
    me.page.wait_for_url("**/renewal/wait")
    me.check("update-profile")
    me.click("Check")
    assert "not renewed yet" in me.alert()
    _renew_on_phone(me, phone)
    assert "Renewed" in me.page.inner_text("h1")
    me.check("renewed")

    # The next sign-in is approved with the renewed certificate.
    me.page.goto("/home")
    me.click("Log out")
    sign_in_with_phone(me, WHO, phone)

    # Expired: the sign-in goes through renewal, then the person signs in again.
    renewed = portal.soft.ca.get(phone.device.certificate_serial).not_after
    portal.clock.set(renewed + timedelta(days=3))
    me.page.goto("/login")
    sign_in(me, WHO)
    me.page.wait_for_url("**/renewal/wait")
    assert "expired" in me.page.inner_text("h1")
    me.check("forced-renewal")
    _renew_on_phone(me, phone)
    me.page.wait_for_url("**/login?notice=renewed")
    me.check("renewed-log-in-again")
    sign_in_with_phone(me, WHO, phone)
