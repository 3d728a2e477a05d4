"""Manual chapter 2, steps 1 to 4, with chapter 1 checks A and D: the person logs in,
opens the wizard, proves identity with the Pao Tang app (simulated) or by document
review, confirms the data with an email code, and is approved or rejected. On every
storage adapter, and once through a real SMTP server."""

from __future__ import annotations

import pytest

from softtoken import Conflict, RegistrationSettings, StateError, ValidationError
from softtoken.lifecycle.registration import approve_all
from softtoken.lifecycle.registration.machine import RegistrationState
from softtoken.mail.smtp import SmtpSender
from softtoken.proofing import ProofingStatus
from softtoken.testing import (
    CONFIRMED_IN_APP,
    ConsentRequired,
    Harness,
    PaoTangWallet,
    in_memory,
    sample_pdf,
)

from ..helpers.qr import decode_png
from ..helpers.registration import (
    CITIZEN,
    CONSENT,
    DETAILS,
    EMAIL,
    FIRST,
    LAST,
    OTHER_CITIZEN,
    USER,
    code_from,
    last_code,
    make_account,
    phone_for,
    to_awaiting_approval,
    to_confirm_data,
    to_proofing,
)
from ..helpers.smtp import SmtpTestServer

S = RegistrationState


def walk_steps_1_to_4(harness: Harness, read_code) -> None:  # type: ignore[no-untyped-def]  # noqa: PLR0915 - the manual's steps, in order
    soft = harness.softtoken
    make_account(harness)
    # Log in with user ID and password, then open the registration wizard.
    password = soft.accounts.issue_temporary_password(USER)
    assert soft.accounts.verify_password(USER, password).account.user_id.value == USER
    reg = soft.registration.start(USER)
    assert (reg.state, reg.step) == (S.IDENTIFY, 1)
    assert soft.registration.needs_assignment_order(USER) is False

    # Step 1: citizen ID, PDPA consent ("I accept and have read the terms in full").
    reg = soft.registration.identify(
        USER, citizen_id="1-1017-00207-53-6", accept_consent=True, consent_version=CONSENT
    )
    assert (reg.state, reg.step) == (S.PROOFING, 2)
    assert reg.consent_version == CONSENT
    assert reg.consent_at == harness.clock.now()

    # Step 2: the screen shows a QR code; the phone scans it with the proofing app.
    challenge = soft.registration.begin_proofing(USER, provider="paotang")
    assert challenge.qr_payload is not None
    assert decode_png(challenge.qr_png()) == [challenge.qr_payload]
    phone = phone_for(harness)
    assert phone.profile_status.startswith("ยืนยันตัวตนแล้ว")  # chapter 1 D: verified
    with pytest.raises(ConsentRequired) as asked:  # first time only: consent to disclose
        phone.scan(challenge.qr_payload)
    assert "citizen_id" in asked.value.required
    assertion = phone.scan(challenge.qr_payload, accept_consent=True)
    assert phone.screen == CONFIRMED_IN_APP
    soft.proofing.callback("paotang", assertion)  # the wallet reached the portal's callback
    # "Check status": "you have completed identity proofing".
    reg = soft.registration.check_status(USER)
    assert (reg.state, reg.step) == (S.CONFIRM_DATA, 3)
    assert reg.identity is not None
    assert (reg.identity.first_name, reg.identity.last_name) == (FIRST, LAST)
    assert reg.identity.citizen_id.value == CITIZEN

    # Step 3: address, email with an OTP, the required fields; save, review, confirm.
    soft.registration.update_details(USER, email=EMAIL, **DETAILS)
    issued = soft.registration.send_email_code(USER)
    assert issued.sent_to == EMAIL
    reg = soft.registration.verify_email(USER, read_code())
    assert reg.email_is_verified
    reg = soft.registration.save(USER)
    assert reg.state is S.REVIEW
    reg = soft.registration.edit(USER)  # go back and edit, then save again
    assert reg.state is S.CONFIRM_DATA
    soft.registration.save(USER)
    reg = soft.registration.confirm(USER)
    assert (reg.state, reg.step) == (S.AWAITING_APPROVAL, 4)

    # Step 4: an officer approves; the email "registration status confirmed" arrives.
    assert [r.registration_id for r in soft.registration.awaiting_approval()] == [
        reg.registration_id
    ]
    reg = soft.registration.approve(reg.registration_id, officer="cgd01")
    assert reg.state is S.APPROVED
    assert reg.ready_for_activation
    account = soft.accounts.get(USER)
    assert account.registration_completed
    assert account.citizen_id is not None
    assert account.citizen_id.value == CITIZEN
    assert account.email is not None
    assert account.email.value == EMAIL
    # What the activation (step 5) finds, and how it closes the registration.
    ready = soft.registration.ready_for_activation(USER)
    assert ready is not None
    assert ready.registration_id == reg.registration_id
    done = soft.registration.mark_activated(reg.registration_id, actor="activation")
    assert done.state is S.ACTIVATED
    assert soft.registration.ready_for_activation(USER) is None
    assert soft.registration.current(USER) is None
    assert soft.audit.verify() > 10


