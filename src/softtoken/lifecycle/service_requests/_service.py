"""``soft.service_requests``: the service request form of manual chapter 7, from
submission to the emailed result, for officers and for the portal.

Each call is one unit of work around the pure transitions of ``_service_requests``;
an approval stores the decision, carries out the purpose's outcome
(``_service_request_effects``) and queues the result email in one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from softtoken._context import ServiceContext
from softtoken.accounts import _boundary
from softtoken.accounts._officer import Officer
from softtoken.errors import ValidationError
from softtoken.lifecycle.service_requests import machine
from softtoken.lifecycle.service_requests._effects import (
    carry_out,
    result_address,
    send_rejection,
)
from softtoken.lifecycle.service_requests._form import (
    ServiceRequestForm,
    ServiceRequestFormInvalid,
    parse_form,
)
from softtoken.lifecycle.service_requests._purposes import PurposeGroup
from softtoken.lifecycle.service_requests._store import ServiceRequestTable
from softtoken.lifecycle.service_requests.machine import (
    RequestEvent,
    RequestState,
    ServiceRequest,
    Step,
)
from softtoken.proofing._documents_store import (
    PDF_MEDIA_TYPE,
    DocumentStore,
    check_pdf,
    keep_document,
)

if TYPE_CHECKING:
    from softtoken.ca._service import CaService
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["ServiceRequestService", "parse_officer"]

_Transition = Callable[[ServiceRequest, datetime], Step]


def parse_officer(raw: object) -> Officer:
    """The officer who acts: an :class:`~softtoken.Officer`, or a bare officer ID read as
    one (normalised, so ``Alice`` and ``alice`` are one officer).

    Raises:
        ValidationError: ``officer_required`` on ``officer``.
    """
    return Officer.parse(raw)


class ServiceRequestService:
    """Submit, review, approve or reject service requests; list the queue and the
    overdue ones. Every officer call names the officer and is audited."""

    def __init__(self, context: ServiceContext, *, ca: CaService, documents: DocumentStore) -> None:
        self._ctx = context
        self._ca = ca
        self._documents = documents

    # --- the requester's side ---------------------------------------------------------

    def check_form(self, form: object) -> ServiceRequestForm:
        """Check a filled-in form without storing anything (for the portal's page).

        Raises:
            ServiceRequestFormInvalid: one error per bad field (Thai and English).
        """
        return parse_form(form, policy=self._ctx.policy)

    def submit(
        self,
        form: Mapping[str, object],
        *,
        signed_form: object,
        officer: Officer | str | None = None,
    ) -> ServiceRequest:
        """Record a service request: the form's fields (see
        :mod:`softtoken.lifecycle.service_requests._form`) and the signed form as PDF bytes
        (a real PDF, checked by its bytes, at most ``policy.service_request_form_max_bytes``).
        ``officer`` names the officer who typed in an emailed form; without it the request
        comes from the portal, from the person logged in as the form's user ID. An
        acknowledgement goes to ``sent_from`` with the time the answer is due.

        Raises:
            ServiceRequestFormInvalid: every bad field at once, the signed form's
                (``service_request_signed_form_required``, ``document_empty``,
                ``document_too_large``, ``document_not_pdf``) among them, and
                ``service_request_email_mismatch`` when the part 2 email is not the
                account's registered one (purposes of the existing holder). Nothing is
                stored.
            NotFound: ``account_not_found``.
            ValidationError: ``officer_required``.
            StateError: ``officer_own_account`` (an officer recording their own account's).
            Conflict: ``document_limit_reached`` (``policy.documents_per_user_max``).
        """
        ctx = self._ctx
        recorder = None if officer is None else parse_officer(officer)
        errors: list[ValidationError] = []
        parsed: ServiceRequestForm | None = None
        try:
            parsed = parse_form(form, policy=ctx.policy)
        except ServiceRequestFormInvalid as invalid:
            errors.extend(invalid.errors)
        pdf = self._check_pdf(signed_form, errors)
        if errors or parsed is None or pdf is None:
            raise ServiceRequestFormInvalid(tuple(errors))
        checked: ServiceRequestForm = parsed
        content: bytes = pdf

        if recorder is not None:
            recorder.refuse_own_account(checked.user_id)

        def work(uow: StorageUnitOfWork) -> ServiceRequest:
            now = ctx.clock.now()
            account = uow.accounts.get(checked.user_id)
            if checked.purpose.group is not PurposeGroup.CHANGE_OF_HOLDER and (
                account.email != checked.email
            ):
                raise ServiceRequestFormInvalid(
                    (ValidationError("service_request_email_mismatch", field="email"),)
                )
            stored = keep_document(
                uow,
                self._documents,
                owner=checked.user_id.value,
                limit=ctx.policy.documents_per_user_max,
                kind="service_request_form",
                media_type=PDF_MEDIA_TYPE,
                content=content,
                now=now,
            )
            record, event = machine.new_request(
                request_id=secrets.token_hex(16),
                form=checked,
                signed_form=stored.document_id,
                signed_form_sha256=stored.sha256,
                recorded_by=f"user:{checked.user_id.value}" if recorder is None else recorder.actor,
                now=now,
            )
            added = uow.repository(ServiceRequestTable).add(record)
            self._audit(uow, event)
            due = added.due_at(ctx.policy.service_request_answer_within)
            ctx.email(
                uow,
                "service_request_received",
                checked.sent_from.value,
                {
                    "name": checked.requester_name,
                    "user_id": checked.user_id.value,
                    "purpose_th": checked.purpose.label("th"),
                    "purpose_en": checked.purpose.label("en"),
                    "due": due.strftime("%Y-%m-%d %H:%M"),
                    "reference": added.request_id,
                },
            )
            return added

        return ctx.transact(work)

    def _check_pdf(self, raw: object, errors: list[ValidationError]) -> bytes | None:
        if raw is None:
            errors.append(
                ValidationError("service_request_signed_form_required", field="signed_form")
            )
            return None
        try:
            limit = self._ctx.policy.service_request_form_max_bytes
            return check_pdf(raw, max_bytes=limit, field="signed_form")
        except ValidationError as error:
            errors.append(error)
            return None

    # --- officers ---------------------------------------------------------------------

    def take(
        self, request_id: str, *, officer: Officer | str, note: object = None
    ) -> ServiceRequest:
        """An officer takes the request into review (or over from another officer).

        Raises:
            NotFound: ``service_request_not_found``.
            ValidationError: ``officer_required``.
            StateError: ``service_request_closed``, ``officer_own_account``.
        """
        who = parse_officer(officer)
        return self._step(
            request_id, lambda r, now: machine.take(r, officer=who, now=now, note=note)
        )

    def approve(
        self, request_id: str, *, officer: Officer | str, note: object = None
    ) -> ServiceRequest:
        """Approve and carry out the purpose's outcome, then email the result, all in one
        transaction (see ``_service_request_effects`` for each purpose's effect).

        Raises:
            StateError: ``service_request_not_in_review``, ``service_request_closed``
                (it was decided already: nothing happens twice),
                ``service_request_dual_control`` (the officer who recorded it),
                ``officer_own_account`` (the officer's own account),
                ``soft_token_not_active`` (nothing to revoke for a soft token purpose).
            ValidationError: ``officer_required``.
            Conflict: ``email_taken`` (a new email bound to another citizen ID).
            NotFound: ``service_request_not_found``, ``account_not_found``.
        """
        ctx = self._ctx
        officer_ = parse_officer(officer)
        who = officer_.actor

        def work(uow: StorageUnitOfWork) -> ServiceRequest:
            table = uow.repository(ServiceRequestTable)
            now = ctx.clock.now()
            record = table.get_by_key(request_id)
            approved, event = machine.approve(
                record,
                officer=officer_,
                now=now,
                note=note,
                dual_control=ctx.policy.service_request_dual_control,
            )
            # The request's row first: of two officers approving at once, the second
            # waits here and then fails its version check before touching anything else.
            stored = table.update(approved)
            self._audit(uow, event)
            effects = carry_out(ctx, self._ca, uow, stored, actor=who)
            applied, applied_event = machine.apply(stored, effects=effects, by=who, now=now)
            self._audit(uow, applied_event)
            done, notified = machine.notify(
                applied, to=result_address(applied.form).value, by=who, now=now
            )
            self._audit(uow, notified)
            return table.update(done)

        return ctx.transact(work)

    def reject(self, request_id: str, *, officer: Officer | str, reason: object) -> ServiceRequest:
        """Reject with the reason the requester is emailed.

        Raises:
            ValidationError: ``officer_required``, ``rejection_reason_required``.
            StateError: ``service_request_not_in_review``, ``service_request_closed``,
                ``officer_own_account``.
        """
        ctx = self._ctx
        officer_ = parse_officer(officer)
        who = officer_.actor

        def work(uow: StorageUnitOfWork) -> ServiceRequest:
            table = uow.repository(ServiceRequestTable)
            now = ctx.clock.now()
            rejected, event = machine.reject(
                table.get_by_key(request_id), officer=officer_, reason=reason, now=now
            )
            self._audit(uow, event)
            to = send_rejection(ctx, uow, rejected)
            done, notified = machine.notify(rejected, to=to, by=who, now=now)
            self._audit(uow, notified)
            return table.update(done)

        return ctx.transact(work)

    # --- reading ----------------------------------------------------------------------

    def get(self, request_id: str) -> ServiceRequest:
        """Raises NotFound ``service_request_not_found``."""
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(ServiceRequestTable).get_by_key(request_id)

    def signed_form(self, request_id: str) -> bytes:
        """The signed form PDF, for the officer."""
        with self._ctx.unit_of_work().reading() as uow:
            record = uow.repository(ServiceRequestTable).get_by_key(request_id)
            return self._documents.get(uow, record.signed_form)

    def pending(self, *, limit: int = 100) -> list[ServiceRequest]:
        """Requests waiting for an officer (submitted or in review), oldest first."""
        limit = _boundary.count(limit, "limit")
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(ServiceRequestTable).waiting(limit=limit)

    def overdue(self, *, limit: int = 100) -> list[ServiceRequest]:
        """Waiting requests older than ``policy.service_request_answer_within`` (the
        manual promises an answer within 1 hour), oldest first."""
        limit = _boundary.count(limit, "limit")
        ctx = self._ctx
        cutoff = ctx.clock.now() - ctx.policy.service_request_answer_within
        with ctx.unit_of_work().reading() as uow:
            found = uow.repository(ServiceRequestTable).waiting(before=cutoff, limit=limit)
        return [r for r in found if r.submitted_at < cutoff]

    def list(
        self, *, state: RequestState | str | None = None, user_id: object = None, limit: int = 100
    ) -> list[ServiceRequest]:
        """Requests, oldest first, optionally of one state or one account."""
        limit = _boundary.count(limit, "limit")
        try:
            wanted = None if state is None else RequestState(state)
        except ValueError:
            raise ValidationError("invalid_value", field="state") from None
        uid = None if user_id is None else self._ctx.user_id(user_id).value
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(ServiceRequestTable).listing(
                state=wanted, user_id=uid, limit=limit
            )

    # --- plumbing ---------------------------------------------------------------------

    def _step(self, request_id: str, transition: _Transition) -> ServiceRequest:
        ctx = self._ctx

        def work(uow: StorageUnitOfWork) -> ServiceRequest:
            table = uow.repository(ServiceRequestTable)
            new, event = transition(table.get_by_key(request_id), ctx.clock.now())
            self._audit(uow, event)
            return table.update(new)

        return ctx.transact(work)

    def _audit(self, uow: StorageUnitOfWork, event: RequestEvent) -> None:
        details: dict[str, str] = {"request_id": event.request_id, **event.detail}
        self._ctx.audit(
            uow,
            actor=event.by,
            action=f"service_request.{event.kind.value}",
            subject=event.user_id,
            **details,  # type: ignore[arg-type]  # str values; never "outcome"
        )
