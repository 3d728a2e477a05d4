"""Demo chapters for manual chapter 7: the service request form and its 7 outcomes.

Each outcome has a person of its own, registered and activated with the Pao Tang
simulator and the reference device. The form is emailed to CGD; one officer records it,
another reviews and approves it (dual control); the effect and the emails follow; the
person registers the soft token again. The officer's command line equivalents are shown.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from softtoken.accounts._identifiers import citizen_id_check_digit
from softtoken.accounts._officer import Officer
from softtoken.errors import SoftTokenError
from softtoken.lifecycle.service_requests._form import ServiceRequestFormInvalid
from softtoken.lifecycle.service_requests.machine import ServiceRequest
from softtoken.testing import (
    Harness,
    Person,
    activate_soft_token,
    approve_registration,
    service_request_form,
)
from softtoken.testing._documents import sample_pdf

if TYPE_CHECKING:
    from collections.abc import Callable

    from softtoken.authenticator import Device
    from softtoken.cli._demo_state import Demo

__all__ = ["SERVICE_REQUEST_CHAPTERS"]

#: The two officers of dual control, as the portal's staff login would supply them.
RECORDER = Officer(officer_id="cgd.records", display_name="CGD records desk", roles=["records"])
REVIEWER = Officer(officer_id="cgd.reviewer", display_name="CGD reviewer", roles=["review"])


def _harness(demo: Demo) -> Harness:
    from softtoken.cli._demo_registration import _wallet  # noqa: PLC0415 - shared simulator

    return Harness(
        softtoken=demo.softtoken, clock=demo.clock, mailbox=demo.mailbox, wallet=_wallet(demo)
    )


def _person(number: int, first: str, last: str) -> Person:
    twelve = f"3{number:02d}0100{number:05d}"[:12]
    return Person(
        user_id=f"T0500500000{700 + number:04d}",
        citizen_id=twelve + str(citizen_id_check_digit(twelve)),
        email=f"user{number}@cgd.example.go.th",
        first_name=first,
        last_name=last,
        password=f"chapter seven passphrase {number}",
    )


def _holder(demo: Demo, person: Person) -> Device:
    harness = _harness(demo)
    approve_registration(harness, person)
    phone = activate_soft_token(harness, person)
    demo.say(
        f"{person.first_name} {person.last_name} ({person.user_id}) holds a soft token, "
        f"certificate {phone.certificate_serial[:12]}..."
    )
    _skip_mail(demo)
    return phone


def _skip_mail(demo: Demo) -> None:
    """Send the registration's emails without listing them (chapter 2 shows those)."""
    demo.softtoken.mail.deliver_pending()
    demo._shown = len(demo.mailbox.messages)  # noqa: SLF001 - the demo's own mail cursor


def _process(demo: Demo, form: dict[str, object]) -> ServiceRequest:
    """The emailed form is recorded, reviewed and approved by two officers."""
    requests = demo.softtoken.service_requests
    made = requests.submit(
        form, signed_form=sample_pdf(title="Service request, signed"), officer=RECORDER
    )
    within = demo.softtoken.policy.service_request_answer_within
    demo.say(
        f"{RECORDER.name} records request {made.request_id} ({made.purpose.label('en')}); "
        f"the answer is due by {made.due_at(within):%H:%M} UTC"
    )
    demo.say(
        f"  $ softtoken officer requests submit --form form.json --signed-form signed.pdf "
        f"--officer {RECORDER.officer_id}"
    )
    requests.take(made.request_id, officer=REVIEWER)
    done = requests.approve(made.request_id, officer=REVIEWER)
    demo.say(f"{REVIEWER.name} reviews and approves it:")
    demo.say(
        f"  $ softtoken officer requests review {made.request_id} --officer {REVIEWER.officer_id}"
    )
    demo.say(
        f"  $ softtoken officer requests approve {made.request_id} --officer {REVIEWER.officer_id}"
    )
    effects = done.effects
    if effects.revocation_reason:
        demo.say(
            f"soft token revoked: {effects.revocation_reason} "
            f"(RFC 5280 reason {effects.crl_reason}), on the CRL at once"
        )
    if effects.email_changed_to:
        demo.say(f"registered email changed to {effects.email_changed_to}")
    if effects.holder_changed_to:
        demo.say(f"the account's holder is now {effects.holder_changed_to}")
    if effects.temporary_password_sent_to:
        demo.say(
            f"a random password, to be changed at first use, went to "
            f"{effects.temporary_password_sent_to}"
        )
    demo.say(f"result emailed to {done.notified_to}")
    demo.show_mail()
    return done


