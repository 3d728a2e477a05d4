"""What the registration service shares with officers and with activation: storing a
transition with its audit entries and emails, step 4 approval and rejection, the
hand-over to step 5 (activation), and the expiry of abandoned registrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts import _boundary
from softtoken.accounts._identifiers import UserId, mask_email
from softtoken.accounts._officer import Officer
from softtoken.errors import NotFound, SoftTokenError, StateError
from softtoken.lifecycle.registration import steps
from softtoken.lifecycle.registration._mail import send_decision_email
from softtoken.lifecycle.registration.machine import (
    ABANDONABLE,
    Input,
    Registration,
    RegistrationEvent,
    RegistrationState,
    Transition,
    next_state,
)
from softtoken.lifecycle.registration.store import EmailBindings, Registrations

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime, timedelta

    from softtoken._registration_settings import RegistrationSettings
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["OfficerCalls"]


class OfficerCalls:
    """Officers (step 4), activation (step 5) and housekeeping."""

    def __init__(self, context: ServiceContext, settings: RegistrationSettings) -> None:
        self._ctx = context
        self.settings = settings

    # --- reading ----------------------------------------------------------------------

    def get(self, registration_id: str) -> Registration:
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(Registrations).get_by_key(registration_id)

    def history(self, user_id: object) -> list[Registration]:
        """Every registration of the account, oldest first."""
        uid = self._ctx.user_id(user_id)
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(Registrations).of_account(uid)

    def assignment_order(self, registration_id: str) -> bytes:
        """The uploaded assignment order PDF, for the officer."""
        with self._ctx.unit_of_work().reading() as uow:
            record = uow.repository(Registrations).get_by_key(registration_id)
            if record.assignment_order is None:
                raise NotFound(detail="no assignment order")
            return self.settings.document_store.get(uow, record.assignment_order)

    # --- step 4: officers -------------------------------------------------------------

    def awaiting_approval(self, *, limit: int = 100) -> list[Registration]:
        """The officer's queue, oldest first."""
        limit = _boundary.count(limit, "limit")
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(Registrations).in_state(
                RegistrationState.AWAITING_APPROVAL, limit=limit
            )

    def approve(self, registration_id: str, *, officer: Officer | str) -> Registration:
        """An officer approves: the account is marked registered and the person gets the
        "registration status confirmed" email; step 4 shows "proceed". ``officer`` is the
        portal's :class:`~softtoken.Officer` (a bare officer ID is read as one).

        Raises:
            ValidationError: ``officer_required``.
            StateError: ``wrong_step``, ``registration_closed``, ``proofing_pending``,
                ``email_not_verified``, ``officer_own_account`` (the officer's own
                registration), ``citizen_id_not_on_file`` (the account has another
                citizen ID now).
        """
        who = Officer.parse(officer)
        return self._decide(
            registration_id, who, lambda reg, now: steps.approve(reg, by=who.actor, now=now)
        )

    def reject(self, registration_id: str, *, officer: Officer | str, reason: str) -> Registration:
        """An officer rejects, with the reason the email gives; the person starts again
        at step 1.

        Raises:
            ValidationError: ``officer_required``, ``rejection_reason_required``.
            StateError: ``officer_own_account``, and :meth:`approve`'s step errors.
        """
        who = Officer.parse(officer)
        return self._decide(
            registration_id,
            who,
            lambda reg, now: steps.reject(reg, by=who.actor, reason=reason, now=now),
        )

    def _decide(
        self,
        registration_id: str,
        officer: Officer,
        decision: Callable[[Registration, datetime], Transition],
    ) -> Registration:
        roles = ",".join(sorted(officer.roles))

        def work(uow: StorageUnitOfWork) -> Registration:
            reg = uow.repository(Registrations).get_by_key(registration_id)
            officer.refuse_own_account(reg.user_id)
            new, events = decision(reg, self._ctx.clock.now())
            named = tuple(
                attrs.evolve(event, detail={**event.detail, "officer_roles": roles})
                for event in events
            )
            return self._store(uow, new, named)

        return self._ctx.transact(work)

    # --- step 5: activation -----------------------------------------------------------

    def ready_for_activation(self, user_id: object) -> Registration | None:
        """The account's registration that is "approved, ready for activation", or None."""
        uid = self._ctx.user_id(user_id)
        with self._ctx.unit_of_work().reading() as uow:
            return self.ready_for_activation_in(uow, uid)

    def ready_for_activation_in(self, uow: StorageUnitOfWork, uid: UserId) -> Registration | None:
        found = uow.repository(Registrations).open_for(uid)
        return found if found is not None and found.ready_for_activation else None

    def mark_activated(self, registration_id: str, *, actor: str = "system") -> Registration:
        """Step 5 finished: the registration ends as ``activated``.

        Raises:
            NotFound: ``registration_not_found``.
            StateError: ``wrong_step`` unless it was approved, ``registration_closed``.
        """
        return self._ctx.transact(
            lambda uow: self.mark_activated_in(uow, registration_id, actor=actor)
        )

    def mark_activated_in(
        self, uow: StorageUnitOfWork, registration_id: str, *, actor: str
    ) -> Registration:
        """:meth:`mark_activated` inside the activation's own unit of work."""
        reg = uow.repository(Registrations).get_by_key(registration_id)
        return self._store(uow, *steps.activate(reg, now=self._ctx.clock.now()), actor=actor)

    # --- housekeeping -----------------------------------------------------------------

    def expire_abandoned(self, *, limit: int = 1000) -> int:
        """Expire registrations left unfinished longer than
        ``policy.registration_abandoned_after`` (run it from a periodic job). Returns how
        many expired. Each is its own unit of work; a lost race skips that one."""
        limit = _boundary.count(limit, "limit")
        now = self._ctx.clock.now()
        cutoff = now - self._abandoned_after
        with self._ctx.unit_of_work().reading() as uow:
            table = uow.repository(Registrations)
            stale = [
                reg.registration_id
                for state in sorted(ABANDONABLE)
                for reg in table.in_state(state, before=cutoff, limit=limit)
            ][:limit]
        expired = 0
        for registration_id in stale:

            def work(uow: StorageUnitOfWork, rid: str = registration_id) -> None:
                reg = uow.repository(Registrations).get_by_key(rid)
                self._store(
                    uow, *steps.abandon(reg, now=now, after=self._abandoned_after), actor="system"
                )

            try:
                self._ctx.transact(work)
            except SoftTokenError:
                continue  # the person acted meanwhile: it is no longer stale
            expired += 1
        return expired

    # --- shared plumbing --------------------------------------------------------------

    @property
    def _abandoned_after(self) -> timedelta:
        return self._ctx.policy.registration_abandoned_after

    @staticmethod
    def _wrong_step(reg: Registration, event: Input) -> Registration:
        next_state(reg, event)
        return reg

    def _act(
        self,
        user_id: object,
        step: Callable[[StorageUnitOfWork, Registration, datetime], Transition],
    ) -> Registration:
        """One step of the person's open registration, in one unit of work."""
        uid = self._ctx.user_id(user_id)

        def work(uow: StorageUnitOfWork) -> Registration:
            now = self._ctx.clock.now()
            return self._store(uow, *step(uow, self._open(uow, uid, now), now))

        return self._ctx.transact(work)

    def _open(self, uow: StorageUnitOfWork, uid: UserId, now: datetime) -> Registration:
        reg = uow.repository(Registrations).open_for(uid)
        if reg is None:
            raise NotFound("registration_not_found")
        if reg.stale(now=now, after=self._abandoned_after):
            raise StateError("registration_expired")
        return reg

    def _store(
        self,
        uow: StorageUnitOfWork,
        record: Registration,
        events: tuple[RegistrationEvent, ...],
        *,
        actor: str | None = None,
    ) -> Registration:
        """Save ``record`` and turn its events into audit entries, the account update of
        an approval, and the decision emails, all in this unit of work."""
        table = uow.repository(Registrations)
        stored = table.add(record) if record.version == 0 else table.update(record)
        for event in events:
            by = event.detail.get("by")
            who = actor or (by if by and by != "rule" else f"user:{event.user_id}")
            mismatch = event.kind is Input.HOLDER_MISMATCH
            self._ctx.audit(
                uow,
                actor=who,
                action=f"registration.{event.kind.value}",
                subject=event.user_id,
                outcome="failure" if mismatch else "success",
                registration_id=event.registration_id,
                **event.detail,
            )
            if event.kind is Input.APPROVE:
                self._on_approved(uow, stored)
            if event.kind in {Input.APPROVE, Input.REJECT}:
                send_decision_email(self._ctx, uow, stored)
        return stored

    def _on_approved(self, uow: StorageUnitOfWork, reg: Registration) -> None:
        """Mark the account: registration completed, citizen ID and email from the
        registration (the password reset of chapter 4 needs them).

        A citizen ID on file is never overwritten: a different holder changes through a
        service request (chapter 7). Moving the email moves the reset channel, so the
        previous address is told (B4 4.1.2.1; ASVS 6.3.7).

        Raises:
            StateError: ``citizen_id_not_on_file``.
        """
        assert reg.citizen_id is not None  # noqa: S101 - guaranteed above
        assert reg.email is not None  # noqa: S101 - guaranteed above
        account = uow.accounts.get(reg.user_id)
        if account.citizen_id is not None and account.citizen_id != reg.citizen_id:
            raise StateError("citizen_id_not_on_file")
        uow.repository(EmailBindings).bind(
            reg.email, reg.citizen_id, registration_id=reg.registration_id, now=reg.updated_at
        )
        if account.email is not None and account.email != reg.email:
            self._ctx.email(
                uow,
                "registration_email_changed",
                account.email.value,
                {
                    "name": account.full_name,
                    "user_id": account.user_id.value,
                    "masked": mask_email(reg.email.value),
                    "reference": reg.registration_id,
                },
            )
        uow.accounts.update(
            attrs.evolve(
                account,
                registration_completed=True,
                citizen_id=reg.citizen_id,
                email=reg.email,
                updated_at=reg.updated_at,
            )
        )
