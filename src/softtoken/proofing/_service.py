"""The proofing service (``soft.proofing``): begin a proofing, take the provider's
answer (a callback the portal passes in, or "check status" polling), and the officer's
side of document review. Each call is one unit of work around one pure transition.

A refused answer (forged, replayed, expired, wrong audience, another citizen ID, ...)
changes nothing but the audit log, which records the refusal and its reason."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, TypeVar

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import (
    AuthenticationError,
    NotFound,
    SoftTokenError,
    StateError,
    ValidationError,
)
from softtoken.proofing._documents_store import DocumentStore, check_scan
from softtoken.proofing._provider import ProofingProvider, ProofingRegistry
from softtoken.proofing._result import (
    ProofingChallenge,
    ProofingRecord,
    ProofingStatus,
    VerifiedIdentity,
)
from softtoken.proofing._store import (
    ProofingTable,
    apply_declined,
    apply_verified,
    awaits_answer,
    check_pending,
)
from softtoken.proofing.documents._review import (
    DOCUMENT_KINDS,
    DocumentReviewProvider,
    OfficerConfirmation,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["ProofingService", "Refused"]

T = TypeVar("T")


@attrs.frozen
class Refused:
    """A unit of work recorded a refusal (an audit entry); raise ``error`` after commit."""

    error: Exception


def run_recording(ctx: ServiceContext, work: Callable[[StorageUnitOfWork], T | Refused]) -> T:
    result = ctx.transact(work)
    if isinstance(result, Refused):
        raise result.error
    return result


class ProofingService:
    """Identity proofing (``soft.proofing``). ``registry`` lists the providers."""

    def __init__(
        self, context: ServiceContext, registry: ProofingRegistry, documents: DocumentStore
    ) -> None:
        self._ctx = context
        self.registry = registry
        self.documents = documents

    # --- begin ------------------------------------------------------------------------

    def begin(
        self, provider: str, *, citizen_id: object, subject: str, actor: str = "system"
    ) -> ProofingChallenge:
        """Start proving ``citizen_id`` with ``provider`` for ``subject`` (who asked,
        e.g. a registration ID). Returns what to show; the pending proofing is stored.

        Raises:
            NotFound: ``proofing_provider_unknown``.
            ValidationError: ``invalid_citizen_id``.
        """
        cid = CitizenId.parse(citizen_id)
        return self._ctx.transact(
            lambda uow: self.begin_in(
                uow, provider=provider, citizen_id=cid, subject=subject, actor=actor
            )
        )

    def begin_in(
        self,
        uow: StorageUnitOfWork,
        *,
        provider: str,
        citizen_id: CitizenId,
        subject: str,
        actor: str,
    ) -> ProofingChallenge:
        """:meth:`begin` inside the caller's unit of work."""
        chosen = self.registry.get(provider)
        now = self._ctx.clock.now()
        proofing_id = secrets.token_hex(16)
        default_expiry = now + self._ctx.policy.proofing_request_lifetime
        started = chosen.start(
            proofing_id=proofing_id, citizen_id=citizen_id, expires_at=default_expiry, now=now
        )
        record = ProofingRecord(
            proofing_id=proofing_id,
            provider=chosen.name,
            subject=subject,
            citizen_id=citizen_id,
            lookup=started.lookup,
            state=dict(started.state),
            created_at=now,
            expires_at=started.expires_at or default_expiry,
        )
        uow.repository(ProofingTable).add(record)
        self._ctx.audit(
            uow,
            actor=actor,
            action="proofing.begin",
            subject=subject,
            provider=chosen.name,
            proofing_id=proofing_id,
        )
        return ProofingChallenge(
            proofing_id=proofing_id,
            provider=chosen.name,
            qr_payload=started.qr_payload,
            expires_at=record.expires_at,
        )

    # --- answers ----------------------------------------------------------------------

    def callback(self, provider: str, evidence: object) -> ProofingRecord:
        """The provider's answer arrived at the portal's callback route (for Pao Tang,
        the body is the signed assertion). Finds the pending proofing the answer is for
        and completes it. Returns the verified record.

        Raises:
            ValidationError: ``proofing_malformed``.
            AuthenticationError / StateError: a ``proofing_*`` code (see ``complete``).
        """
        chosen = self.registry.get(provider)
        actor = f"provider:{chosen.name}"
        evidence = self._prepared(chosen, evidence)

        def work(uow: StorageUnitOfWork) -> ProofingRecord | Refused:
            try:
                lookup = chosen.lookup(evidence)
                found = None if lookup is None else uow.repository(ProofingTable).by_lookup(lookup)
                if found is None or found.provider != chosen.name:
                    raise AuthenticationError("proofing_nonce_mismatch")
            except SoftTokenError as error:
                self._ctx.audit(
                    uow,
                    actor=actor,
                    action="proofing.complete",
                    subject="unknown",
                    outcome="failure",
                    provider=chosen.name,
                    reason=error.code,
                )
                return Refused(error)
            return self.complete_in(uow, found, evidence, actor=actor)

        return run_recording(self._ctx, work)

    def _prepared(self, provider: ProofingProvider, evidence: object) -> object:
        """A provider that fetches its answer over the network (OpenID Connect redeems a
        code) does it here, before the unit of work, so no transaction waits on it; only
        for a pending proofing, so forged or replayed answers cost no request."""
        prepare = getattr(provider, "prepare", None)
        if not callable(prepare):
            return evidence
        with self._ctx.unit_of_work() as uow:
            waiting = awaits_answer(uow, provider, evidence, now=self._ctx.clock.now())
        return prepare(evidence, now=self._ctx.clock.now()) if waiting else evidence

    def complete(
        self, proofing_id: str, evidence: object, *, expected_citizen_id: object
    ) -> VerifiedIdentity:
        """Check an answer for ``proofing_id``, which must be proving
        ``expected_citizen_id``. Returns the frozen result, or raises.

        Raises:
            NotFound: ``proofing_not_found``.
            StateError: ``proofing_citizen_mismatch``, ``proofing_wallet_unverified``,
                ``proofing_declined``.
            AuthenticationError: ``proofing_bad_signature``, ``proofing_wrong_issuer``,
                ``proofing_wrong_audience``, ``proofing_nonce_mismatch``,
                ``proofing_assertion_expired``, ``proofing_expired``, ``proofing_replayed``.
        """
        expected = CitizenId.parse(expected_citizen_id)
        evidence = self._prepared(self.registry.get(self.get(proofing_id).provider), evidence)

        def work(uow: StorageUnitOfWork) -> ProofingRecord | Refused:
            record = uow.repository(ProofingTable).get_by_key(proofing_id)
            if record.citizen_id != expected:
                raise StateError("proofing_citizen_mismatch")
            return self.complete_in(uow, record, evidence, actor="system")

        done = run_recording(self._ctx, work)
        assert done.result is not None  # noqa: S101 - a verified record has its result
        return done.result

    def complete_in(
        self, uow: StorageUnitOfWork, record: ProofingRecord, evidence: object, *, actor: str
    ) -> ProofingRecord | Refused:
        """Verify ``evidence`` for ``record`` in the caller's unit of work. A refusal is
        audited and returned (commit, then raise its error)."""
        now = self._ctx.clock.now()
        try:
            check_pending(record, now=now)
            identity = self.registry.get(record.provider).verify(record, evidence, now=now)
            updated = apply_verified(record, identity, now=now)
        except SoftTokenError as error:
            self._ctx.audit(
                uow,
                actor=actor,
                action="proofing.complete",
                subject=record.subject,
                outcome="failure",
                provider=record.provider,
                proofing_id=record.proofing_id,
                reason=error.code,
            )
            return Refused(error)
        stored = uow.repository(ProofingTable).update(updated)
        self._ctx.audit(
            uow,
            actor=actor,
            action="proofing.complete",
            subject=record.subject,
            provider=record.provider,
            proofing_id=record.proofing_id,
            assurance_level=identity.assurance_level.value,
            evidence=identity.evidence_reference[:64],
        )
        return stored

    def refresh_in(self, uow: StorageUnitOfWork, proofing_id: str) -> ProofingRecord | Refused:
        """ "Check status": the stored record, after asking the provider for an answer
        when it is still pending and the provider can be polled."""
        record = uow.repository(ProofingTable).get_by_key(proofing_id)
        if record.status is not ProofingStatus.PENDING:
            return record
        if self._ctx.clock.now() >= record.expires_at:
            return Refused(AuthenticationError("proofing_expired"))
        answer = self.registry.get(record.provider).poll(record, now=self._ctx.clock.now())
        if answer is None:
            return record
        return self.complete_in(uow, record, answer, actor=f"provider:{record.provider}")

    def status(self, proofing_id: str) -> ProofingRecord:
        """The proofing, polling the provider when it is pending ("check status").

        Raises:
            NotFound: ``proofing_not_found``. A refused polled answer raises its error.
        """
        return run_recording(self._ctx, lambda uow: self.refresh_in(uow, proofing_id))

    def get(self, proofing_id: str) -> ProofingRecord:
        with self._ctx.unit_of_work() as uow:
            return uow.repository(ProofingTable).get_by_key(proofing_id)

    # --- document review --------------------------------------------------------------

    def submit_documents(
        self, proofing_id: str, *, id_card_copy: bytes, signed_letter: bytes
    ) -> ProofingRecord:
        """Attach the two documents of a document-review proofing (PDF, PNG or JPEG, at
        most ``policy.assignment_order_max_bytes`` each).

        Raises:
            ValidationError: ``document_empty``, ``document_too_large``, ``document_not_pdf``.
            StateError: the proofing is not a pending document review.
        """
        limit = self._ctx.policy.assignment_order_max_bytes
        files = {
            "id_card_copy": check_scan(id_card_copy, max_bytes=limit, field="id_card_copy"),
            "signed_letter": check_scan(signed_letter, max_bytes=limit, field="signed_letter"),
        }

        def work(uow: StorageUnitOfWork) -> ProofingRecord:
            table = uow.repository(ProofingTable)
            record = self._document_review(table.get_by_key(proofing_id))
            now = self._ctx.clock.now()
            state = dict(record.state)
            for kind, (content, media_type) in files.items():
                stored = self.documents.put(
                    uow, kind=kind, media_type=media_type, content=content, now=now
                )
                state[kind] = stored.document_id
            saved = table.update(attrs.evolve(record, state=state))
            self._ctx.audit(
                uow,
                actor="user",
                action="proofing.documents",
                subject=record.subject,
                proofing_id=proofing_id,
            )
            return saved

        return self._ctx.transact(work)

    def _document_review(self, record: ProofingRecord) -> ProofingRecord:
        check_pending(record, now=self._ctx.clock.now())
        if not isinstance(self.registry.get(record.provider), DocumentReviewProvider):
            raise StateError("wrong_step", detail="not a document review")
        return record

    def awaiting_review(self, *, limit: int = 100) -> list[ProofingRecord]:
        """Document reviews with both documents, oldest first: the officer's queue."""
        names = [p.name for p in self.registry if isinstance(p, DocumentReviewProvider)]
        with self._ctx.unit_of_work() as uow:
            pending = uow.repository(ProofingTable).find_where(
                [("status", "=", ProofingStatus.PENDING.value), ("provider", "in", names)],
                order_by=("created_at",),
            )
        ready = [r for r in pending if all(kind in r.state for kind in DOCUMENT_KINDS)]
        return ready[:limit]

    def document(self, proofing_id: str, kind: str) -> bytes:
        """One uploaded document of a proofing, for the officer to look at."""
        with self._ctx.unit_of_work() as uow:
            record = uow.repository(ProofingTable).get_by_key(proofing_id)
            if kind not in record.state:
                raise NotFound(detail=f"no {kind!r} document")
            return self.documents.get(uow, record.state[kind])

    def confirm_documents(
        self, proofing_id: str, *, officer: str, citizen_id: object, first_name: str, last_name: str
    ) -> VerifiedIdentity:
        """The officer confirms who the documents show. Completes the proofing.

        Raises:
            StateError: ``proofing_documents_missing``, ``proofing_citizen_mismatch``.
        """
        confirmation = OfficerConfirmation(
            officer=officer,
            citizen_id=CitizenId.parse(citizen_id),
            first_name=first_name,
            last_name=last_name,
        )

        def work(uow: StorageUnitOfWork) -> ProofingRecord | Refused:
            record = uow.repository(ProofingTable).get_by_key(proofing_id)
            return self.complete_in(uow, record, confirmation, actor=f"officer:{officer}")

        done = run_recording(self._ctx, work)
        assert done.result is not None  # noqa: S101 - a verified record has its result
        return done.result

    def decline_documents(self, proofing_id: str, *, officer: str, reason: str) -> ProofingRecord:
        """The officer does not accept the documents; the person starts proofing again."""
        if not reason.strip():
            raise ValidationError("rejection_reason_required", field="reason")

        def work(uow: StorageUnitOfWork) -> ProofingRecord:
            table = uow.repository(ProofingTable)
            record = table.get_by_key(proofing_id)
            saved = table.update(apply_declined(record, reason=reason, now=self._ctx.clock.now()))
            self._ctx.audit(
                uow,
                actor=f"officer:{officer}",
                action="proofing.decline",
                subject=record.subject,
                proofing_id=proofing_id,
                reason=reason[:200],
            )
            return saved

        return self._ctx.transact(work)