def _register_again(demo: Demo, person: Person) -> None:
    harness = _harness(demo)
    approve_registration(harness, person)
    phone = activate_soft_token(harness, person)
    demo.say(
        f"{person.first_name} registers again (chapter 2) and activates a new soft token: "
        f"certificate {phone.certificate_serial[:12]}..."
    )
    _skip_mail(demo)


def _refused(demo: Demo, error: SoftTokenError) -> None:
    errors = error.errors if isinstance(error, ServiceRequestFormInvalid) else (error,)
    for each in errors:
        field = getattr(each, "field", "-")
        demo.say(f"  refused {field} [{each.code}]: {each.message('th')}")
        demo.say(f"  {' ' * (len(field) + len(each.code) + 11)}{each.message('en')}")


def outcome_1_forgot_pin(demo: Demo) -> None:
    demo.heading("Chapter 7, outcome 1: forgot the PIN, the app is locked")
    person = _person(1, "สมหมาย", "ขยันยิ่ง")
    phone = _holder(demo, person)
    for _ in range(phone.max_wrong_pins):
        try:
            phone.change_pin(old_pin="000001", new_pin="135792", confirm_pin="135792")
        except SoftTokenError as error:
            last = error
    demo.say(f"ten wrong PINs on the phone: [{last.code}] {last.message('en')}")
    demo.say("a form with mistakes is refused field by field, in Thai and English:")
    try:
        demo.softtoken.service_requests.submit(
            service_request_form(
                person, ["forgot_pin", "lost_phone"], mobile="08123", unit_code="12345"
            ),
            signed_form=b"a scanned JPEG renamed .pdf",
            officer=RECORDER,
        )
    except SoftTokenError as error:
        _refused(demo, error)
    requests = demo.softtoken.service_requests
    made = requests.submit(
        service_request_form(person, "forgot_pin"), signed_form=sample_pdf(), officer=RECORDER
    )
    requests.take(made.request_id, officer=RECORDER)
    try:
        requests.approve(made.request_id, officer=RECORDER)
    except SoftTokenError as error:
        demo.say(f"{RECORDER.name} tries to approve it too: [{error.code}] {error.message('en')}")
    requests.reject(made.request_id, officer=REVIEWER, reason="a copy was sent twice")
    demo.say(f"{REVIEWER.name} rejects the duplicate with a reason, and processes the form:")
    demo.show_mail()
    _process(demo, service_request_form(person, "forgot_pin"))
    _register_again(demo, person)


def outcome_2_app_deleted(demo: Demo) -> None:
    demo.heading("Chapter 7, outcome 2: the app or its certificate was deleted")
    person = _person(2, "สมปอง", "ตั้งใจ")
    _holder(demo, person)
    _process(demo, service_request_form(person, "app_deleted"))
    _register_again(demo, person)


def outcome_3_change_phone(demo: Demo) -> None:
    demo.heading("Chapter 7, outcome 3: change of phone")
    person = _person(3, "สมพร", "ใฝ่รู้")
    _holder(demo, person)
    requests = demo.softtoken.service_requests
    late = requests.submit(
        service_request_form(person, "change_phone"), signed_form=sample_pdf(), officer=RECORDER
    )
    demo.clock.advance(timedelta(minutes=61))
    overdue = requests.overdue()
    demo.say(
        f"61 minutes later, overdue: {[r.request_id for r in overdue]} "
        f"(age {overdue[0].age(demo.clock.now())})"
    )
    demo.say("  $ softtoken officer requests list --overdue")
    requests.take(late.request_id, officer=REVIEWER)
    requests.reject(late.request_id, officer=REVIEWER, reason="sent again with a signature")
    demo.show_mail()
    _process(demo, service_request_form(person, "change_phone"))
    _register_again(demo, person)


