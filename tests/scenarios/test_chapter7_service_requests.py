"""Manual chapter 7: the 7 outcomes of the service request form, on every storage
adapter, every email through a real SMTP server, each ending where the manual ends it:
the person (or the new holder) registers the soft token again and logs in with it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography import x509

from softtoken import AuthenticationError, StateError
from softtoken.authenticator import Device
from softtoken.lifecycle.registration.store import EmailBindings
from softtoken.ports import Storage
from softtoken.testing import Harness, Person, soft_token_user

from ..helpers.service_requests import (
    OTHER_CITIZEN,
    RECORDER,
    REVIEWER,
    form_for,
    log_in,
    received,
    register_again,
    signed_pdf,
    smtp_harness,
    submit_and_approve,
)
from ..helpers.smtp import SmtpTestServer

F = x509.ReasonFlags
SOMCHAI = Person()


@pytest.fixture
def user(storage: Storage, smtp_server: SmtpTestServer) -> tuple[Harness, Device]:
    harness = smtp_harness(storage, smtp_server)
    phone = soft_token_user(harness, SOMCHAI)
    harness.deliver_mail()
    return harness, phone


def crl_reason(harness: Harness, serial: str) -> x509.ReasonFlags:
    [entry] = [e for e in harness.softtoken.ca.crl() if format(e.serial_number, "x") == serial]
    return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason


def assert_revoked(
    harness: Harness,
    phone: Device,
    reason: str,
    flag: x509.ReasonFlags,
    *,
    password: str | None = SOMCHAI.password,
) -> None:
    """The certificate is on the CRL with its RFC 5280 reason, the device learns it at
    its next poll, the binding ended and the account must register again."""
    soft = harness.softtoken
    serial = phone.certificate_serial
    assert crl_reason(harness, serial) == flag
    assert soft.device_poll(serial) == [{"v": 1, "type": "revoked", "reason": reason}]
    events = [(e.event.value, e.detail) for e in soft.revocation.history(SOMCHAI.user_id)]
    assert events[-1] == ("revoked", reason)
    account = soft.accounts.get(SOMCHAI.user_id)
    assert account.login_type.value == "password"
    assert not account.registration_completed
    if password is not None:
        with pytest.raises(StateError) as no_login:
            soft.push_login.begin(SOMCHAI.user_id, password)
        assert no_login.value.code == "soft_token_not_active"


def result_mail(harness: Harness, server: SmtpTestServer, to: str, template: str) -> str:
    harness.deliver_mail()
    [message] = received(server, to, template)
    return server.body(message)


def ends_registered_again(harness: Harness, person: Person) -> None:
    phone = register_again(harness, person)
    login = log_in(harness, phone, person)
    assert login.certificate_serial == phone.certificate_serial
    assert harness.softtoken.accounts.get(person.user_id).registration_completed


# --- outcomes 1 and 2: the app cannot be used ------------------------------------------


def test_outcome_1_forgot_pin_app_locked(
    user: tuple[Harness, Device], smtp_server: SmtpTestServer
) -> None:
    harness, phone = user
    for _ in range(phone.max_wrong_pins - 1):
        with pytest.raises(AuthenticationError):
            phone.change_pin(old_pin="000001", new_pin="135792", confirm_pin="135792")
    with pytest.raises(StateError) as locked:
        phone.change_pin(old_pin="000001", new_pin="135792", confirm_pin="135792")
    assert locked.value.code == "device_locked"

    done = submit_and_approve(harness, form_for(SOMCHAI, "forgot_pin"))
    assert (done.state.value, done.decision and done.decision.value) == ("notified", "approved")
    assert done.effects.crl_reason == 4
    assert_revoked(harness, phone, "forgot_pin", F.superseded)
    body = result_mail(harness, smtp_server, SOMCHAI.email, "service_request_done")
    assert done.request_id in body
    assert "register a soft token again" in body
    ends_registered_again(harness, SOMCHAI)


def test_outcome_2_app_or_certificate_deleted(
    user: tuple[Harness, Device], smtp_server: SmtpTestServer
) -> None:
    harness, phone = user
    submit_and_approve(harness, form_for(SOMCHAI, "app_deleted"))
    assert_revoked(harness, phone, "app_deleted", F.superseded)
    result_mail(harness, smtp_server, SOMCHAI.email, "service_request_done")
    ends_registered_again(harness, SOMCHAI)


# --- outcomes 3 and 4: the existing holder's phone -----------------------------------------


def test_outcome_3_change_phone(user: tuple[Harness, Device], smtp_server: SmtpTestServer) -> None:
    harness, phone = user
    submit_and_approve(harness, form_for(SOMCHAI, "change_phone"))
    assert_revoked(harness, phone, "new_phone", F.superseded)
    result_mail(harness, smtp_server, SOMCHAI.email, "service_request_done")
    ends_registered_again(harness, SOMCHAI)


def test_outcome_4_lost_phone_is_key_compromise_at_once(
    user: tuple[Harness, Device], smtp_server: SmtpTestServer
) -> None:
    harness, phone = user
    soft = harness.softtoken
    # A login the finder of the phone could approve is waiting when the form arrives.
    soft.push_login.begin(SOMCHAI.user_id, SOMCHAI.password)
    [waiting] = soft.push_login.pending_for_device(phone.certificate_serial)
    done = submit_and_approve(harness, form_for(SOMCHAI, "lost_phone"))
    assert done.effects.revoked_serials == (phone.certificate_serial,)
    assert done.effects.crl_reason == 1
    assert_revoked(harness, phone, "lost_phone", F.key_compromise)
    with pytest.raises(AuthenticationError):
        soft.push_login.respond(phone.approve(waiting, pin=SOMCHAI.pin, answer=None))
    result_mail(harness, smtp_server, SOMCHAI.email, "service_request_done")
    ends_registered_again(harness, SOMCHAI)


# --- outcome 5: change of the registered email -----------------------------------------------


def test_outcome_5_change_email_result_goes_to_the_sender(
    user: tuple[Harness, Device], smtp_server: SmtpTestServer
) -> None:
    harness, phone = user
    soft = harness.softtoken
    new_email = "somchai.new@cgd.example.go.th"
    form = form_for(SOMCHAI, "change_email", new_email=new_email, sent_from=new_email)
    done = submit_and_approve(harness, form)
    assert done.notified_to == new_email
    assert done.effects.email_changed_to == new_email
    assert_revoked(harness, phone, "email_changed", F.superseded)
    assert soft.accounts.get(SOMCHAI.user_id).email.value == new_email  # type: ignore[union-attr]
    # The email's binding to the citizen ID moved with it: the old address is free.
    with soft.unit_of_work() as uow:
        bindings = uow.repository(EmailBindings)
        assert bindings.find_by_key(SOMCHAI.email) is None
        moved = bindings.find_by_key(new_email)
        assert moved is not None
        assert moved.citizen_id.value == SOMCHAI.citizen_id
    body = result_mail(harness, smtp_server, new_email, "service_request_done")
    assert new_email in body
    assert not received(smtp_server, SOMCHAI.email, "service_request_done")
    notice = result_mail(harness, smtp_server, SOMCHAI.email, "service_request_email_changed")
    assert "so*****" in notice
    ends_registered_again(harness, Person(email=new_email))


# --- outcomes 6 and 7: change of holder ----------------------------------------------------


def test_outcome_6_holder_resigned_new_password_to_the_named_email(
    user: tuple[Harness, Device], smtp_server: SmtpTestServer
) -> None:
    harness, phone = user
    soft = harness.softtoken
    new_holder = Person(
        first_name="สมหญิง",
        last_name="รักงาน",
        citizen_id=OTHER_CITIZEN,
        email="somying.r@cgd.example.go.th",
        password="the new holder's own passphrase",
    )
    form = form_for(
        new_holder,
        "holder_resigned",
        new_password="yes",
        new_password_email=new_holder.email,
        sent_from="head.of.unit@cgd.example.go.th",
    )
    done = submit_and_approve(harness, form)
    assert done.effects.holder_changed_to == "สมหญิง รักงาน"
    assert done.effects.temporary_password_sent_to == new_holder.email
    assert_revoked(harness, phone, "holder_resigned", F.cessation_of_operation, password=None)
    account = soft.accounts.get(SOMCHAI.user_id)
    assert (account.first_name, account.last_name) == ("สมหญิง", "รักงาน")
    assert account.citizen_id is None
    assert account.must_change_password
    assert (
        account.password_expires_at == harness.clock.now() + soft.policy.temporary_password_lifetime
    )
    # The old holder's password is gone; the emailed one must be changed at first use.
    with pytest.raises(AuthenticationError):
        soft.accounts.verify_password(SOMCHAI.user_id, SOMCHAI.password)
    body = result_mail(
        harness, smtp_server, new_holder.email, "service_request_new_holder_password"
    )
    password = body.split("รหัสผ่านใหม่: ")[1].split("\n")[0]
    assert f"New password: {password}" in body
    assert soft.accounts.verify_password(SOMCHAI.user_id, password).password_change_required
    # The password never reached the audit log or the officer.
    assert password not in str(soft.audit.export())
    soft.accounts.change_password(
        SOMCHAI.user_id,
        current_password=password,
        new_password=new_holder.password,
        confirm_password=new_holder.password,
    )
    # The old holder hears of the revocation at the old registered email.
    assert received(smtp_server, SOMCHAI.email, "soft_token_revoked")
    ends_registered_again(harness, new_holder)


def test_outcome_7_holder_transferred_password_known(
    user: tuple[Harness, Device], smtp_server: SmtpTestServer
) -> None:
    harness, phone = user
    soft = harness.softtoken
    new_holder = Person(
        first_name="สมศักดิ์",
        last_name="มั่นคง",
        citizen_id=OTHER_CITIZEN,
        email="somsak.m@cgd.example.go.th",
    )
    done = submit_and_approve(
        harness, form_for(new_holder, "holder_transferred", new_password="no")
    )
    assert done.effects.temporary_password_sent_to is None
    assert done.notified_to == new_holder.email
    assert_revoked(harness, phone, "holder_transferred", F.affiliation_changed)
    # No new password: the one the new holder was handed still works.
    assert not soft.accounts.verify_password(
        SOMCHAI.user_id, SOMCHAI.password
    ).password_change_required
    body = result_mail(harness, smtp_server, new_holder.email, "service_request_done")
    assert "สมศักดิ์ มั่นคง" in body
    ends_registered_again(harness, new_holder)


def test_dual_control_and_nothing_happens_twice(
    user: tuple[Harness, Device], smtp_server: SmtpTestServer
) -> None:
    harness, phone = user
    requests = harness.softtoken.service_requests
    request = requests.submit(
        form_for(SOMCHAI, "lost_phone"), signed_form=signed_pdf(), officer=RECORDER
    )
    with pytest.raises(StateError) as early:
        requests.approve(request.request_id, officer=REVIEWER)
    assert early.value.code == "service_request_not_in_review"
    requests.take(request.request_id, officer=RECORDER)
    with pytest.raises(StateError) as same:
        requests.approve(request.request_id, officer=RECORDER)
    assert same.value.code == "service_request_dual_control"
    assert harness.softtoken.ca.get(phone.certificate_serial).status.value == "active"
    requests.approve(request.request_id, officer=REVIEWER)
    rid = request.request_id
    again: list[Callable[[], object]] = [
        lambda: requests.approve(rid, officer="third.officer"),
        lambda: requests.reject(rid, officer=REVIEWER, reason="late"),
        lambda: requests.take(rid, officer=REVIEWER),
    ]
    for call in again:
        with pytest.raises(StateError) as closed:
            call()
        assert closed.value.code == "service_request_closed"
    revocations = [
        r for r in harness.softtoken.audit.export() if r["action"] == "certificate.revoke"
    ]
    assert len(revocations) == 1
    harness.deliver_mail()
    assert len(received(smtp_server, SOMCHAI.email, "service_request_done")) == 1


def test_a_change_of_holder_cancels_the_previous_holders_approved_registration(
    storage: Storage,
) -> None:
    """The old holder revoked the soft token and was approved to register again, but a
    change of holder came first: the old holder must not be able to activate."""
    from softtoken.testing import approve_registration, in_memory

    harness = in_memory(storage=storage)
    soft = harness.softtoken
    soft_token_user(harness, SOMCHAI)
    soft.revocation.revoke(SOMCHAI.user_id, reason="new_phone")
    approve_registration(harness, SOMCHAI)
    assert soft.registration.ready_for_activation(SOMCHAI.user_id) is not None
    new_holder = Person(first_name="สมศักดิ์", last_name="มั่นคง", citizen_id=OTHER_CITIZEN,
                        email="somsak.m@cgd.example.go.th")  # fmt: skip
    submit_and_approve(harness, form_for(new_holder, "holder_resigned", new_password="no"))
    assert soft.registration.ready_for_activation(SOMCHAI.user_id) is None
    with pytest.raises(StateError) as caught:
        soft.activation.begin(SOMCHAI.user_id)
    assert caught.value.code == "registration_not_approved"
    cancelled = [r for r in soft.audit.records() if r.entry.action == "registration.cancel"]
    assert cancelled[-1].entry.details["reason"] == "service_request"
    ends_registered_again(harness, new_holder)
