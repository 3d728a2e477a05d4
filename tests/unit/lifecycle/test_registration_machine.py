"""The registration machine as a table: every pair not in it is refused with the right
code, every state is reachable from step 1, and the pure steps hold their checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from softtoken import StateError, ValidationError
from softtoken.accounts import CitizenId, Email, UserId
from softtoken.lifecycle.registration import steps
from softtoken.lifecycle.registration.machine import (
    ABANDONABLE,
    OPEN_STATES,
    TRANSITIONS,
    Input,
    Registration,
    RegistrationState,
    next_state,
)
from softtoken.proofing import AssuranceLevel, VerifiedIdentity

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CID = CitizenId.parse("1101700207536")
S = RegistrationState


def record(state: RegistrationState = S.IDENTIFY, **changes: object) -> Registration:
    base = steps.new_registration(
        registration_id="r1", user_id=UserId("T05005000000201"), email=None, now=NOW
    )
    return attrs.evolve(base, state=state, **changes)  # type: ignore[arg-type]


def identity(first: str = "สมชาย", last: str = "ใจดี", cid: CitizenId = CID) -> VerifiedIdentity:
    return VerifiedIdentity(
        citizen_id=cid,
        first_name=first,
        last_name=last,
        first_name_en="Somchai",
        last_name_en="Jaidee",
        assurance_level=AssuranceLevel.IAL2,
        provider="paotang",
        evidence_reference="paotang:1",
        verified_at=NOW,
    )


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("event", list(Input))
def test_pairs_outside_the_table_are_refused(state: RegistrationState, event: Input) -> None:
    reg = record(state)
    if (state, event) in TRANSITIONS:
        assert next_state(reg, event) is TRANSITIONS[(state, event)]
        return
    with pytest.raises(StateError) as refused:
        next_state(reg, event)
    assert refused.value.code == ("wrong_step" if state in OPEN_STATES else "registration_closed")


def test_every_state_is_reachable_from_step_1() -> None:
    seen, todo = {S.IDENTIFY}, [S.IDENTIFY]
    while todo:
        here = todo.pop()
        for (state, _), target in TRANSITIONS.items():
            if state is here and target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(S)
    assert {S.IDENTIFY, S.PROOFING, S.CONFIRM_DATA, S.REVIEW} == ABANDONABLE


def test_identify_needs_consent_to_the_current_text_and_the_order_when_asked() -> None:
    def go(**kw: object) -> Registration:
        args: dict[str, object] = {
            "citizen_id": CID,
            "accepted": True,
            "consent_version": "2",
            "current_consent_version": "2",
            "assignment_order": None,
            "order_required": False,
            "now": NOW,
            **kw,
        }
        return steps.identify(record(), **args)[0]  # type: ignore[arg-type]

    assert go().state is S.PROOFING
    cases: list[tuple[dict[str, object], str]] = [
        ({"accepted": False}, "consent_required"),
        ({"consent_version": "1"}, "consent_outdated"),
        ({"order_required": True}, "assignment_order_required"),
    ]
    for kw, code in cases:
        with pytest.raises(ValidationError) as refused:
            go(**kw)
        assert refused.value.code == code
    assert go(order_required=True, assignment_order="doc1").assignment_order == "doc1"


def test_proofed_checks_citizen_and_holder_in_thai_or_english() -> None:
    reg = record(S.PROOFING, citizen_id=CID)
    new, events = steps.proofed(
        reg, identity=identity(), holder_first_name=" สมชาย ", holder_last_name="ใจดี", now=NOW
    )
    assert new.state is S.CONFIRM_DATA
    assert [e.kind for e in events] == [Input.PROOFED]
    new, _ = steps.proofed(
        reg, identity=identity(), holder_first_name="SOMCHAI", holder_last_name="jaidee", now=NOW
    )
    assert new.state is S.CONFIRM_DATA
    stopped, events = steps.proofed(
        reg, identity=identity(), holder_first_name="สมหญิง", holder_last_name="ใจดี", now=NOW
    )
    assert stopped.state is S.STOPPED
    assert stopped.identity is None
    assert [e.kind for e in events] == [Input.HOLDER_MISMATCH]
    with pytest.raises(StateError) as other:
        steps.proofed(
            reg,
            identity=identity(cid=CitizenId.parse("3100600123450")),
            holder_first_name="สมชาย",
            holder_last_name="ใจดี",
            now=NOW,
        )
    assert other.value.code == "proofing_citizen_mismatch"


def test_a_changed_email_must_be_verified_again() -> None:
    a, b = Email.parse("a@example.go.th"), Email.parse("b@example.go.th")
    reg = record(S.CONFIRM_DATA, citizen_id=CID, identity=identity(), email=a)
    with pytest.raises(StateError) as unsent:
        steps.verify_email(reg, now=NOW)
    assert unsent.value.code == "email_code_not_sent"
    sent, _ = steps.send_email_code(reg, now=NOW)
    verified, _ = steps.verify_email(sent, now=NOW)
    assert verified.email_is_verified
    edited, _ = steps.update_details(verified, details=verified.details, email=b, now=NOW)
    assert not edited.email_is_verified
    with pytest.raises(StateError):
        steps.verify_email(edited, now=NOW)
    same, _ = steps.update_details(verified, details=verified.details, email=a, now=NOW)
    assert same.email_is_verified


def test_nothing_reaches_approval_without_proofing_and_a_verified_email() -> None:
    email = Email.parse("a@example.go.th")
    unproofed = record(S.REVIEW, citizen_id=CID, email=email, email_verified=email)
    with pytest.raises(StateError) as no_proofing:
        steps.confirm(unproofed, now=NOW)
    assert no_proofing.value.code == "proofing_pending"
    unverified = record(S.AWAITING_APPROVAL, citizen_id=CID, identity=identity(), email=email)
    with pytest.raises(StateError) as no_email:
        steps.approve(unverified, by="officer:x", now=NOW)
    assert no_email.value.code == "email_not_verified"


def test_save_names_the_first_missing_required_field() -> None:
    email = Email.parse("a@example.go.th")
    reg = record(
        S.CONFIRM_DATA, citizen_id=CID, identity=identity(), email=email, email_verified=email
    )
    with pytest.raises(ValidationError) as missing:
        steps.save(reg, now=NOW)
    assert missing.value.field == "address"


def test_abandon_only_after_the_policy_time() -> None:
    reg = record(S.CONFIRM_DATA)
    after = timedelta(days=30)
    with pytest.raises(StateError):
        steps.abandon(reg, now=NOW + timedelta(days=29), after=after)
    assert steps.abandon(reg, now=NOW + after, after=after)[0].state is S.EXPIRED
    with pytest.raises(StateError):
        steps.abandon(record(S.AWAITING_APPROVAL), now=NOW + after * 2, after=after)
