"""Issue 12, the registration and officer findings (M3, M6, L2, L3, L6, L7): each test
shows the attack refused and the legitimate request still working, on every storage
adapter where storage matters."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from softtoken import Conflict, Policy, RegistrationSettings, StateError, ValidationError
from softtoken.accounts._identifiers import CitizenId, UserId
from softtoken.lifecycle.registration import approve_when_assured
from softtoken.lifecycle.registration.machine import RegistrationState
from softtoken.ports import Storage
from softtoken.proofing import AssuranceLevel, FileSystemDocumentStore
from softtoken.storage.memory import MemoryStorage
from softtoken.testing import (
    Harness,
    PaoTangWallet,
    Person,
    approve_registration,
    in_memory,
    sample_pdf,
)

from ..helpers.registration import (
    CITIZEN,
    CONSENT,
    DETAILS,
    EMAIL,
    FIRST,
    LAST,
    OTHER_CITIZEN,
    USER,
    last_code,
    make_account,
    phone_for,
    to_awaiting_approval,
    to_confirm_data,
    to_proofing,
)
from ..helpers.service_requests import RECORDER, REVIEWER, form_for, signed_pdf

S = RegistrationState
OLD_EMAIL = "somchai.old@cgd.example.go.th"
SOMCHAI = Person()


def harness_with(storage: Storage, policy: Policy | None = None, **settings: object) -> Harness:
    """A harness on ``storage`` whose registration settings add ``settings``."""
    probe = in_memory()
    wallet = PaoTangWallet(clock=probe.clock)
    made = in_memory(
        storage=storage,
        policy=policy,
        clock=probe.clock,
        registration=RegistrationSettings(
            paotang=wallet.config(),
            paotang_status_api=wallet.status_api,
            **settings,  # type: ignore[arg-type]
        ),
    )
    return Harness(softtoken=made.softtoken, clock=made.clock, mailbox=made.mailbox, wallet=wallet)


def mails(harness: Harness, to: str, template: str) -> list[str]:
    harness.deliver_mail()
    return [m.text for m in harness.mailbox.to(to) if m.template == template]


def document_count(harness: Harness) -> int:
    with harness.softtoken.unit_of_work() as uow:
        return len(uow.transaction.select("st_documents", []))


# --- M3: the citizen ID on file ---------------------------------------------------------


def test_m3_a_different_citizen_id_cannot_register_on_an_account_with_one(
    harness: Harness,
) -> None:
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name=FIRST, last_name=LAST, citizen_id=CITIZEN)
    soft.registration.start(USER)
    # Someone else, proving their own citizen ID with the same names: refused at step 1.
    with pytest.raises(ValidationError) as refused:
        soft.registration.identify(
            USER, citizen_id=OTHER_CITIZEN, accept_consent=True, consent_version=CONSENT
        )
    assert refused.value.code == "citizen_id_not_on_file"
    assert refused.value.field == "citizen_id"
    assert soft.registration.current(USER).state is S.IDENTIFY  # type: ignore[union-attr]
    # The holder on file registers.
    reg = to_awaiting_approval(harness)
    assert reg.state is S.AWAITING_APPROVAL
    assert reg.citizen_id is not None
    assert reg.citizen_id.value == CITIZEN


def test_m3_the_citizen_id_on_file_is_checked_again_at_approval(harness: Harness) -> None:
    """An account given a citizen ID after step 1 (by an officer's import, say) is not
    overwritten by the approval of a registration that proved another one."""
    soft = harness.softtoken
    make_account(harness)
    reg = to_awaiting_approval(harness, citizen=OTHER_CITIZEN)
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(USER))
        uow.accounts.update(attrs.evolve(account, citizen_id=CitizenId.parse(CITIZEN)))
        uow.commit()
    with pytest.raises(StateError) as refused:
        soft.registration.approve(reg.registration_id, officer="cgd.officer")
    assert refused.value.code == "citizen_id_not_on_file"
    assert soft.registration.get(reg.registration_id).state is S.AWAITING_APPROVAL
    assert soft.accounts.get(USER).citizen_id.value == CITIZEN  # type: ignore[union-attr]


def test_m3_approval_that_changes_the_email_tells_the_previous_address(
    harness: Harness,
) -> None:
    soft = harness.softtoken
    soft.accounts.create(
        user_id=USER, first_name=FIRST, last_name=LAST, email=OLD_EMAIL, citizen_id=CITIZEN
    )
    reg = to_awaiting_approval(harness)  # the person confirms a new address, EMAIL
    soft.registration.approve(reg.registration_id, officer="cgd.officer")
    assert soft.accounts.get(USER).email.value == EMAIL  # type: ignore[union-attr]
    [notice] = mails(harness, OLD_EMAIL, "registration_email_changed")
    assert USER in notice
    assert EMAIL not in notice  # masked: the old address learns a change, not the new one
    # Keeping the same address sends no such notice.
    other = Person(user_id="T05005000000202", email="same@cgd.example.go.th",
                   citizen_id=OTHER_CITIZEN)  # fmt: skip
    soft.accounts.create(user_id=other.user_id, first_name=FIRST, last_name=LAST,
                         email=other.email)  # fmt: skip
    approve_registration(harness, other)
    assert mails(harness, other.email, "registration_email_changed") == []


# --- M6: officers are typed, normalised identities -----------------------------------------


def test_m6_officer_value_is_normalised() -> None:
    from softtoken import Officer

    alice = Officer(officer_id=" Alice.W ", display_name="Alice W.", roles=["Registration"])
    assert alice.officer_id == "alice.w"
    assert alice.roles == frozenset({"registration"})
    assert alice.actor == "officer:alice.w"
    assert Officer.parse("ALICE.W") == Officer.parse("alice.w")
    assert Officer.parse(alice) is alice
    for bad in ("", "   ", None, 42, "a b", "x" * 100):
        with pytest.raises(ValidationError) as refused:
            Officer.parse(bad)
        assert refused.value.code == "officer_required"


def test_m6_dual_control_compares_normalised_officers(harness: Harness) -> None:
    requests = harness.softtoken.service_requests
    approve_registration(harness, SOMCHAI)
    made = requests.submit(
        form_for(SOMCHAI, "change_phone"), signed_form=signed_pdf(), officer="Alice"
    )
    requests.take(made.request_id, officer="alice")
    with pytest.raises(StateError) as refused:
        requests.approve(made.request_id, officer="ALICE")
    assert refused.value.code == "service_request_dual_control"
    # Another officer may.
    requests.take(made.request_id, officer=REVIEWER)
    with pytest.raises(StateError) as no_token:  # approved, then nothing to revoke
        requests.approve(made.request_id, officer=REVIEWER)
    assert no_token.value.code == "soft_token_not_active"


def test_m6_nobody_approves_their_own_registration(harness: Harness) -> None:
    from softtoken import Officer

    soft = harness.softtoken
    make_account(harness)
    reg = to_awaiting_approval(harness)
    for me in (USER, USER.lower(), Officer(officer_id=USER, display_name="me")):
        with pytest.raises(StateError) as refused:
            soft.registration.approve(reg.registration_id, officer=me)
        assert refused.value.code == "officer_own_account"
    with pytest.raises(StateError):
        soft.registration.reject(reg.registration_id, officer=USER, reason="no")
    assert soft.registration.get(reg.registration_id).state is S.AWAITING_APPROVAL
    done = soft.registration.approve(
        reg.registration_id, officer=Officer(officer_id="CGD.Officer", display_name="Officer")
    )
    assert done.decided_by == "officer:cgd.officer"


def test_m6_registration_decisions_require_an_officer(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    reg = to_awaiting_approval(harness)
    for nobody in ("", "  ", None):
        with pytest.raises(ValidationError) as refused:
            soft.registration.approve(reg.registration_id, officer=nobody)  # type: ignore[arg-type]
        assert refused.value.code == "officer_required"
        with pytest.raises(ValidationError):
            soft.registration.reject(reg.registration_id, officer=nobody, reason="x")  # type: ignore[arg-type]
    assert soft.registration.get(reg.registration_id).state is S.AWAITING_APPROVAL


def test_m6_nobody_handles_a_service_request_for_their_own_account(harness: Harness) -> None:
    requests = harness.softtoken.service_requests
    approve_registration(harness, SOMCHAI)
    form = form_for(SOMCHAI, "change_phone")
    with pytest.raises(StateError) as refused:
        requests.submit(form, signed_form=signed_pdf(), officer=SOMCHAI.user_id.lower())
    assert refused.value.code == "officer_own_account"
    made = requests.submit(form, signed_form=signed_pdf(), officer=RECORDER)
    for call in (requests.take, requests.approve):
        with pytest.raises(StateError) as own:
            call(made.request_id, officer=SOMCHAI.user_id)
        assert own.value.code == "officer_own_account"
    with pytest.raises(StateError):
        requests.reject(made.request_id, officer=SOMCHAI.user_id, reason="no")
    assert requests.take(made.request_id, officer=REVIEWER).reviewer == f"officer:{REVIEWER}"


def test_m6_nobody_reviews_the_documents_of_their_own_registration(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    to_proofing(harness)
    challenge = soft.registration.begin_proofing(USER, provider="document_review")
    soft.proofing.submit_documents(
        challenge.proofing_id, id_card_copy=sample_pdf(), signed_letter=sample_pdf()
    )
    with pytest.raises(StateError) as own:
        soft.proofing.confirm_documents(
            challenge.proofing_id, officer=USER, citizen_id=CITIZEN, first_name=FIRST,
            last_name=LAST,
        )  # fmt: skip
    assert own.value.code == "officer_own_account"
    with pytest.raises(StateError):
        soft.proofing.decline_documents(challenge.proofing_id, officer=USER.lower(), reason="x")
    assert soft.proofing.get(challenge.proofing_id).status.value == "pending"
    identity = soft.proofing.confirm_documents(
        challenge.proofing_id, officer="cgd02", citizen_id=CITIZEN, first_name=FIRST,
        last_name=LAST,
    )  # fmt: skip
    assert identity.evidence_reference.endswith(":cgd02")


def test_m6_re_enabling_an_account_or_its_reset_needs_another_officer(harness: Harness) -> None:
    soft = harness.softtoken
    make_account(harness)
    for enable in (soft.accounts.enable, soft.password_reset.enable):
        with pytest.raises(ValidationError) as nobody:
            enable(USER, officer="")
        assert nobody.value.code == "officer_required"
        with pytest.raises(StateError) as own:
            enable(USER, officer=USER.lower())
        assert own.value.code == "officer_own_account"
    soft.accounts.enable(USER, officer="CGD.Officer")  # (the reset was never disabled)
    actors = {r.entry.actor for r in soft.audit.records() if r.entry.action.endswith("enable")}
    assert actors == {"officer:cgd.officer"}


# --- L2: replaced documents, a cap per user --------------------------------------------------


def test_l2_a_replaced_assignment_order_is_deleted(storage: Storage) -> None:
    harness = harness_with(storage, assignment_order_required=True)
    soft = harness.softtoken
    make_account(harness)
    soft.registration.start(USER)
    for title in ("first", "second", "third"):
        soft.registration.identify(
            USER,
            citizen_id=CITIZEN,
            accept_consent=True,
            consent_version=CONSENT,
            assignment_order=sample_pdf(title=title),
        )
        soft.registration.back(USER)
    assert document_count(harness) == 1
    reg = soft.registration.current(USER)
    assert reg is not None
    assert b"third" in soft.registration.assignment_order(reg.registration_id)


def test_l2_the_file_store_deletes_replaced_files_too(tmp_path: Path) -> None:
    store = FileSystemDocumentStore(tmp_path / "docs")
    harness = harness_with(MemoryStorage(), assignment_order_required=True, document_store=store)
    soft = harness.softtoken
    make_account(harness)
    soft.registration.start(USER)
    for title in ("first", "second"):
        soft.registration.identify(
            USER,
            citizen_id=CITIZEN,
            accept_consent=True,
            consent_version=CONSENT,
            assignment_order=sample_pdf(title=title),
        )
        soft.registration.back(USER)
    reg = soft.registration.current(USER)
    assert reg is not None
    assert reg.assignment_order is not None
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == sorted(
        [reg.assignment_order, f"{reg.assignment_order}.sha256"]
    )
    # A refused step deletes nothing: the order on record is still there.
    with pytest.raises(ValidationError):
        soft.registration.identify(
            USER,
            citizen_id=CITIZEN,
            accept_consent=True,
            consent_version="0",
            assignment_order=sample_pdf(title="third"),
        )
    assert b"second" in soft.registration.assignment_order(reg.registration_id)


def test_l2_replaced_review_documents_are_deleted(harness: Harness) -> None:
    proofing = harness.softtoken.proofing
    challenge = proofing.begin("document_review", citizen_id=CITIZEN, subject="reg-1")
    for title in ("first", "second"):
        proofing.submit_documents(
            challenge.proofing_id,
            id_card_copy=sample_pdf(title=f"card {title}"),
            signed_letter=sample_pdf(title=f"letter {title}"),
        )
    assert document_count(harness) == 2
    assert b"letter second" in proofing.document(challenge.proofing_id, "signed_letter")


def test_l2_documents_per_user_are_capped(storage: Storage) -> None:
    policy = Policy.for_tests(documents_per_user_max=3)
    harness = in_memory(storage=storage, policy=policy)
    requests = harness.softtoken.service_requests
    approve_registration(harness, SOMCHAI)
    form = form_for(SOMCHAI, "change_phone")
    for _ in range(3):
        requests.submit(form, signed_form=signed_pdf(), officer=RECORDER)
    before = document_count(harness)
    with pytest.raises(Conflict) as refused:
        requests.submit(form, signed_form=signed_pdf(), officer=RECORDER)
    assert refused.value.code == "document_limit_reached"
    assert document_count(harness) == before
    assert len(requests.pending()) == 3


def test_l2_the_cap_counts_every_upload_of_the_account(storage: Storage) -> None:
    """The assignment order, the document review's scans (begun by the registration) and
    the signed service request forms all count for the one account."""
    policy = Policy.for_tests(documents_per_user_max=3)
    harness = harness_with(storage, policy=policy, assignment_order_required=True)
    soft = harness.softtoken
    make_account(harness, email=EMAIL)
    soft.registration.start(USER)
    soft.registration.identify(
        USER,
        citizen_id=CITIZEN,
        accept_consent=True,
        consent_version=CONSENT,
        assignment_order=sample_pdf(),
    )
    challenge = soft.registration.begin_proofing(USER, provider="document_review")
    for _ in range(2):  # sent again: replaced, so still three
        soft.proofing.submit_documents(
            challenge.proofing_id, id_card_copy=sample_pdf(), signed_letter=sample_pdf()
        )
    assert document_count(harness) == 3
    form = form_for(Person(email=EMAIL), "holder_other", other_text="new position")
    with pytest.raises(Conflict) as refused:
        soft.service_requests.submit(form, signed_form=signed_pdf(), officer=RECORDER)
    assert refused.value.code == "document_limit_reached"
    assert document_count(harness) == 3


# --- L3: "email taken" only after the code ----------------------------------------------------


def test_l3_email_taken_is_answered_only_after_the_code(harness: Harness) -> None:
    soft = harness.softtoken
    approve_registration(harness, SOMCHAI)  # SOMCHAI's email is bound to his citizen ID
    other = "T05005000000202"
    make_account(harness, other)
    to_confirm_data(harness, other, OTHER_CITIZEN)
    # Typing someone's address and asking for a code tells nothing.
    soft.registration.update_details(other, email=SOMCHAI.email, **DETAILS)
    soft.registration.send_email_code(other)
    # A wrong code tells nothing either: the code's own error.
    with pytest.raises(Exception) as wrong:
        soft.registration.verify_email(other, "000000")
    assert getattr(wrong.value, "code", "") != "email_taken"
    # Only whoever reads that mailbox learns the address is taken.
    with pytest.raises(Conflict) as taken:
        soft.registration.verify_email(other, last_code(harness, SOMCHAI.email))
    assert taken.value.code == "email_taken"
    assert not soft.registration.current(other).email_is_verified  # type: ignore[union-attr]
    # A free address still works.
    harness.clock.advance(soft.policy.otp_resend_interval)
    soft.registration.update_details(other, email="free@cgd.example.go.th")
    soft.registration.send_email_code(other)
    reg = soft.registration.verify_email(other, last_code(harness, "free@cgd.example.go.th"))
    assert reg.email_is_verified


# --- L6: a change of holder always tells the previous address ----------------------------------


@pytest.mark.parametrize("purpose", ["holder_resigned", "holder_transferred"])
def test_l6_change_of_holder_tells_the_previous_address_without_a_soft_token(
    harness: Harness, purpose: str
) -> None:
    soft = harness.softtoken
    approve_registration(harness, SOMCHAI)  # registered, never activated: no soft token
    new_holder = Person(first_name="สมศักดิ์", last_name="มั่นคง", citizen_id=OTHER_CITIZEN,
                        email="somsak.m@cgd.example.go.th")  # fmt: skip
    requests = soft.service_requests
    made = requests.submit(
        form_for(new_holder, purpose, new_password="no"), signed_form=signed_pdf(), officer=RECORDER
    )
    requests.take(made.request_id, officer=REVIEWER)
    done = requests.approve(made.request_id, officer=REVIEWER)
    assert done.effects.revoked_serials == ()
    [notice] = mails(harness, SOMCHAI.email, "service_request_holder_changed")
    assert SOMCHAI.user_id in notice
    assert mails(harness, new_holder.email, "service_request_done")


# --- L7: no ial claim is the lowest level -----------------------------------------------------


def test_l7_an_assertion_without_ial_is_the_lowest_level(storage: Storage) -> None:
    harness = harness_with(storage, approval_rule=approve_when_assured(AssuranceLevel.IAL2))
    soft = harness.softtoken
    make_account(harness)
    to_proofing(harness)
    challenge = soft.registration.begin_proofing(USER)
    assert challenge.qr_payload is not None
    app = phone_for(harness)
    app.ial = None  # the provider's assertion names no level
    soft.proofing.callback("paotang", app.scan(challenge.qr_payload, accept_consent=True))
    reg = soft.registration.check_status(USER)
    assert reg.identity is not None
    assert reg.identity.assurance_level is AssuranceLevel.IAL1
    soft.registration.update_details(USER, email=EMAIL, **DETAILS)
    soft.registration.send_email_code(USER)
    soft.registration.verify_email(USER, last_code(harness))
    soft.registration.save(USER)
    assert soft.registration.confirm(USER).state is S.AWAITING_APPROVAL  # to an officer
    # An assertion that says IAL2 is still approved by the rule.
    other = "T05005000000202"
    make_account(harness, other)
    to_awaiting_approval(harness, other, OTHER_CITIZEN, email="other@cgd.example.go.th")
    assert soft.registration.current(other) is not None
    assert soft.registration.current(other).state is S.APPROVED  # type: ignore[union-attr]
