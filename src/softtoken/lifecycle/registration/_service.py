"""The registration service (``soft.registration``): chapter 2 steps 1 to 4 for the
person (calls keyed by the logged-in user ID: an account has at most one open
registration), approval for officers, and the hand-over to activation (step 5).

Each call is one unit of work: load the open registration, apply one transition of
``_registration_steps``, store it with its audit entries and emails, commit."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._identifiers import CitizenId, Email, PhoneNumber
from softtoken.errors import ConcurrencyError, Conflict, StateError, ValidationError
from softtoken.lifecycle.registration import steps
from softtoken.lifecycle.registration._officer import OfficerCalls
from softtoken.lifecycle.registration.machine import (
    Input,
    Registration,
    RegistrationState,
    Transition,
    require_text,
)
from softtoken.lifecycle.registration.store import EmailBindings, Registrations
from softtoken.otp._client import CODE_SENDS, PROOFING_STARTS, ClientThrottle
from softtoken.otp._codes import Purpose, normalize_code
from softtoken.otp._service import Failure, IssuedCode, OtpService
from softtoken.proofing._documents_store import (
    PDF_MEDIA_TYPE,
    check_pdf,
    drop_documents,
    keep_document,
)
from softtoken.proofing._result import ProofingChallenge, ProofingStatus
from softtoken.proofing._service import ProofingService, Refused, run_recording

if TYPE_CHECKING:
    from datetime import datetime

    from softtoken._registration_settings import RegistrationSettings
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["RegistrationService"]


class RegistrationService(OfficerCalls):
    """Registration with identity proofing and approval (manual chapter 2, steps 1-4);
    officers' and activation's calls come from :class:`OfficerCalls`."""

    def __init__(
        self,
        context: ServiceContext,
        proofing: ProofingService,
        otp: OtpService,
        settings: RegistrationSettings,
    ) -> None:
        super().__init__(context, settings)
        self._proofing = proofing
        self._otp = otp

    # --- reading ----------------------------------------------------------------------

    def current(self, user_id: object) -> Registration | None:
        """The account's open registration, to resume at ``registration.step``."""
        uid = self._ctx.user_id(user_id)
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(Registrations).open_for(uid)

    def needs_assignment_order(self, user_id: object) -> bool:
        """Whether step 1 shows the "upload PDF" button for this account."""
        uid = self._ctx.user_id(user_id)
        with self._ctx.unit_of_work().reading() as uow:
            return self.settings.order_required(uow.accounts.get(uid))

    # --- the person: steps 1 to 3 -------------------------------------------------------

    def start(self, user_id: object) -> Registration:
        """Open the wizard: the open registration (resumed where it was), or a new one
        at step 1. A registration left too long expires here and a new one starts.

        Raises:
            NotFound: ``account_not_found``.
        """
        uid = self._ctx.user_id(user_id)
        ctx = self._ctx

        def work(uow: StorageUnitOfWork) -> Registration:
            now = ctx.clock.now()
            account = uow.accounts.get(uid)
            table = uow.repository(Registrations)
            found = table.open_for(uid)
            if found is not None and found.stale(now=now, after=self._abandoned_after):
                self._store(uow, *steps.abandon(found, now=now, after=self._abandoned_after))
                found = None
            if found is not None:
                return found
            new = steps.new_registration(
                registration_id=secrets.token_hex(16), user_id=uid, email=account.email, now=now
            )
            try:
                stored = table.add(new)
            except Conflict:
                raise ConcurrencyError(detail="a registration was opened concurrently") from None
            ctx.audit(
                uow,
                actor=f"user:{uid.value}",
                action="registration.start",
                subject=uid.value,
                registration_id=stored.registration_id,
            )
            return stored

        return ctx.transact(work)

    def identify(
        self,
        user_id: object,
        *,
        citizen_id: object,
        accept_consent: bool,
        consent_version: str,
        assignment_order: bytes | None = None,
    ) -> Registration:
        """Step 1, "next". ``assignment_order`` is the PDF's bytes (checked to be a real
        PDF of at most ``policy.assignment_order_max_bytes``, whatever its name).

        Raises:
            ValidationError: ``invalid_citizen_id``, ``citizen_id_not_on_file`` (the
                account has another citizen ID: its holder changes by a service request),
                ``consent_required``, ``consent_outdated``, ``assignment_order_required``,
                ``document_empty``, ``document_too_large``, ``document_not_pdf``.
            Conflict: ``document_limit_reached`` (``policy.documents_per_user_max``).
        """
        cid = CitizenId.parse(citizen_id)
        pdf = None
        if assignment_order is not None:
            limit = self._ctx.policy.assignment_order_max_bytes
            pdf = check_pdf(assignment_order, max_bytes=limit, field="assignment_order")

        def step(uow: StorageUnitOfWork, reg: Registration, now: datetime) -> Transition:
            account = uow.accounts.get(reg.user_id)
            # The holder on file registers; another person changes the holder first
            # (chapter 7), never by proving their own citizen ID here (issue 12, M3).
            if account.citizen_id is not None and account.citizen_id != cid:
                raise ValidationError("citizen_id_not_on_file", field="citizen_id")
            required = self.settings.order_required(account)
            store = self.settings.document_store
            stored = None
            replaced = reg.assignment_order if pdf is not None else None
            if pdf is not None:
                stored = keep_document(
                    uow,
                    store,
                    owner=reg.user_id.value,
                    limit=self._ctx.policy.documents_per_user_max,
                    kind="assignment_order",
                    media_type=PDF_MEDIA_TYPE,
                    content=pdf,
                    now=now,
                    replaces=(replaced,) if replaced else (),
                ).document_id
            moved = steps.identify(
                reg,
                citizen_id=cid,
                accepted=accept_consent is True,
                consent_version=consent_version,
                current_consent_version=self.settings.consent_version,
                assignment_order=stored,
                order_required=required,
                now=now,
            )
            drop_documents(uow, store, [replaced])  # the order it replaces (L2)
            return moved

        return self._act(user_id, step)

    def back(self, user_id: object) -> Registration:
        """Step 2, "back" to step 1."""
        return self._act(user_id, lambda _uow, reg, now: steps.back(reg, now=now))

    def begin_proofing(
        self, user_id: object, *, provider: str = "paotang", client: str | None = None
    ) -> ProofingChallenge:
        """Step 2: the QR code to show (or, for document review, the proofing to attach
        the documents to). Calling it again replaces an expired QR code. ``client``: at
        most ``policy.client_max_proofing_starts`` per ``policy.client_proofing_window``.

        Raises:
            NotFound: ``proofing_provider_unknown``; RateLimited: ``client_rate_limited``.
        """
        starts = ClientThrottle(self._ctx, PROOFING_STARTS)
        mac = starts.key(client)
        starts.check(mac)
        box: list[ProofingChallenge] = []

        def step(uow: StorageUnitOfWork, reg: Registration, now: datetime) -> Transition:
            steps.begin_proofing(reg, proofing_id="-", provider=provider, now=now)  # check step
            starts.count_in(uow, mac)
            assert reg.citizen_id is not None  # noqa: S101 - set at step 1
            challenge = self._proofing.begin_in(
                uow,
                provider=provider,
                citizen_id=reg.citizen_id,
                subject=reg.registration_id,
                actor=f"user:{reg.user_id.value}",
                owner=reg.user_id.value,
            )
            box[:] = [challenge]
            return steps.begin_proofing(
                reg, proofing_id=challenge.proofing_id, provider=provider, now=now
            )

        self._act(user_id, step)
        return box[0]

    def check_status(self, user_id: object) -> Registration:
        """Step 2, "check status": when the proofing completed, the proven person must be
        the account's holder; then step 3 opens ("you have completed identity proofing").

        Raises:
            StateError: ``proofing_pending`` (not confirmed in the app yet),
                ``proofing_declined``, ``holder_mismatch`` (the registration stops: the
                account's holder must first be changed, chapter 7), or a refused answer's
                ``proofing_*`` code.
        """
        uid = self._ctx.user_id(user_id)

        def work(uow: StorageUnitOfWork) -> Registration | Refused:
            now = self._ctx.clock.now()
            reg = self._open(uow, uid, now)
            if reg.state is not RegistrationState.PROOFING:
                return reg if reg.proofing_completed else self._wrong_step(reg, Input.PROOFED)
            if reg.proofing_id is None:
                raise StateError("proofing_pending")
            answer = self._proofing.refresh_in(uow, reg.proofing_id)
            if isinstance(answer, Refused):
                return answer
            if answer.status is ProofingStatus.FAILED:
                raise StateError("proofing_declined")
            if answer.result is None:
                raise StateError("proofing_pending")
            account = uow.accounts.get(uid)
            new = self._store(
                uow,
                *steps.proofed(
                    reg,
                    identity=answer.result,
                    holder_first_name=account.first_name,
                    holder_last_name=account.last_name,
                    now=now,
                ),
            )
            if new.state is RegistrationState.STOPPED:
                return Refused(StateError("holder_mismatch"))
            return new

        return run_recording(self._ctx, work)

    def update_details(
        self,
        user_id: object,
        *,
        email: object = None,
        address: object = None,
        phone: object = None,
        position: object = None,
        division: object = None,
        department: object = None,
        ministry: object = None,
    ) -> Registration:
        """Step 3: check and fill in. Only the fields given change; a new email must be
        verified again with a new code. Whether the email belongs to another citizen ID
        is told only after its code is confirmed (:meth:`verify_email`), so this step is
        no oracle of registered addresses.

        Raises:
            ValidationError: a malformed field (``field`` names it).
        """
        new_email = None if email is None else Email.parse(email)
        texts = {
            "address": address,
            "position": position,
            "division": division,
            "department": department,
            "ministry": ministry,
        }
        changes: dict[str, object] = {
            name: require_text(value, name, limit=500 if name == "address" else 200)
            for name, value in texts.items()
            if value is not None
        }
        if phone is not None:
            changes["phone"] = PhoneNumber.parse(phone, digits=self._ctx.policy.phone_digits)

        def step(_uow: StorageUnitOfWork, reg: Registration, now: datetime) -> Transition:
            details = attrs.evolve(reg.details, **changes)  # type: ignore[arg-type]
            return steps.update_details(reg, details=details, email=new_email, now=now)

        return self._act(user_id, step)

    def send_email_code(self, user_id: object, *, client: str | None = None) -> IssuedCode:
        """Step 3, "send OTP" to the registration's email (also to an address another
        citizen ID holds: only its reader learns that, at :meth:`verify_email`).
        ``client``: counted as for ``soft.otp.issue``.

        Raises:
            RateLimited: ``otp_resend_too_soon``, ``client_rate_limited``, ...
        """
        sends = ClientThrottle(self._ctx, CODE_SENDS)
        mac = sends.key(client)
        sends.check(mac)
        box: list[IssuedCode] = []

        def step(uow: StorageUnitOfWork, reg: Registration, now: datetime) -> Transition:
            new, events = steps.send_email_code(reg, now=now)
            sends.count_in(uow, mac)  # counted only with a send that commits
            assert new.email is not None  # noqa: S101 - guaranteed above
            box[:] = [
                self._otp.issue_in(
                    uow,
                    purpose=Purpose.EMAIL_VERIFICATION.value,
                    subject=reg.registration_id,
                    email=new.email,
                    template="registration_email_code",
                    params={"user_id": reg.user_id.value},
                    actor=f"user:{reg.user_id.value}",
                )
            ]
            return new, events

        self._act(user_id, step)
        return box[0]

    def verify_email(self, user_id: object, code: object) -> Registration:
        """Step 3: the code from the email. A right code binds the email to the citizen ID.
        ``email_taken`` is answered only after a right code: whoever can read the mailbox
        may learn the address is registered, nobody else (issue 12, L3).

        Raises:
            StateError: ``email_code_not_sent`` (the email changed since the code).
            Conflict: ``email_taken`` (after a right code; nothing is stored).
            AuthenticationError / RateLimited: the one-time code's errors (``otp_*``).
        """
        typed = normalize_code(code, digits=self._ctx.policy.otp_digits)
        uid = self._ctx.user_id(user_id)

        def work(uow: StorageUnitOfWork) -> Registration | Refused:
            now = self._ctx.clock.now()
            reg = self._open(uow, uid, now)
            new, events = steps.verify_email(reg, now=now)
            assert new.email is not None  # noqa: S101 - guaranteed above
            assert reg.citizen_id is not None  # noqa: S101 - guaranteed above
            bindings = uow.repository(EmailBindings)
            checked = self._otp.verify_in(
                uow,
                purpose=Purpose.EMAIL_VERIFICATION.value,
                subject=reg.registration_id,
                code=typed,
                actor=f"user:{uid.value}",
            )
            if isinstance(checked, Failure):
                return Refused(checked.error)
            # Raising here undoes the code's use too: the address stays unverified.
            bindings.check_free(new.email, reg.citizen_id)
            bindings.bind(new.email, reg.citizen_id, registration_id=reg.registration_id, now=now)
            return self._store(uow, new, events)

        return run_recording(self._ctx, work)

    def save(self, user_id: object) -> Registration:
        """Step 3, "save": every required field and a verified email; then the review."""
        return self._act(user_id, lambda _uow, reg, now: steps.save(reg, now=now))

    def edit(self, user_id: object) -> Registration:
        """Step 3, from the review back to editing."""
        return self._act(user_id, lambda _uow, reg, now: steps.edit(reg, now=now))

    def confirm(self, user_id: object) -> Registration:
        """Step 3, "confirm" after the review: awaiting approval, or approved at once when
        the deployment's rule says so (step 4 shows "proceed")."""

        def step(uow: StorageUnitOfWork, reg: Registration, now: datetime) -> Transition:
            new, events = steps.confirm(reg, now=now)
            rule = self.settings.approval_rule
            decision = None if rule is None else rule(new, uow.accounts.get(reg.user_id))
            if decision is None:
                return new, events
            stored = self._store(uow, new, events)
            if decision.approve:
                return steps.approve(stored, by="rule", now=now)
            return steps.reject(stored, by="rule", reason=decision.reason or "-", now=now)

        return self._act(user_id, step)

    def cancel(self, user_id: object) -> Registration:
        """The person gives up; the account may start a new registration."""
        return self._act(user_id, lambda _uow, reg, now: steps.cancel(reg, now=now))
