"""The transitions of the registration machine (``_registration.TRANSITIONS``), one pure
function per input: the record, the input and ``now`` in, ``(new record, events)`` out,
or a typed error. Checks that need storage (the email binding, the one-time code, the
document store) are done by the service before it calls these."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from softtoken.accounts._identifiers import CitizenId, Email, UserId
from softtoken.errors import StateError, ValidationError
from softtoken.lifecycle.registration.machine import (
    Input,
    Registration,
    RegistrationDetails,
    RegistrationEvent,
    Transition,
    check_ready_for_approval,
    next_state,
    require_text,
)
from softtoken.proofing._result import VerifiedIdentity

__all__ = [
    "abandon",
    "activate",
    "approve",
    "back",
    "begin_proofing",
    "cancel",
    "confirm",
    "edit",
    "identify",
    "new_registration",
    "proofed",
    "reject",
    "save",
    "send_email_code",
    "update_details",
    "verify_email",
]


def _move(record: Registration, event: Input, *, now: datetime, **changes: object) -> Registration:
    return attrs.evolve(record, state=next_state(record, event), updated_at=now, **changes)  # type: ignore[arg-type]


def _done(new: Registration, event: Input, **detail: str) -> Transition:
    return new, (
        RegistrationEvent(
            kind=event,
            registration_id=new.registration_id,
            user_id=new.user_id.value,
            detail=detail,
        ),
    )


def new_registration(
    *, registration_id: str, user_id: UserId, email: Email | None, now: datetime
) -> Registration:
    """A registration at step 1; the account's email, if any, is prefilled for step 3."""
    return Registration(
        registration_id=registration_id,
        user_id=user_id,
        email=email,
        created_at=now,
        updated_at=now,
    )


def identify(
    record: Registration,
    *,
    citizen_id: CitizenId,
    accepted: bool,
    consent_version: str,
    current_consent_version: str,
    assignment_order: str | None,
    order_required: bool,
    now: datetime,
) -> Transition:
    """Step 1, "next": the citizen ID, the assignment order (a stored document ID) and
    the consent to the current consent text.

    Raises:
        ValidationError: ``consent_required``, ``consent_outdated``,
            ``assignment_order_required``.
    """
    next_state(record, Input.IDENTIFY)
    if not accepted:
        raise ValidationError("consent_required", field="accept_consent")
    if consent_version != current_consent_version:
        raise ValidationError("consent_outdated", field="consent_version")
    if order_required and assignment_order is None and record.assignment_order is None:
        raise ValidationError("assignment_order_required", field="assignment_order")
    new = _move(
        record,
        Input.IDENTIFY,
        now=now,
        citizen_id=citizen_id,
        consent_version=consent_version,
        consent_at=now,
        assignment_order=assignment_order or record.assignment_order,
    )
    return _done(new, Input.IDENTIFY, consent_version=consent_version)


def back(record: Registration, *, now: datetime) -> Transition:
    """Step 2 back to step 1 (the pending proofing is dropped)."""
    return _done(_move(record, Input.BACK, now=now, proofing_id=None), Input.BACK)


def begin_proofing(
    record: Registration, *, proofing_id: str, provider: str, now: datetime
) -> Transition:
    new = _move(record, Input.BEGIN_PROOFING, now=now, proofing_id=proofing_id)
    return _done(new, Input.BEGIN_PROOFING, provider=provider)


def proofed(
    record: Registration,
    *,
    identity: VerifiedIdentity,
    holder_first_name: str,
    holder_last_name: str,
    now: datetime,
) -> Transition:
    """Step 2 done: the proven person must be the one entered at step 1 and the account's
    holder (chapter 1 A). A different holder moves to ``stopped``: the service stores it
    and then tells the person the holder must first be changed (``holder_mismatch``).

    Raises:
        StateError: ``proofing_citizen_mismatch``.
    """
    next_state(record, Input.PROOFED)
    if identity.citizen_id != record.citizen_id:
        raise StateError("proofing_citizen_mismatch")
    if not identity.names_match(holder_first_name, holder_last_name):
        new = _move(record, Input.HOLDER_MISMATCH, now=now)
        return _done(new, Input.HOLDER_MISMATCH, provider=identity.provider)
    new = _move(record, Input.PROOFED, now=now, identity=identity)
    return _done(
        new,
        Input.PROOFED,
        provider=identity.provider,
        assurance_level=identity.assurance_level.value,
    )