def test_steps_1_to_4_on_every_adapter(harness: Harness) -> None:
    walk_steps_1_to_4(harness, lambda: last_code(harness))
    harness.deliver_mail()
    approved = [m for m in harness.mailbox.messages if m.template == "registration_approved"]
    assert len(approved) == 1
    assert approved[0].to == EMAIL
    assert "registration status confirmed" in approved[0].subject


def test_steps_1_to_4_through_a_real_smtp_server(smtp_server: SmtpTestServer) -> None:
    sender = SmtpSender(
        host=smtp_server.host,
        port=smtp_server.port,
        sender="softtoken@cgd.example.go.th",
        security="none",
    )
    harness = in_memory(email_sender=sender)

    def read_code() -> str:
        harness.deliver_mail()
        [message] = smtp_server.to(EMAIL)
        return code_from(SmtpTestServer.body(message))

    walk_steps_1_to_4(harness, read_code)
    harness.deliver_mail()
    subjects = [str(m["Subject"]) for m in smtp_server.to(EMAIL)]
    assert len(subjects) == 2
    assert "registration status confirmed" in subjects[1]


def test_automatic_approval_shows_proceed_at_once() -> None:
    wallet_harness = in_memory()
    wallet = wallet_harness.wallet
    harness = in_memory(
        clock=wallet_harness.clock,
        registration=RegistrationSettings(
            paotang=wallet.config(),
            paotang_status_api=wallet.status_api,
            approval_rule=approve_all,
        ),
    )
    harness = Harness(
        softtoken=harness.softtoken, clock=harness.clock, mailbox=harness.mailbox, wallet=wallet
    )
    make_account(harness)
    reg = to_awaiting_approval(harness)
    assert reg.state is S.APPROVED
    assert reg.approved_automatically
    assert harness.softtoken.accounts.get(USER).registration_completed


