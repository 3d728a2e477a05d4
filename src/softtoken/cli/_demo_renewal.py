"""Demo chapters: chapter 6 (the renewal notice, the "Update Profile" ceremony, two years
on with the fake clock) and chapter 5 (self-revocation, the device learning it, and the
account ready to register again)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from softtoken.cli._demo_devices import PIN, load_phone, save_phone
from softtoken.cli._demo_state import USER_ID
from softtoken.errors import SoftTokenError

if TYPE_CHECKING:
    from collections.abc import Callable

    from softtoken.cli._demo_state import Demo

__all__ = ["RENEWAL_CHAPTERS", "chapter_renewal", "chapter_self_revocation"]


def _login_or_say(demo: Demo, user_id: str) -> None:
    from softtoken.cli._demo_devices import log_in  # noqa: PLC0415

    try:
        log_in(demo, user_id, demo.passwords[user_id])
    except SoftTokenError as error:
        demo.say(f"the computer: [{error.code}] {error.message('en')}")
        demo.say(f"              {error.message('th')}")


def chapter_renewal(demo: Demo) -> None:

    demo.heading("Chapter 6: renewal (the certificate is valid for 2 years)")
    soft = demo.softtoken
    phone = load_phone(demo)
    not_after = soft.ca.get(phone.certificate_serial).not_after
    demo.clock.set(not_after - timedelta(days=20))
    demo.say(f"the fake clock moves to {demo.clock.now():%Y-%m-%d}: 20 days left")
    _login_or_say(demo, USER_ID)
    demo.say("the notice offers 'Continue to GFMIS' or 'Renew Soft Token'; the person renews")
    start = soft.renewal.begin(USER_ID)
    [request] = soft.renewal.pending_for_device(phone.certificate_serial)
    demo.say("the app shows 'Update Profile'; the person taps 'Accept'")
    verified = soft.renewal.complete(phone.accept_renewal(request, biometric=True))
    phone.install_renewal(verified.answer)
    save_phone(demo, phone)
    demo.say(f"the app: 'Profile updated successfully', valid until {verified.not_after:%Y-%m-%d}")
    demo.say(
        f"the computer: check -> {soft.renewal.check(start.renewal_id, user_id=USER_ID).state}"
    )
    _login_or_say(demo, USER_ID)
    demo.say(f"the old certificate is now {soft.ca.get(verified.old_serial).status.value}")
    demo.show_mail()

    demo.clock.set(verified.not_after + timedelta(days=3))
    demo.say(f"the fake clock moves to {demo.clock.now():%Y-%m-%d}: the certificate expired")
    _login_or_say(demo, USER_ID)
    start = soft.renewal.begin(USER_ID, password=demo.passwords[USER_ID])
    [request] = soft.renewal.pending_for_device(phone.certificate_serial)
    verified = soft.renewal.complete(phone.accept_renewal(request, pin=PIN))
    phone.install_renewal(verified.answer)
    save_phone(demo, phone)
    demo.say(
        "renewed after the password step, within the grace period "
        f"({soft.policy.renewal_grace_period.days} days)"
    )
    _login_or_say(demo, USER_ID)
    demo.show_mail()


def chapter_self_revocation(demo: Demo) -> None:

    demo.heading("Chapter 5: self-revocation (reason 4: a new phone)")
    soft = demo.softtoken
    phone = load_phone(demo)
    serial = phone.certificate_serial
    done = soft.revocation.revoke(USER_ID, reason="new_phone")
    demo.say(
        f"revoked {', '.join(s[:16] + '...' for s in done.revoked_serials)} "
        f"(RFC 5280 reason {done.reason.rfc5280_code}: superseded)"
    )
    entries = [format(e.serial_number, "x") for e in soft.ca.crl()]
    demo.say(f"the CRL lists it: {serial in entries}")
    for item in soft.device_poll(serial):
        if item["type"] == "revoked":
            phone.learn_revoked(str(item["reason"]))
            demo.say(f"the app learns at its next poll: revoked ({item['reason']})")
    save_phone(demo, phone)
    _login_or_say(demo, USER_ID)
    account = soft.accounts.get(USER_ID)
    demo.say(
        f"login type {account.login_type.value}; registration needed again: "
        f"{not account.registration_completed}"
    )
    history = ", ".join(
        f"{e.event.value} {e.at:%Y-%m-%d}" for e in soft.revocation.history(USER_ID)
    )
    demo.say(f"authenticator history: {history}")
    demo.show_mail()


RENEWAL_CHAPTERS: list[Callable[[Demo], None]] = [chapter_renewal, chapter_self_revocation]
