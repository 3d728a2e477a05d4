"""Chapter 7 for tests: a filled-in service request form, two officers who process it,
a harness whose mail goes through a real SMTP server, and the person registering again."""

from __future__ import annotations

from email.message import EmailMessage as MimeMessage
from typing import Any

import attrs

from softtoken.authenticator import Device
from softtoken.lifecycle.login._push import SoftTokenLogin
from softtoken.lifecycle.service_requests.machine import ServiceRequest
from softtoken.mail import EmailMessage, MemoryMailbox, SmtpSender
from softtoken.ports import Storage
from softtoken.testing import (
    Harness,
    Person,
    activate_soft_token,
    approve_registration,
    in_memory,
    sample_pdf,
    service_request_form,
)

from .smtp import SmtpTestServer

RECORDER = "recorder.a"  # types in the emailed form
REVIEWER = "reviewer.b"  # reviews and approves (dual control: not the recorder)
OTHER_CITIZEN = "3100600123450"


def form_for(person: Person, purpose: str | list[str], **changes: object) -> dict[str, object]:
    """The form as the person fills it in: parts 1 to 3 and the address it came from."""
    return service_request_form(person, purpose, **changes)


def signed_pdf() -> bytes:
    return sample_pdf(title="Service request form, signed")


def submit_and_approve(harness: Harness, form: dict[str, object]) -> ServiceRequest:
    """One officer records the emailed form; another takes it into review and approves."""
    requests = harness.softtoken.service_requests
    request = requests.submit(form, signed_form=signed_pdf(), officer=RECORDER)
    requests.take(request.request_id, officer=REVIEWER)
    return requests.approve(request.request_id, officer=REVIEWER)


@attrs.define
class _Tee:
    """Every message through the real SMTP server, and a copy in the harness mailbox so
    the registration helpers can read their email codes."""

    smtp: SmtpSender
    copy: MemoryMailbox | None = None

    def send(self, message: EmailMessage) -> None:
        self.smtp.send(message)
        if self.copy is not None:
            self.copy.send(message)


def smtp_harness(storage: Storage, server: SmtpTestServer) -> Harness:
    sender = SmtpSender(
        host=server.host, port=server.port, sender="softtoken@cgd.example.go.th", security="none"
    )
    tee = _Tee(sender)
    harness = in_memory(storage=storage, email_sender=tee)
    tee.copy = harness.mailbox
    return harness


def received(server: SmtpTestServer, to: str, template: str) -> list[MimeMessage]:
    """What the SMTP server received for ``to`` from ``template``."""
    return [m for m in server.to(to) if m["X-Softtoken-Template"] == template]


def register_again(harness: Harness, person: Person) -> Device:
    """Chapter 2 again: the wizard with the proofing app, approval, a new activation."""
    approve_registration(harness, person)
    return activate_soft_token(harness, person)


def log_in(harness: Harness, phone: Device, person: Person) -> SoftTokenLogin:
    """ "Login by Soft Token": password, then the phone's approval."""
    soft = harness.softtoken
    challenge = soft.push_login.begin(person.user_id, person.password)
    [item] = soft.push_login.pending_for_device(phone.certificate_serial)
    answer: Any = {"confirm": None, "select": challenge.picture.id, "enter": challenge.code}
    soft.push_login.respond(phone.approve(item, pin=person.pin, answer=answer[challenge.mode]))
    return soft.push_login.check(challenge.challenge_id, user_id=person.user_id)
