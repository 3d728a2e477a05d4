"""The service request machine as a table: every refused pair, reachability, the pure
steps (dual control, a reason for a rejection, the age and the promised hour), and a
hypothesis stateful walk of officers acting in any order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from softtoken import Officer, Policy, StateError, ValidationError
from softtoken.lifecycle.service_requests import machine as m
from softtoken.lifecycle.service_requests._form import parse_form
from softtoken.lifecycle.service_requests.machine import (
    OPEN_STATES,
    TRANSITIONS,
    Decision,
    Effects,
    RequestInput,
    RequestState,
    ServiceRequest,
)

from .test_service_request_form import BASE

S, E = RequestState, RequestInput
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
FORM = parse_form(BASE, policy=Policy.for_tests())


def submitted(recorded_by: str = "officer:a") -> ServiceRequest:
    record, event = m.new_request(
        request_id="r1",
        form=FORM,
        signed_form="d1",
        signed_form_sha256="0" * 64,
        recorded_by=recorded_by,
        now=T0,
    )
    assert event.kind is E.SUBMIT
    assert event.detail == {"purpose": "lost_phone"}
    return record


def test_refused_pairs_have_their_codes() -> None:
    for state in RequestState:
        for event in RequestInput:
            if (state, event) in TRANSITIONS:
                assert m.next_state(state, event) is TRANSITIONS[state, event]
                continue
            with pytest.raises(StateError) as caught:
                m.next_state(state, event)
            if state is S.SUBMITTED and event in {E.APPROVE, E.REJECT}:
                assert caught.value.code == "service_request_not_in_review"
            elif state in OPEN_STATES:
                assert caught.value.code == "wrong_step"
            else:
                assert caught.value.code == "service_request_closed"


def test_every_state_is_reachable_and_notified_is_the_end() -> None:
    seen, frontier = {S.SUBMITTED}, [S.SUBMITTED]
    while frontier:
        state = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(RequestState)
    assert not [pair for pair in TRANSITIONS if pair[0] is S.NOTIFIED]


def test_approval_path_and_dual_control() -> None:
    record = submitted()
    taken, event = m.take(
        record, officer=Officer(officer_id="a"), now=T0 + timedelta(minutes=5), note=" a "
    )
    assert (taken.state, taken.reviewer, taken.note) == (S.IN_REVIEW, "officer:a", "a")
    assert event.by == "officer:a"
    with pytest.raises(StateError) as dual:
        m.approve(taken, officer=Officer(officer_id="a"), now=T0, dual_control=True)
    assert dual.value.code == "service_request_dual_control"
    alone, _ = m.approve(taken, officer=Officer(officer_id="a"), now=T0, dual_control=False)
    assert alone.decision is Decision.APPROVED
    approved, _ = m.approve(
        taken, officer=Officer(officer_id="b"), now=T0 + HOUR, dual_control=True
    )
    assert (approved.state, approved.decided_by) == (S.APPROVED, "officer:b")
    assert approved.age(T0 + 5 * HOUR) == HOUR  # frozen at the decision
    effects = Effects(revoked_serials=("ab",), revocation_reason="lost_phone", crl_reason=1)
    applied, event = m.apply(approved, effects=effects, by="officer:b", now=T0 + HOUR)
    assert event.detail == {"purpose": "lost_phone", "revocation_reason": "lost_phone"}
    assert Effects.from_json(applied.effects.to_json()) == effects
    done, _ = m.notify(applied, to="x@example.go.th", by="officer:b", now=T0 + HOUR)
    assert (done.state, done.notified_to) == (S.NOTIFIED, "x@example.go.th")
    with pytest.raises(StateError) as again:
        m.apply(done, effects=effects, by="officer:b", now=T0)
    assert again.value.code == "service_request_closed"


@pytest.mark.parametrize("reason", [None, "", "   ", 5, "x" * 501, "bad\x00reason"])
def test_a_rejection_needs_a_readable_reason(reason: object) -> None:
    taken, _ = m.take(submitted(), officer=Officer(officer_id="b"), now=T0)
    with pytest.raises(ValidationError) as caught:
        m.reject(taken, officer=Officer(officer_id="b"), reason=reason, now=T0)
    assert caught.value.field == "reason"


def test_rejection_is_allowed_to_the_recorder_and_keeps_the_reason() -> None:
    taken, _ = m.take(submitted(), officer=Officer(officer_id="a"), now=T0)
    rejected, event = m.reject(
        taken, officer=Officer(officer_id="a"), reason=" no  signature ", now=T0
    )
    assert (rejected.decision, rejected.rejection_reason) == (Decision.REJECTED, "no signature")
    assert event.detail == {"reason": "no signature", "officer_roles": "officer"}


def test_age_and_the_promised_hour() -> None:
    record = submitted()
    assert record.due_at(HOUR) == T0 + HOUR
    assert record.age(T0 + HOUR) == HOUR
    assert not record.overdue(T0 + HOUR, HOUR)
    assert record.overdue(T0 + HOUR + timedelta(microseconds=1), HOUR)
    taken, _ = m.take(record, officer=Officer(officer_id="b"), now=T0)
    assert taken.overdue(T0 + 2 * HOUR, HOUR)
    rejected, _ = m.reject(taken, officer=Officer(officer_id="b"), reason="no", now=T0 + 2 * HOUR)
    assert not rejected.overdue(T0 + 3 * HOUR, HOUR)


class OfficersAtWork(RuleBasedStateMachine):
    """Officers act on one request in any order; the model says what must hold."""

    def __init__(self) -> None:
        super().__init__()
        self.record = submitted("officer:a")
        self.now = T0
        self.decisions: list[Decision] = []
        self.applied = 0

    def _try(self, step: object) -> None:
        try:
            self.record, _ = step()  # type: ignore[operator]
        except StateError as error:
            assert error.code in {
                "service_request_not_in_review",
                "service_request_closed",
                "service_request_dual_control",
                "wrong_step",
            }
            return

    @rule(officer=st.sampled_from(["officer:a", "officer:b"]), minutes=st.integers(0, 90))
    def take(self, officer: str, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        before = self.record.state
        self._try(lambda: m.take(self.record, officer=Officer.parse(officer[8:]), now=self.now))
        assert (self.record.state is S.IN_REVIEW) == (before in OPEN_STATES)

    @rule(officer=st.sampled_from(["officer:a", "officer:b"]), dual=st.booleans())
    def approve(self, officer: str, dual: bool) -> None:
        before = self.record
        who = Officer.parse(officer[8:])
        self._try(lambda: m.approve(before, officer=who, now=self.now, dual_control=dual))
        if self.record is not before:
            assert before.state is S.IN_REVIEW
            assert not (dual and officer == "officer:a")
            self.decisions.append(Decision.APPROVED)

    @rule(officer=st.sampled_from(["officer:a", "officer:b"]))
    def reject(self, officer: str) -> None:
        before = self.record
        who = Officer.parse(officer[8:])
        self._try(lambda: m.reject(before, officer=who, reason="no", now=self.now))
        if self.record is not before:
            self.decisions.append(Decision.REJECTED)

    @rule()
    def apply(self) -> None:
        before = self.record
        self._try(lambda: m.apply(before, effects=Effects(), by="officer:b", now=self.now))
        if self.record is not before:
            self.applied += 1

    @rule()
    def notify(self) -> None:
        self._try(lambda: m.notify(self.record, to="x@example.go.th", by="b", now=self.now))

    @invariant()
    def decided_once_applied_at_most_once(self) -> None:
        assert len(self.decisions) <= 1
        assert self.applied <= 1
        if self.applied:
            assert self.decisions == [Decision.APPROVED]
        if self.decisions:
            assert self.record.decision is self.decisions[0]
            assert self.record.state not in OPEN_STATES
        else:
            assert self.record.state in OPEN_STATES


OfficersAtWork.TestCase.settings = settings(max_examples=200, stateful_step_count=25)
TestOfficersAtWork = OfficersAtWork.TestCase
