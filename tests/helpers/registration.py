"""Walk chapter 2 of the manual for tests: an account, and helpers that take its
registration to a given step with the Pao Tang simulator."""

from __future__ import annotations

import re

from softtoken.lifecycle.registration.machine import Registration
from softtoken.testing import Harness, Person, WalletApp

USER = "T05005000000201"
CITIZEN = "1101700207536"
OTHER_CITIZEN = "3100600123450"
EMAIL = "somchai.j@cgd.example.go.th"
FIRST, LAST = "สมชาย", "ใจดี"
CONSENT = "1"
DETAILS = Person().details()


def make_account(harness: Harness, user: str = USER, *, email: str | None = None) -> None:
    harness.softtoken.accounts.create(user_id=user, first_name=FIRST, last_name=LAST, email=email)


def code_from(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def last_code(harness: Harness, to: str = EMAIL) -> str:
    harness.deliver_mail()
    mine = [
        m
        for m in harness.mailbox.messages
        if m.to == to and m.template == "registration_email_code"
    ]
    assert mine, f"no mail to {to}"
    return code_from(mine[-1].text)


def phone_for(harness: Harness, citizen: str = CITIZEN, **kwargs: object) -> WalletApp:
    fields: dict[str, object] = {"first_name": FIRST, "last_name": LAST, **kwargs}
    return harness.wallet.enroll(citizen_id=citizen, **fields)  # type: ignore[arg-type]


def to_proofing(harness: Harness, user: str = USER, citizen: str = CITIZEN) -> Registration:
    soft = harness.softtoken
    soft.registration.start(user)
    return soft.registration.identify(
        user, citizen_id=citizen, accept_consent=True, consent_version=CONSENT
    )


def to_confirm_data(
    harness: Harness, user: str = USER, citizen: str = CITIZEN, phone: WalletApp | None = None
) -> Registration:
    soft = harness.softtoken
    to_proofing(harness, user, citizen)
    challenge = soft.registration.begin_proofing(user)
    assert challenge.qr_payload is not None
    app = phone or phone_for(harness, citizen)
    soft.proofing.callback("paotang", app.scan(challenge.qr_payload, accept_consent=True))
    return soft.registration.check_status(user)


def to_awaiting_approval(
    harness: Harness, user: str = USER, citizen: str = CITIZEN, email: str = EMAIL
) -> Registration:
    soft = harness.softtoken
    to_confirm_data(harness, user, citizen)
    soft.registration.update_details(user, email=email, **DETAILS)
    soft.registration.send_email_code(user)
    soft.registration.verify_email(user, last_code(harness, email))
    soft.registration.save(user)
    return soft.registration.confirm(user)
