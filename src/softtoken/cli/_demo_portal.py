"""Demo chapters for what a portal does around the manual's screens: the one sign-in
call (``soft.sign_in``: the phone's answer wakes the waiting page) and, at the end,
keeping the data: an audit checkpoint kept outside the database, a purge of what has
outlived its retention, and the log verified against the checkpoint."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from softtoken.cli._demo_devices import load_phone
from softtoken.cli._demo_state import USER_ID
from softtoken.lifecycle.sign_in import SecondFactorRequired, SignedIn

if TYPE_CHECKING:
    from softtoken.cli._demo_state import Demo

__all__ = ["CLOSING_CHAPTERS", "PORTAL_CHAPTERS"]


def chapter_sign_in(demo: Demo) -> None:
    demo.heading("The portal's sign-in call: password, the phone, a session's deadlines")
    soft = demo.softtoken
    phone = load_phone(demo)
    started = soft.sign_in.begin(USER_ID, demo.passwords[USER_ID], client="203.0.113.7")
    if not isinstance(started, SecondFactorRequired):
        demo.say(f"sign-in answered {started.kind}")
        return
    shown = started.picture.label_en + (f", code {started.code}" if started.code else "")
    demo.say(f"the page shows {shown} and waits for the phone (no polling loop)")

    def phone_answers() -> None:
        [item] = soft.push_login.pending_for_device(phone.certificate_serial)
        answer = {"confirm": None, "select": started.picture.id, "enter": started.code}
        soft.push_login.respond(phone.approve(item, answer=answer[started.mode], biometric=True))

    answering = threading.Timer(0.2, phone_answers)
    answering.start()
    result = soft.sign_in.wait(started.handle, timeout=10)
    answering.join()
    if isinstance(result, SignedIn):
        demo.say(
            f"signed in at AAL{result.aal} with {' + '.join(result.factors)}; "
            f"re-authenticate by {result.reauthenticate_by:%Y-%m-%d %H:%M} UTC, "
            f"idle timeout {result.idle_timeout}"
        )
    else:
        demo.say(f"sign-in answered {result.kind}")


def chapter_keeping_the_data(demo: Demo) -> None:
    demo.heading("Keeping the data: an audit checkpoint, a purge, the log verified again")
    soft = demo.softtoken
    checkpoint = soft.audit.checkpoint()
    demo.say(f"checkpoint kept outside the database: record {checkpoint.seq}")
    demo.clock.advance(timedelta(days=91))
    report = soft.maintenance.purge()
    gone = ", ".join(f"{n} {rule}" for rule, n in report.deleted.items() if n) or "nothing"
    demo.say(f"91 days on, the purge removed {gone}")
    demo.say(f"{soft.audit.verify(checkpoint=checkpoint)} records extend the checkpoint")


PORTAL_CHAPTERS: list[Callable[[Demo], None]] = [chapter_sign_in]
CLOSING_CHAPTERS: list[Callable[[Demo], None]] = [chapter_keeping_the_data]
