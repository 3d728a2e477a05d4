"""The service request record and its state machine (manual chapter 7).

Theory of operation. A person who cannot help themselves (a forgotten PIN, a lost phone,
a new email, a new holder...) fills in the service request form, has it signed by the
head of the agency and emails it to CGD, who promise an answer within an hour. Here:

1. ``submitted``: the form, checked field by field, and the signed PDF are recorded,
   by the officer who received the email (or by the portal for the logged-in person).
   ``recorded_by`` keeps who did it: with dual control (a policy option, on by default)
   that officer cannot approve it.
2. ``in_review``: an officer takes it ("part 4, for the officer"). Another officer may
   take it over.
3. The officer decides: ``approved``, or ``rejected`` with a reason.
4. An approval is carried out at once: ``applied`` (the outcome of the purpose: the soft
   token revoked with its RFC 5280 reason, the email or the holder changed, a random
   password for a new holder), then
5. ``notified``: the result emailed where the manual says. A rejection is ``notified``
   too, with its reason.

The service runs steps 3 to 5 as one transaction, so the effects and the state change
commit together or not at all; a request at rest is ``submitted``, ``in_review`` or
``notified`` (its ``decision`` says which way). Deciding or applying a request again is
refused (``service_request_closed``): the effects of one request happen once, even when
two officers approve it at the same moment (the version check lets one of them win).

Every function here is pure: the record, the input and ``now`` in; the new record and
the event it caused out, or a typed error. The table below is the whole machine.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from softtoken._clock import utc
from softtoken.accounts._officer import Officer, same_officer
from softtoken.errors import StateError, ValidationError
from softtoken.lifecycle.service_requests._form import ServiceRequestForm
from softtoken.lifecycle.service_requests._purposes import Purpose

__all__ = [
    "OPEN_STATES",
    "TRANSITIONS",
    "Decision",
    "Effects",
    "RequestEvent",
    "RequestInput",
    "RequestState",
    "ServiceRequest",
    "Step",
    "apply",
    "approve",
    "new_request",
    "next_state",
    "notify",
    "reject",
    "take",
]


class RequestState(enum.StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"
    NOTIFIED = "notified"


class RequestInput(enum.StrEnum):
    SUBMIT = "submit"
    TAKE = "take"
    APPROVE = "approve"
    REJECT = "reject"
    APPLY = "apply"
    NOTIFY = "notify"


class Decision(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


S, E = RequestState, RequestInput

#: (state, input) -> next state. Anything not listed is refused (see :func:`next_state`).
TRANSITIONS: Mapping[tuple[RequestState, RequestInput], RequestState] = {
    (S.SUBMITTED, E.TAKE): S.IN_REVIEW,
    (S.IN_REVIEW, E.TAKE): S.IN_REVIEW,  # another officer takes it over
    (S.IN_REVIEW, E.APPROVE): S.APPROVED,
    (S.IN_REVIEW, E.REJECT): S.REJECTED,
    (S.APPROVED, E.APPLY): S.APPLIED,
    (S.APPLIED, E.NOTIFY): S.NOTIFIED,
    (S.REJECTED, E.NOTIFY): S.NOTIFIED,
}

#: Waiting for an officer: listed, aged, and overdue after the promised hour.
OPEN_STATES = frozenset({S.SUBMITTED, S.IN_REVIEW})


def next_state(state: RequestState, event: RequestInput) -> RequestState:
    """The state after ``event``.

    Raises:
        StateError: ``service_request_not_in_review`` (a decision before review),
            ``service_request_closed`` (deciding, applying or notifying again),
            ``wrong_step`` otherwise.
    """
    found = TRANSITIONS.get((state, event))
    if found is not None:
        return found
    if state is S.SUBMITTED and event in {E.APPROVE, E.REJECT}:
        raise StateError("service_request_not_in_review")
    if state not in OPEN_STATES:
        raise StateError("service_request_closed")
    raise StateError("wrong_step")


@attrs.frozen(kw_only=True)
class Effects:
    """What an approval did, kept on the request (and shown to officers)."""

    revoked_serials: tuple[str, ...] = ()
    #: The revocation reason (its value) and RFC 5280 code, when a soft token was revoked.
    revocation_reason: str | None = None
    crl_reason: int | None = None
    email_changed_to: str | None = None
    holder_changed_to: str | None = None
    temporary_password_sent_to: str | None = None

    def to_json(self) -> dict[str, object]:
        return {**attrs.asdict(self), "revoked_serials": list(self.revoked_serials)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Effects:
        serials = data.get("revoked_serials") or []
        assert isinstance(serials, list)  # noqa: S101 - written by to_json

        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        code = data.get("crl_reason")
        return cls(
            revoked_serials=tuple(str(s) for s in serials),
            revocation_reason=text("revocation_reason"),
            crl_reason=None if code is None else int(str(code)),
            email_changed_to=text("email_changed_to"),
            holder_changed_to=text("holder_changed_to"),
            temporary_password_sent_to=text("temporary_password_sent_to"),
        )


@attrs.frozen(kw_only=True)
class ServiceRequest:
    """One service request: the form, its signed PDF and part 4 (the officers')."""

    request_id: str
    form: ServiceRequestForm
    #: The signed form PDF in the document store, and its SHA-256.
    signed_form: str
    signed_form_sha256: str
    state: RequestState = RequestState.SUBMITTED
    #: ``officer:<name>`` who typed in an emailed form, or ``user:<id>`` from the portal.
    recorded_by: str
    submitted_at: datetime = attrs.field(converter=utc)
    reviewer: str | None = None
    review_started_at: datetime | None = None
    decision: Decision | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    rejection_reason: str | None = None
    #: The officer's note (part 4), if any.
    note: str | None = None
    applied_at: datetime | None = None
    effects: Effects = attrs.field(factory=Effects)
    notified_to: str | None = None
    notified_at: datetime | None = None
    version: int = 0

    @property
    def user_id(self) -> str:
        return self.form.user_id.value

    @property
    def purpose(self) -> Purpose:
        return self.form.purpose

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    def due_at(self, within: timedelta) -> datetime:
        """When the promised answer is due (``policy.service_request_answer_within``)."""
        return self.submitted_at + within

    def age(self, now: datetime) -> timedelta:
        """How long the request has waited (until its decision, once decided)."""
        return (self.decided_at or now) - self.submitted_at

    def overdue(self, now: datetime, within: timedelta) -> bool:
        """Still waiting for an officer past the promised time."""
        return self.open and now > self.due_at(within)


@attrs.frozen(kw_only=True)
class RequestEvent:
    """What a transition did, for the audit log."""

    kind: RequestInput
    request_id: str
    user_id: str
    by: str
    at: datetime
    detail: Mapping[str, str] = attrs.field(factory=dict)


Step = tuple[ServiceRequest, RequestEvent]


def _move(
    record: ServiceRequest,
    event: RequestInput,
    *,
    by: str,
    now: datetime,
    detail: Mapping[str, str] | None = None,
    **changes: Any,
) -> Step:
    new = attrs.evolve(record, state=next_state(record.state, event), **changes)
    happened = RequestEvent(
        kind=event,
        request_id=record.request_id,
        user_id=record.user_id,
        by=by,
        at=now,
        detail=detail or {},
    )
    return new, happened


def _note(raw: object, field: str = "note", *, required: bool = False) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ValidationError("rejection_reason_required", field=field)
        return None
    if not isinstance(raw, str):
        raise ValidationError("invalid_value", field=field)
    text = " ".join(raw.split())
    if len(text) > 500 or not text.isprintable():  # noqa: PLR2004 - the column's size
        raise ValidationError("invalid_value", field=field)
    return text


def new_request(
    *,
    request_id: str,
    form: ServiceRequestForm,
    signed_form: str,
    signed_form_sha256: str,
    recorded_by: str,
    now: datetime,
) -> Step:
    """A submitted request (the form and its PDF are checked before this)."""
    record = ServiceRequest(
        request_id=request_id,
        form=form,
        signed_form=signed_form,
        signed_form_sha256=signed_form_sha256,
        recorded_by=recorded_by,
        submitted_at=now,
    )
    event = RequestEvent(
        kind=E.SUBMIT,
        request_id=request_id,
        user_id=record.user_id,
        by=recorded_by,
        at=now,
        detail={"purpose": form.purpose.value},
    )
    return record, event


def _officer_detail(officer: Officer) -> dict[str, str]:
    return {"officer_roles": ",".join(sorted(officer.roles))}


def take(record: ServiceRequest, *, officer: Officer, now: datetime, note: object = None) -> Step:
    """An officer takes the request into review.

    Raises:
        StateError: ``officer_own_account`` and :func:`next_state`'s errors.
    """
    officer.refuse_own_account(record.user_id)
    next_state(record.state, E.TAKE)
    text = _note(note) or record.note
    who = officer.actor
    return _move(
        record,
        E.TAKE,
        by=who,
        now=now,
        detail=_officer_detail(officer),
        reviewer=who,
        review_started_at=now,
        note=text,
    )


def approve(
    record: ServiceRequest,
    *,
    officer: Officer,
    now: datetime,
    dual_control: bool,
    note: object = None,
) -> Step:
    """An officer approves. With dual control the officer who recorded it cannot (the
    identities compared normalised); nobody approves a request for their own account.

    Raises:
        StateError: ``service_request_dual_control``, ``officer_own_account`` and
            :func:`next_state`'s errors.
    """
    officer.refuse_own_account(record.user_id)
    next_state(record.state, E.APPROVE)
    if dual_control and same_officer(record.recorded_by, officer):
        raise StateError("service_request_dual_control")
    who = officer.actor
    return _move(
        record,
        E.APPROVE,
        by=who,
        now=now,
        detail=_officer_detail(officer),
        decision=Decision.APPROVED,
        decided_by=who,
        decided_at=now,
        note=_note(note) or record.note,
    )


def reject(record: ServiceRequest, *, officer: Officer, reason: object, now: datetime) -> Step:
    """An officer rejects, with the reason the requester is told.

    Raises:
        ValidationError: ``rejection_reason_required`` on ``reason``.
        StateError: ``officer_own_account`` and :func:`next_state`'s errors.
    """
    officer.refuse_own_account(record.user_id)
    next_state(record.state, E.REJECT)
    why = _note(reason, "reason", required=True)
    who = officer.actor
    return _move(
        record,
        E.REJECT,
        by=who,
        now=now,
        decision=Decision.REJECTED,
        decided_by=who,
        decided_at=now,
        rejection_reason=why,
        detail={"reason": why or "", **_officer_detail(officer)},
    )


def apply(record: ServiceRequest, *, effects: Effects, by: str, now: datetime) -> Step:
    """The approval's effects were carried out (in the same transaction)."""
    detail = {"purpose": record.purpose.value}
    if effects.revocation_reason:
        detail["revocation_reason"] = effects.revocation_reason
    return _move(record, E.APPLY, by=by, now=now, applied_at=now, effects=effects, detail=detail)


def notify(record: ServiceRequest, *, to: str, by: str, now: datetime) -> Step:
    """The result was written to the outbox for ``to``."""
    return _move(record, E.NOTIFY, by=by, now=now, notified_to=to, notified_at=now)