def outcome_4_lost_phone(demo: Demo) -> None:
    demo.heading("Chapter 7, outcome 4: the phone was lost (key compromise, at once)")
    person = _person(4, "สมใจ", "รอบคอบ")
    phone = _holder(demo, person)
    _process(demo, service_request_form(person, "lost_phone"))
    [notice] = demo.softtoken.device_poll(phone.certificate_serial)
    demo.say(f"whoever has the phone: its next poll says {notice}")
    _register_again(demo, person)


def outcome_5_change_email(demo: Demo) -> None:
    demo.heading("Chapter 7, outcome 5: change of the registered email")
    person = _person(5, "สมเกียรติ", "มีสุข")
    _holder(demo, person)
    new_email = "somkiat.new@cgd.example.go.th"
    _process(
        demo, service_request_form(person, "change_email", new_email=new_email, sent_from=new_email)
    )
    demo.say("the result went to the email the form came from; the old one got a notice")
    _register_again(demo, Person(**{**_fields(person), "email": new_email}))


def _fields(person: Person) -> dict[str, str]:
    return {
        name: getattr(person, name)
        for name in ("user_id", "citizen_id", "email", "first_name", "last_name", "password", "pin")
    }


def outcome_6_holder_resigned(demo: Demo) -> None:
    demo.heading("Chapter 7, outcome 6: change of holder, the previous holder resigned")
    person = _person(6, "สมบัติ", "ลาออก")
    _holder(demo, person)
    successor = _person(16, "สมศรี", "รับช่วง")
    successor = Person(**{**_fields(successor), "user_id": person.user_id})
    _process(
        demo,
        service_request_form(
            successor,
            "holder_resigned",
            new_password="yes",  # noqa: S106 - the form's yes/no box, not a password
            new_password_email=successor.email,
            sent_from="head.of.unit@cgd.example.go.th",
        ),
    )
    text = demo.mailbox.last(successor.email, "service_request_new_holder_password").text
    emailed = text.split("New password: ")[1].split("\n")[0]
    soft = demo.softtoken
    check = soft.accounts.verify_password(person.user_id, emailed)
    demo.say(
        f"the new holder logs in with the emailed password: change required "
        f"{check.password_change_required}"
    )
    soft.accounts.change_password(
        person.user_id,
        current_password=emailed,
        new_password=successor.password,
        confirm_password=successor.password,
    )
    _register_again(demo, successor)


def outcome_7_holder_transferred(demo: Demo) -> None:
    demo.heading("Chapter 7, outcome 7: change of holder, the previous holder was transferred")
    person = _person(7, "สมคิด", "ย้ายไป")
    _holder(demo, person)
    successor = _person(17, "สมนึก", "ย้ายมา")
    successor = Person(
        **{**_fields(successor), "user_id": person.user_id, "password": person.password}
    )
    _process(demo, service_request_form(successor, "holder_transferred", new_password="no"))  # noqa: S106 - a yes/no box
    demo.say("no new password: the new holder was handed the account's password")
    _register_again(demo, successor)
    demo.say(
        f"audit: {demo.softtoken.audit.verify()} records, chain intact "
        "($ softtoken officer audit verify)"
    )


SERVICE_REQUEST_CHAPTERS: list[Callable[[Demo], None]] = [
    outcome_1_forgot_pin,
    outcome_2_app_deleted,
    outcome_3_change_phone,
    outcome_4_lost_phone,
    outcome_5_change_email,
    outcome_6_holder_resigned,
    outcome_7_holder_transferred,
]