def test_rejection_gives_the_reason_and_the_person_starts_again(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    reg = to_awaiting_approval(harness)
    with pytest.raises(ValidationError) as no_reason:
        soft.registration.reject(reg.registration_id, officer="cgd01", reason="  ")
    assert no_reason.value.code == "rejection_reason_required"
    rejected = soft.registration.reject(
        reg.registration_id, officer="cgd01", reason="หนังสือมอบหมายไม่ถูกต้อง"
    )
    assert rejected.state is S.REJECTED
    assert soft.registration.current(USER) is None
    harness.deliver_mail()
    [mail] = [m for m in harness.mailbox.messages if m.template == "registration_rejected"]
    assert "หนังสือมอบหมายไม่ถูกต้อง" in mail.text
    assert not soft.accounts.get(USER).registration_completed
    again = soft.registration.start(USER)
    assert (again.state, again.step) == (S.IDENTIFY, 1)
    assert again.registration_id != reg.registration_id
    assert len(soft.registration.history(USER)) == 2


def test_chapter1_d_awaiting_further_verification(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    to_proofing(harness)
    challenge = soft.registration.begin_proofing(USER)
    assert challenge.qr_payload is not None
    phone = phone_for(harness, verified=False)
    assert phone.profile_status.startswith("รอการยืนยันตัวตนเพิ่มเติม")
    with pytest.raises(StateError) as refused:
        soft.proofing.callback("paotang", phone.scan(challenge.qr_payload, accept_consent=True))
    assert refused.value.code == "proofing_wallet_unverified"
    assert "bank branch" in refused.value.message("en")
    assert soft.registration.current(USER).state is S.PROOFING  # type: ignore[union-attr]
    # Verified at a bank branch, the person scans again and goes on.
    phone.finish_verification()
    soft.proofing.callback("paotang", phone.scan(challenge.qr_payload))
    assert soft.registration.check_status(USER).state is S.CONFIRM_DATA


def test_chapter1_a_holder_mismatch_stops_registration(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    someone_else = phone_for(harness, first_name="สมหญิง", last_name="รักดี")
    with pytest.raises(StateError) as stopped:
        to_confirm_data(harness, phone=someone_else)
    assert stopped.value.code == "holder_mismatch"
    assert "holder must first be changed" in stopped.value.message("en")
    [reg] = soft.registration.history(USER)
    assert reg.state is S.STOPPED
    failures = [
        r.entry for r in soft.audit.records() if r.entry.action == "registration.holder_mismatch"
    ]
    assert [e.outcome for e in failures] == ["failure"]
    assert soft.registration.current(USER) is None  # once the holder changed: step 1 again


def test_check_status_polls_the_provider_without_a_callback(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    to_proofing(harness)
    challenge = soft.registration.begin_proofing(USER)
    with pytest.raises(StateError) as pending:
        soft.registration.check_status(USER)
    assert pending.value.code == "proofing_pending"
    assert challenge.qr_payload is not None
    phone_for(harness).scan(challenge.qr_payload, accept_consent=True)  # no callback came
    assert soft.registration.check_status(USER).state is S.CONFIRM_DATA


def test_document_review_path(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    to_proofing(harness)
    challenge = soft.registration.begin_proofing(USER, provider="document_review")
    assert challenge.qr_payload is None
    soft.proofing.submit_documents(
        challenge.proofing_id,
        id_card_copy=sample_pdf(title="ID card"),
        signed_letter=sample_pdf(title="Letter"),
    )
    [queued] = soft.proofing.awaiting_review()
    assert queued.proofing_id == challenge.proofing_id
    assert soft.proofing.document(queued.proofing_id, "signed_letter").startswith(b"%PDF-")
    with pytest.raises(StateError):
        soft.registration.check_status(USER)
    soft.proofing.confirm_documents(
        challenge.proofing_id,
        officer="cgd02",
        citizen_id=CITIZEN,
        first_name=FIRST,
        last_name=LAST,
    )
    reg = soft.registration.check_status(USER)
    assert reg.state is S.CONFIRM_DATA
    assert reg.identity is not None
    assert reg.identity.provider == "document_review"


def test_declined_documents_need_a_new_proofing(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    to_proofing(harness)
    challenge = soft.registration.begin_proofing(USER, provider="document_review")
    soft.proofing.decline_documents(challenge.proofing_id, officer="cgd02", reason="unreadable")
    assert soft.proofing.get(challenge.proofing_id).status is ProofingStatus.FAILED
    with pytest.raises(StateError) as declined:
        soft.registration.check_status(USER)
    assert declined.value.code == "proofing_declined"
    soft.registration.begin_proofing(USER)  # try again, with the app this time
    assert soft.registration.current(USER).state is S.PROOFING  # type: ignore[union-attr]


def test_assignment_order_when_the_deployment_asks(harness: Harness) -> None:
    wallet = PaoTangWallet(clock=harness.clock)
    asking = in_memory(
        clock=harness.clock,
        registration=RegistrationSettings(paotang=wallet.config(), assignment_order_required=True),
    )
    soft = asking.softtoken
    make_account(asking)
    soft.registration.start(USER)
    assert soft.registration.needs_assignment_order(USER) is True
    with pytest.raises(ValidationError) as missing:
        soft.registration.identify(
            USER, citizen_id=CITIZEN, accept_consent=True, consent_version=CONSENT
        )
    assert missing.value.code == "assignment_order_required"
    order = sample_pdf(size=10 * 1024 * 1024)  # exactly the limit
    reg = soft.registration.identify(
        USER,
        citizen_id=CITIZEN,
        accept_consent=True,
        consent_version=CONSENT,
        assignment_order=order,
    )
    assert reg.state is S.PROOFING
    assert soft.registration.assignment_order(reg.registration_id) == order


def test_back_from_step_2_to_fix_the_citizen_id(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    to_proofing(harness, citizen=OTHER_CITIZEN)  # mistyped
    reg = soft.registration.back(USER)
    assert reg.state is S.IDENTIFY
    reg = soft.registration.identify(
        USER, citizen_id=CITIZEN, accept_consent=True, consent_version=CONSENT
    )
    assert reg.citizen_id is not None
    assert reg.citizen_id.value == CITIZEN


def test_resume_and_abandon(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    reg = to_confirm_data(harness)
    # The person leaves and logs in again: the wizard opens at step 3.
    harness.clock.advance(soft.policy.registration_abandoned_after / 2)
    resumed = soft.registration.start(USER)
    assert (resumed.registration_id, resumed.step) == (reg.registration_id, 3)
    harness.clock.advance(soft.policy.registration_abandoned_after)
    with pytest.raises(StateError) as expired:
        soft.registration.save(USER)
    assert expired.value.code == "registration_expired"
    assert soft.registration.expire_abandoned() == 1
    assert soft.registration.get(reg.registration_id).state is S.EXPIRED
    fresh = soft.registration.start(USER)
    assert fresh.step == 1


def test_an_email_of_another_citizen_is_refused(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    to_awaiting_approval(harness)
    other = "T05005000000202"
    make_account(harness, other)
    to_confirm_data(harness, other, OTHER_CITIZEN, phone=phone_for(harness, OTHER_CITIZEN))
    # Told only once the code proves the address is the person's (issue 12, L3).
    soft.registration.update_details(other, email=EMAIL)
    soft.registration.send_email_code(other)
    with pytest.raises(Conflict) as taken:
        soft.registration.verify_email(other, last_code(harness, EMAIL))
    assert taken.value.code == "email_taken"
