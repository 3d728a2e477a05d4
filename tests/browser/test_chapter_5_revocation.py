"""Manual chapter 5 in Chromium: the holder revokes the soft token with one of the four
reasons after typing the password again (re-authentication); the phone learns it at its
next poll over HTTP, and the notice is emailed."""

from __future__ import annotations

from softtoken.testing import Person, soft_token_user
from softtoken_portal import HttpPhone

from .conftest import Portal, Screens, sign_in_with_phone

WHO = Person()


def test_chapter_5_self_revocation(portal: Portal, screens: Screens) -> None:
    phone = HttpPhone(portal.http(), soft_token_user(portal.harness, WHO), WHO.pin)
    me = screens("person")
    sign_in_with_phone(me, WHO, phone)
    me.page.goto("/soft-token/revoke")
    me.check("revoke")
    me.page.check("#f-reason-new_phone")
    me.fill({"password": "not my password"})
    me.click("Confirm revocation")
    assert me.error_of("password")
    me.check("reauthentication-refused")
    assert phone.poll() == []  # nothing happened
    me.page.check("#f-reason-new_phone")
    me.fill({"password": WHO.password})
    me.click("Confirm revocation")
    assert "revoked" in me.page.inner_text("main")
    me.check("revoked")
    assert [item["type"] for item in phone.poll()] == ["revoked"]
    portal.mail(WHO.email, "soft_token_revoked")
    assert portal.soft.accounts.get(WHO.user_id).registration_completed is False
