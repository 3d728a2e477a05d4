"""Demo chapters: chapter 2 step 5 (activate the soft token: the QR code in the terminal,
the reference device as the phone) and chapter 3 (login by soft token in each matching
mode, the forced password change, a declined push)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from softtoken._qr import qr_terminal
from softtoken.accounts._identifiers import UserId
from softtoken.authenticator import Device, KdfParams
from softtoken.cli._demo_state import USER_ID
from softtoken.errors import SoftTokenError

if TYPE_CHECKING:
    from collections.abc import Callable

    from softtoken._facade import SoftToken
    from softtoken.cli._demo_state import Demo

__all__ = [
    "DEVICE_CHAPTERS",
    "PIN",
    "chapter_activation",
    "chapter_soft_token_login",
    "load_phone",
    "log_in",
    "save_phone",
]

PIN = "480271"


def load_phone(demo: Demo) -> Device:
    # The phone's state and its biometric keystore file; its clock is the demo's.
    return Device.load(demo.workdir / "device.json", clock=demo.clock)


def save_phone(demo: Demo, phone: Device) -> None:
    phone.save(demo.workdir / "device.json")


def chapter_activation(demo: Demo) -> None:

    demo.heading("Chapter 2, step 5: activate the soft token")
    soft = demo.softtoken
    start = soft.activation.begin(USER_ID)
    demo.say("the computer shows this QR code (keep the page open):")
    for line in qr_terminal(start.qr_payload).splitlines():
        demo.say("  " + line)
    demo.say(f"it works until {start.expires_at:%H:%M:%S} UTC, once")
    phone = Device.create(
        pin=PIN, confirm_pin=PIN, biometrics=True, kdf=KdfParams(), clock=demo.clock
    )
    demo.say(f"the phone: Scan QR code, Activate, PIN {PIN} set and confirmed, biometrics on")
    verified = soft.activation.enroll(phone.enroll(phone.scan(start.qr_payload), pin=PIN))
    phone.install(verified.answer, pin=PIN)
    save_phone(demo, phone)
    demo.say(
        f"the app: activation succeeded; certificate {verified.certificate_serial[:16]}... "
        f"valid until {verified.not_after:%Y-%m-%d}"
    )
    status = soft.activation.check(start.activation_id, user_id=USER_ID)
    demo.say(f"the computer: check -> {status.state.value}")
    demo.show_mail()


def log_in(
    demo: Demo,
    user_id: str,
    password: str,
    *,
    decline: bool = False,
    soft: SoftToken | None = None,
) -> None:
    soft = soft or demo.softtoken
    phone = load_phone(demo)
    challenge = soft.push_login.begin(user_id, password)
    shown = f"picture: {challenge.picture.label_en} / {challenge.picture.label_th}"
    if challenge.code:
        shown += f", code to type on the phone: {challenge.code}"
    demo.say(f"[{challenge.mode}] the computer shows {shown}")
    [item] = soft.push_login.pending_for_device(phone.certificate_serial)
    view = phone.view(item)
    pictures = ", ".join(p.label_en for p in view.pictures) or "a field for the code"
    demo.say(f"[{challenge.mode}] the phone shows: {pictures}")
    if decline:
        soft.push_login.respond(phone.decline(item, biometric=True))
        demo.say("the person taps 'not me'")
    else:
        answer = {"confirm": None, "select": challenge.picture.id, "enter": challenge.code}
        soft.push_login.respond(phone.approve(item, answer=answer[challenge.mode], biometric=True))
    try:
        login = soft.push_login.check(challenge.challenge_id, user_id=user_id)
    except SoftTokenError as error:
        demo.say(f"the computer: [{error.code}] {error.message('en')}")
        return
    demo.say(
        f"the computer: logged in; password change required: "
        f"{login.password_change_required}; certificate days left: "
        f"{login.certificate_days_left}"
    )


def chapter_soft_token_login(demo: Demo) -> None:

    demo.heading("Chapter 3: login by soft token, picture matching, first password change")
    soft = demo.softtoken
    password = demo.passwords[USER_ID]
    log_in(demo, USER_ID, password)
    new_password = password + " again"
    soft.login.change_password(
        USER_ID, current_password=password, new_password=new_password, confirm_password=new_password
    )
    demo.passwords[USER_ID] = new_password
    demo.say("password changed: please log in again")
    for mode in ("confirm", "select", "enter"):
        log_in(demo, USER_ID, new_password, soft=demo.variant(matching_mode=mode))
    log_in(demo, USER_ID, new_password, decline=True)
    demo.show_mail()
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(USER_ID))
    demo.say(f"login type now: {account.login_type.value}")


DEVICE_CHAPTERS: list[Callable[[Demo], None]] = [chapter_activation, chapter_soft_token_login]
