"""The registration record and its state machine (manual chapter 2, steps 1 to 4).

Theory of operation. A registration is one attempt of one account to get a soft token.
It walks the wizard of chapter 2, one state per screen:

1. ``identify``: the person enters the citizen ID, attaches the assignment order when
   the deployment asks for it, and accepts the PDPA consent (its version and time are
   recorded). Next goes to
2. ``proofing``: a QR code (or a document review) proves who the person is. "Check
   status" brings the provider's result. The proven names must be the account's holder
   (chapter 1 A): if not, the registration is ``stopped`` and the holder must first be
   changed by an officer (chapter 7). "Back" returns to step 1 (e.g. a mistyped ID).
3. ``confirm_data``: address, email and required fields. The email is verified with a
   one-time code; editing it needs a new code. Save goes to ``review``; from there the
   person confirms, or goes back to edit.
4. ``awaiting_approval``: a rule of the deployment approves at once, or an officer
   approves or rejects with a reason. ``approved`` means "ready for activation" (step 5,
   the activation module), which ends in ``activated``. A rejected person starts again
   at step 1 with a new registration.

A registration the person leaves (steps 1 to 3) can be resumed at the same step; after
``policy.registration_abandoned_after`` without a change it ``expired``. The person may
also cancel it. Terminal states free the account for a new registration.

Invariants: at most one open registration per account (the storage's unique
``open_for``); nothing reaches ``awaiting_approval`` or beyond without a completed
proofing and a verified email (checked again at each of those steps).

Every function here is pure: the record, the input and ``now`` in; the new record and
the events it caused out, or a typed error. The table below is the whole machine.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from softtoken.accounts._identifiers import CitizenId, Email, PhoneNumber, UserId
from softtoken.errors import StateError, ValidationError
from softtoken.proofing._result import VerifiedIdentity

__all__ = [
    "ABANDONABLE",
    "OPEN_STATES",
    "REQUIRED_DETAILS",
    "TRANSITIONS",
    "Input",
    "Registration",
    "RegistrationDetails",
    "RegistrationEvent",
    "RegistrationState",
    "Transition",
]


class RegistrationState(enum.StrEnum):
    IDENTIFY = "identify"  # step 1
    PROOFING = "proofing"  # step 2
    CONFIRM_DATA = "confirm_data"  # step 3: address, email + code, required fields
    REVIEW = "review"  # step 3: saved; confirm, or go back and edit
    AWAITING_APPROVAL = "awaiting_approval"  # step 4
    APPROVED = "approved"  # step 4 shows "proceed": ready for activation (step 5)
    ACTIVATED = "activated"  # step 5 done (the activation module)
    REJECTED = "rejected"  # with a reason; start again at step 1
    STOPPED = "stopped"  # the proven person is not the account's holder (chapter 1 A)
    EXPIRED = "expired"  # left unfinished for too long
    CANCELLED = "cancelled"  # the person gave up


class Input(enum.StrEnum):
    IDENTIFY = "identify"
    BACK = "back"
    BEGIN_PROOFING = "begin_proofing"
    PROOFED = "proofed"
    HOLDER_MISMATCH = "holder_mismatch"
    UPDATE_DETAILS = "update_details"
    SEND_EMAIL_CODE = "send_email_code"
    VERIFY_EMAIL = "verify_email"
    SAVE = "save"
    EDIT = "edit"
    CONFIRM = "confirm"
    APPROVE = "approve"
    REJECT = "reject"
    ACTIVATE = "activate"
    ABANDON = "abandon"
    CANCEL = "cancel"


S, E = RegistrationState, Input

#: (state, input) -> next state. Anything not listed is ``wrong_step``.
TRANSITIONS: Mapping[tuple[RegistrationState, Input], RegistrationState] = {
    # step 1: identify
    (S.IDENTIFY, E.IDENTIFY): S.PROOFING,
    # step 2: prove identity in the proofing app, "check status"
    (S.PROOFING, E.BEGIN_PROOFING): S.PROOFING,
    (S.PROOFING, E.BACK): S.IDENTIFY,
    (S.PROOFING, E.PROOFED): S.CONFIRM_DATA,
    (S.PROOFING, E.HOLDER_MISMATCH): S.STOPPED,
    # step 3: check and confirm data
    (S.CONFIRM_DATA, E.UPDATE_DETAILS): S.CONFIRM_DATA,
    (S.CONFIRM_DATA, E.SEND_EMAIL_CODE): S.CONFIRM_DATA,
    (S.CONFIRM_DATA, E.VERIFY_EMAIL): S.CONFIRM_DATA,
    (S.CONFIRM_DATA, E.SAVE): S.REVIEW,
    (S.REVIEW, E.EDIT): S.CONFIRM_DATA,
    (S.REVIEW, E.CONFIRM): S.AWAITING_APPROVAL,
    # step 4: approval, by the deployment's rule or an officer
    (S.AWAITING_APPROVAL, E.APPROVE): S.APPROVED,
    (S.AWAITING_APPROVAL, E.REJECT): S.REJECTED,
    # step 5 (the activation module)
    (S.APPROVED, E.ACTIVATE): S.ACTIVATED,
    # leaving
    **{
        (state, E.ABANDON): S.EXPIRED
        for state in (S.IDENTIFY, S.PROOFING, S.CONFIRM_DATA, S.REVIEW)
    },
    # An approved registration not yet activated can be withdrawn too: by the person, or
    # by an officer's service request (a change of holder must not leave the previous
    # holder a registration to activate).
    **{
        (state, E.CANCEL): S.CANCELLED
        for state in (
            S.IDENTIFY,
            S.PROOFING,
            S.CONFIRM_DATA,
            S.REVIEW,
            S.AWAITING_APPROVAL,
            S.APPROVED,
        )
    },
}

OPEN_STATES = frozenset(
    {S.IDENTIFY, S.PROOFING, S.CONFIRM_DATA, S.REVIEW, S.AWAITING_APPROVAL, S.APPROVED}
)
#: States where the person is the one who must act, so leaving them makes them expire.
ABANDONABLE = frozenset(state for state, event in TRANSITIONS if event is E.ABANDON)
_STEP = {
    S.IDENTIFY: 1,
    S.PROOFING: 2,
    S.CONFIRM_DATA: 3,
    S.REVIEW: 3,
    S.AWAITING_APPROVAL: 4,
    S.APPROVED: 5,
    S.ACTIVATED: 5,
}

#: The fields with a red asterisk (chapter 2 step 3); ``division`` is optional.
REQUIRED_DETAILS = ("address", "phone", "position", "department", "ministry")


@attrs.frozen(kw_only=True)
class RegistrationDetails:
    """What the person checks and fills in at step 3 (besides the email)."""

    address: str | None = None  # the current address
    phone: PhoneNumber | None = None
    position: str | None = None
    division: str | None = None
    department: str | None = None
    ministry: str | None = None

    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in REQUIRED_DETAILS if getattr(self, name) is None)

    def to_json(self) -> dict[str, str | None]:
        return {
            name: None if (v := getattr(self, name)) is None else str(v)
            for name in ("address", "phone", "position", "division", "department", "ministry")
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RegistrationDetails:
        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        phone = text("phone")
        return cls(
            address=text("address"),
            phone=None if phone is None else PhoneNumber(phone),
            position=text("position"),
            division=text("division"),
            department=text("department"),
            ministry=text("ministry"),
        )


@attrs.frozen(kw_only=True)
class Registration:
    """One registration of one account. ``version`` is 0 until first stored."""

    registration_id: str
    user_id: UserId
    state: RegistrationState = RegistrationState.IDENTIFY
    citizen_id: CitizenId | None = None
    consent_version: str | None = None
    consent_at: datetime | None = None
    #: The stored assignment order (a document ID), when the deployment asks for it.
    assignment_order: str | None = None
    proofing_id: str | None = None
    #: Who the proofing proved; set once the proofing completed.
    identity: VerifiedIdentity | None = None
    details: RegistrationDetails = attrs.field(factory=RegistrationDetails)
    email: Email | None = None
    #: The email the newest one-time code was sent to.
    code_sent_to: Email | None = None
    #: The email proven by a right code; verified only while it equals ``email``.
    email_verified: Email | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    #: ``officer:<id>`` or ``rule`` (approved automatically).
    decided_by: str | None = None
    rejection_reason: str | None = None
    activated_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def step(self) -> int | None:
        """The wizard step to show (1 to 5), or None once the registration ended."""
        return _STEP.get(self.state) if self.state is not S.ACTIVATED else None

    @property
    def proofing_completed(self) -> bool:
        return self.identity is not None

    @property
    def email_is_verified(self) -> bool:
        return self.email is not None and self.email_verified == self.email

    @property
    def ready_for_activation(self) -> bool:
        """Approved, waiting for step 5 (the activation module)."""
        return self.state is S.APPROVED

    @property
    def approved_automatically(self) -> bool:
        return self.decided_by == "rule" and self.state in {S.APPROVED, S.ACTIVATED}

    def stale(self, *, now: datetime, after: timedelta) -> bool:
        """Left unfinished for longer than ``after``, in a state the person must act in."""
        return self.state in ABANDONABLE and now - self.updated_at >= after


@attrs.frozen(kw_only=True)
class RegistrationEvent:
    """Something a transition caused, for the audit log and emails."""

    kind: Input
    registration_id: str
    user_id: str
    detail: Mapping[str, str] = attrs.field(factory=dict)


Transition = tuple[Registration, tuple[RegistrationEvent, ...]]


def next_state(record: Registration, event: Input) -> RegistrationState:
    """The state after ``event``, or the error that says why it cannot happen now.

    Raises:
        StateError: ``registration_closed`` (an ended registration), ``wrong_step``.
    """
    target = TRANSITIONS.get((record.state, event))
    if target is None:
        if not record.is_open:
            raise StateError("registration_closed", detail=record.state.value)
        raise StateError("wrong_step", detail=f"{event.value} in {record.state.value}")
    return target


def check_ready_for_approval(record: Registration) -> None:
    """The invariant of step 4: a completed proofing and a verified email.

    Raises:
        StateError: ``proofing_pending`` or ``email_not_verified``.
    """
    if record.identity is None or record.citizen_id is None:
        raise StateError("proofing_pending")
    if not record.email_is_verified:
        raise StateError("email_not_verified")


def require_text(raw: object, field: str, *, limit: int = 200) -> str:
    if not isinstance(raw, str):
        raise ValidationError("invalid_value", field=field)
    text = " ".join(raw.split())
    if not text:
        raise ValidationError("required", field=field)
    if len(text) > limit or not text.isprintable():
        raise ValidationError("invalid_value", field=field)
    return text
