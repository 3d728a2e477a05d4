"""People ready for a test: an approved registration, an activated soft token. They walk
the public API exactly as a portal and a phone would (the Pao Tang simulator proves the
identity, the reference device is the phone), so a portal's tests start where they need."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs

from softtoken.accounts._identifiers import UserId
from softtoken.accounts._officer import Officer
from softtoken.authenticator import Device, KdfParams
from softtoken.errors import NotFound
from softtoken.testing._documents import sample_pdf

if TYPE_CHECKING:
    from softtoken.testing._harness import Harness

__all__ = [
    "TEST_OFFICER",
    "Person",
    "activate_soft_token",
    "approve_registration",
    "soft_token_user",
]

#: The officer who approves the helpers' registrations (never any test person's user ID).
TEST_OFFICER = Officer(officer_id="officer.test", display_name="Test officer", roles=["officer"])

_CODE = re.compile(r"\b(\d{6})\b")


@attrs.frozen(kw_only=True)
class Person:
    """Who the helpers register; the defaults are the manual's example user."""

    user_id: str = "T05005000000201"
    citizen_id: str = "1101700207536"
    email: str = "somchai.j@cgd.example.go.th"
    first_name: str = "สมชาย"
    last_name: str = "ใจดี"
    password: str = "a long passphrase of mine"  # noqa: S105 - test data
    pin: str = "480271"
    address: str = "99 ถนนพระราม 6 แขวงพญาไท เขตพญาไท กรุงเทพฯ 10400"
    phone: str = "0812345678"
    position: str = "นักวิชาการเงินและบัญชี"
    department: str = "กรมบัญชีกลาง"
    ministry: str = "กระทรวงการคลัง"

    def details(self) -> dict[str, str]:
        """Chapter 2 step 3's fields besides the email, as the registration form and
        ``soft.registration.update_details`` name them."""
        return {
            "address": self.address, "phone": self.phone, "position": self.position,
            "department": self.department, "ministry": self.ministry,
        }  # fmt: skip


def _last_code(harness: Harness, email: str) -> str:
    harness.deliver_mail()
    for message in reversed(harness.mailbox.to(email)):
        found = (
            _CODE.search(message.text) if message.template == "registration_email_code" else None
        )
        if found:
            return found.group(1)
    msg = f"no registration code was mailed to {email}"
    raise LookupError(msg)


def approve_registration(harness: Harness, person: Person | None = None) -> None:
    """Chapter 2 steps 1 to 4 for ``person`` (the account is made if missing, with
    ``person.password``), approved by an officer: ready for activation."""
    who = person or Person()
    soft = harness.softtoken
    try:
        soft.accounts.get(who.user_id)
    except NotFound:
        soft.accounts.create(user_id=who.user_id, first_name=who.first_name,
                             last_name=who.last_name)  # fmt: skip
        temporary = soft.accounts.issue_temporary_password(who.user_id)
        soft.accounts.change_password(
            who.user_id, current_password=temporary, new_password=who.password,
            confirm_password=who.password,
        )  # fmt: skip
    settings = soft.registration.settings
    soft.registration.start(who.user_id)
    needs_order = settings.order_required(soft.accounts.get(who.user_id))
    soft.registration.identify(
        who.user_id, citizen_id=who.citizen_id, accept_consent=True,
        consent_version=settings.consent_version,
        assignment_order=sample_pdf() if needs_order else None,
    )  # fmt: skip
    challenge = soft.registration.begin_proofing(who.user_id)
    if challenge.qr_payload is None:  # pragma: no cover - the default provider has a QR code
        msg = "approve_registration needs the Pao Tang simulator as the proofing provider"
        raise LookupError(msg)
    app = harness.wallet.enroll(citizen_id=who.citizen_id, first_name=who.first_name,
                                last_name=who.last_name)  # fmt: skip
    soft.proofing.callback("paotang", app.scan(challenge.qr_payload, accept_consent=True))
    soft.registration.check_status(who.user_id)
    soft.registration.update_details(who.user_id, email=who.email, **who.details())
    soft.registration.send_email_code(who.user_id)
    soft.registration.verify_email(who.user_id, _last_code(harness, who.email))
    soft.registration.save(who.user_id)
    registration = soft.registration.confirm(who.user_id)
    if soft.registration.ready_for_activation(who.user_id) is None:
        soft.registration.approve(registration.registration_id, officer=TEST_OFFICER)


def activate_soft_token(harness: Harness, person: Person | None = None) -> Device:
    """Chapter 2 step 5 with a new reference device (cheap PIN hashing) as the phone."""
    who = person or Person()
    soft = harness.softtoken
    phone = Device.create(
        pin=who.pin, confirm_pin=who.pin, kdf=KdfParams.for_tests(), clock=harness.clock
    )
    start = soft.activation.begin(who.user_id)
    verified = soft.activation.enroll(phone.enroll(phone.scan(start.qr_payload), pin=who.pin))
    phone.install(verified.answer, pin=who.pin)
    return phone


def soft_token_user(
    harness: Harness, person: Person | None = None, *, first_login_done: bool = True
) -> Device:
    """Registered and activated: ready for ``soft.push_login``. Returns the phone. With
    ``first_login_done`` (the default) the first login's forced password change is marked
    as done in storage, so tests of later logins need not walk it again."""
    who = person or Person()
    approve_registration(harness, who)
    phone = activate_soft_token(harness, who)
    if first_login_done:
        with harness.softtoken.unit_of_work() as uow:
            account = uow.accounts.get(UserId(who.user_id))
            uow.accounts.update(attrs.evolve(account, must_change_password=False))
            uow.commit()
    return phone
