"""Demo chapters for the manual's chapter 1 (checks A and D) and chapter 2 steps 1 to 4:
the registration wizard with the Pao Tang simulator, the QR code drawn in the terminal,
the email code, and an officer's approval."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from softtoken.accounts._officer import Officer
from softtoken.cli._demo_state import CITIZEN_ID, EMAIL, USER_ID
from softtoken.errors import SoftTokenError
from softtoken.proofing.paotang import PaoTangProvider
from softtoken.testing._documents import sample_pdf
from softtoken.testing._wallet import ConsentRequired, PaoTangWallet

if TYPE_CHECKING:
    from collections.abc import Callable

    from softtoken.cli._demo_state import Demo

__all__ = ["REGISTRATION_CHAPTERS", "chapter_before_registering", "chapter_registration"]


HOLDER_USER = "T05005000000203"
_WALLETS: dict[int, PaoTangWallet] = {}
CONSENT_VERSION = "1"
DETAILS = {
    "address": "99 ถนนพระราม 6 แขวงพญาไท เขตพญาไท กรุงเทพฯ 10400",
    "phone": "0812345678",
    "position": "นักวิชาการเงินและบัญชี",
    "department": "กรมบัญชีกลาง",
    "ministry": "กระทรวงการคลัง",
}


def _wallet(demo: Demo) -> PaoTangWallet:
    """The Pao Tang simulator, trusted by the demo's portal (registered once)."""
    registry = demo.softtoken.proofing.registry
    wallet = _WALLETS.get(id(registry))
    if wallet is None:
        wallet = _WALLETS[id(registry)] = PaoTangWallet(clock=demo.clock)
        registry.register(PaoTangProvider(wallet.config(), status_api=wallet.status_api))
    return wallet


def _refused(demo: Demo, error: SoftTokenError) -> None:
    demo.say(f"refused [{error.code}]: {error.message('th')}")
    demo.say(f"          {error.message('en')}")


def chapter_before_registering(demo: Demo) -> None:
    demo.heading("Chapter 1: before registering (A: the account's holder, D: the app profile)")
    soft = demo.softtoken
    wallet = _wallet(demo)
    soft.accounts.create(user_id=HOLDER_USER, first_name="สมศักดิ์", last_name="มั่นคง")
    demo.say(f"account {HOLDER_USER} is assigned to สมศักดิ์ มั่นคง (the assignment order)")
    soft.registration.start(HOLDER_USER)
    soft.registration.identify(
        HOLDER_USER, citizen_id=CITIZEN_ID, accept_consent=True, consent_version=CONSENT_VERSION
    )
    challenge = soft.registration.begin_proofing(HOLDER_USER)
    assert challenge.qr_payload is not None  # noqa: S101 - Pao Tang always shows a QR code
    # D: a profile "awaiting further verification" cannot register.
    phone = wallet.enroll(
        citizen_id=CITIZEN_ID, first_name="สมชาย", last_name="ใจดี", verified=False
    )
    demo.say(f"proofing app profile: {phone.profile_status}")
    try:
        soft.proofing.callback("paotang", phone.scan(challenge.qr_payload, accept_consent=True))
    except SoftTokenError as error:
        _refused(demo, error)
    phone.finish_verification()
    demo.say(f"after a visit to a bank branch: {phone.profile_status}")
    soft.proofing.callback("paotang", phone.scan(challenge.qr_payload))
    # A: the proven person (สมชาย ใจดี) is not the account's holder (สมศักดิ์ มั่นคง).
    try:
        soft.registration.check_status(HOLDER_USER)
    except SoftTokenError as error:
        _refused(demo, error)
    [stopped] = soft.registration.history(HOLDER_USER)
    demo.say(
        f"registration {stopped.registration_id[:8]}... is {stopped.state.value}; the "
        "holder must first be changed (service request, chapter 7)"
    )


def chapter_registration(demo: Demo) -> None:
    demo.heading("Chapter 2, steps 1 to 4: registration with identity proofing and approval")
    soft = demo.softtoken
    wallet = _wallet(demo)
    reg = soft.registration.start(USER_ID)
    demo.say(f"wizard opened at step {reg.step} for {USER_ID}")
    order = sample_pdf(title="Assignment order")
    reg = soft.registration.identify(
        USER_ID,
        citizen_id=CITIZEN_ID,
        accept_consent=True,
        consent_version=CONSENT_VERSION,
        assignment_order=order,
    )
    demo.say(
        f"step 1: citizen ID {reg.citizen_id.masked() if reg.citizen_id else '-'}, "
        f"assignment order ({len(order)} bytes PDF), PDPA consent version "
        f"{reg.consent_version} at {reg.consent_at:%H:%M:%S}"
    )
    challenge = soft.registration.begin_proofing(USER_ID, provider="paotang")
    assert challenge.qr_payload is not None  # noqa: S101 - Pao Tang always shows a QR code
    demo.say("step 2: scan this QR code with the proofing app (other services, New GFMIS Thai):")
    print(challenge.qr_terminal(), file=demo.out)
    demo.say(f"QR payload: {challenge.qr_payload[:60]}...")
    phone = wallet.enroll(citizen_id=CITIZEN_ID, first_name="สมชาย", last_name="ใจดี")
    try:
        phone.scan(challenge.qr_payload)
    except ConsentRequired as asked:
        demo.say(f"first time only, the app asks consent to disclose: {', '.join(asked.required)}")
    assertion = phone.scan(challenge.qr_payload, accept_consent=True)
    demo.say(f"phone: {phone.screen}")
    soft.proofing.callback("paotang", assertion)
    reg = soft.registration.check_status(USER_ID)
    demo.say(f"check status: you have completed identity proofing; now at step {reg.step}")
    soft.registration.update_details(USER_ID, email=EMAIL, **DETAILS)
    issued = soft.registration.send_email_code(USER_ID)
    demo.say(f"step 3: send OTP to {issued.sent_to}")
    demo.show_mail()
    code = re.search(r"\b(\d{6})\b", demo.mailbox.messages[-1].text)
    assert code is not None  # noqa: S101 - the template has the code
    soft.registration.verify_email(USER_ID, code.group(1))
    demo.say("email verified with the OTP; save, review, confirm")
    soft.registration.save(USER_ID)
    reg = soft.registration.confirm(USER_ID)
    demo.say(f"step 4: {reg.state.value}")
    officer = Officer(officer_id="cgd-officer-01", display_name="CGD officer 1")
    reg = soft.registration.approve(reg.registration_id, officer=officer)
    demo.say(
        f"{officer.name} ({reg.decided_by}) approved: {reg.state.value}, "
        f"ready for activation: {reg.ready_for_activation}"
    )
    demo.show_mail()


REGISTRATION_CHAPTERS: list[Callable[[Demo], None]] = [
    chapter_before_registering,
    chapter_registration,
]