def update_details(
    record: Registration, *, details: RegistrationDetails, email: Email | None, now: datetime
) -> Transition:
    """Step 3 edits. A changed email is no longer verified and needs a new code."""
    changed = email is not None and email != record.email
    new = _move(
        record,
        Input.UPDATE_DETAILS,
        now=now,
        details=details,
        email=email if email is not None else record.email,
        **({"email_verified": None, "code_sent_to": None} if changed else {}),
    )
    return _done(new, Input.UPDATE_DETAILS, email_changed=str(changed).lower())


def send_email_code(record: Registration, *, now: datetime) -> Transition:
    """Step 3 "send OTP" (the service issues the code to ``record.email``).

    Raises:
        ValidationError: ``required`` on ``email``.
    """
    if record.email is None:
        next_state(record, Input.SEND_EMAIL_CODE)
        raise ValidationError("required", field="email")
    new = _move(record, Input.SEND_EMAIL_CODE, now=now, code_sent_to=record.email)
    return _done(new, Input.SEND_EMAIL_CODE)


def verify_email(record: Registration, *, now: datetime) -> Transition:
    """Step 3, a right code was entered (the service checked it) for ``code_sent_to``.

    Raises:
        StateError: ``email_code_not_sent`` when the email changed since the code went out.
    """
    next_state(record, Input.VERIFY_EMAIL)
    if record.code_sent_to is None or record.code_sent_to != record.email:
        raise StateError("email_code_not_sent")
    new = _move(record, Input.VERIFY_EMAIL, now=now, email_verified=record.email)
    return _done(new, Input.VERIFY_EMAIL)


def save(record: Registration, *, now: datetime) -> Transition:
    """Step 3 "save": every required field and a verified email, then the review.

    Raises:
        ValidationError: ``required`` naming the first missing field.
        StateError: ``email_not_verified``.
    """
    next_state(record, Input.SAVE)
    missing = record.details.missing()
    if missing:
        raise ValidationError("required", field=missing[0], detail=", ".join(missing))
    if record.email is None:
        raise ValidationError("required", field="email")
    if not record.email_is_verified:
        raise StateError("email_not_verified")
    return _done(_move(record, Input.SAVE, now=now), Input.SAVE)


def edit(record: Registration, *, now: datetime) -> Transition:
    return _done(_move(record, Input.EDIT, now=now), Input.EDIT)


def confirm(record: Registration, *, now: datetime) -> Transition:
    """Step 3 "confirm" after the review: the registration awaits approval."""
    next_state(record, Input.CONFIRM)
    check_ready_for_approval(record)
    new = _move(record, Input.CONFIRM, now=now, submitted_at=now)
    return _done(new, Input.CONFIRM)


def approve(record: Registration, *, by: str, now: datetime) -> Transition:
    """Step 4 approved (``by`` is ``rule`` or ``officer:<id>``): ready for activation."""
    next_state(record, Input.APPROVE)
    check_ready_for_approval(record)
    new = _move(record, Input.APPROVE, now=now, decided_at=now, decided_by=by)
    return _done(new, Input.APPROVE, by=by)


def reject(record: Registration, *, by: str, reason: object, now: datetime) -> Transition:
    """Step 4 rejected with a reason; the person starts again at step 1.

    Raises:
        ValidationError: ``rejection_reason_required``.
    """
    next_state(record, Input.REJECT)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("rejection_reason_required", field="reason")
    text = require_text(reason, "reason", limit=500)
    new = _move(record, Input.REJECT, now=now, decided_at=now, decided_by=by, rejection_reason=text)
    return _done(new, Input.REJECT, by=by)


def activate(record: Registration, *, now: datetime) -> Transition:
    """Step 5 finished (called by the activation module)."""
    check_ready_for_approval(record)
    new = _move(record, Input.ACTIVATE, now=now, activated_at=now)
    return _done(new, Input.ACTIVATE)


def abandon(record: Registration, *, now: datetime, after: timedelta) -> Transition:
    """Expire a registration left unfinished for ``after``.

    Raises:
        StateError: ``wrong_step`` when it is not stale.
    """
    next_state(record, Input.ABANDON)
    if not record.stale(now=now, after=after):
        raise StateError("wrong_step", detail="not abandoned yet")
    return _done(_move(record, Input.ABANDON, now=now), Input.ABANDON)


def cancel(record: Registration, *, now: datetime) -> Transition:
    return _done(_move(record, Input.CANCEL, now=now), Input.CANCEL)
