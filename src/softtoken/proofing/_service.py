"""The proofing service (``soft.proofing``): the calls of every provider
(:class:`~softtoken.proofing._calls.ProofingCalls`) and the officer's side of document
review: the scans, the queue, confirm and decline.

A refused answer (forged, replayed, expired, wrong audience, another citizen ID, ...)
changes nothing but the audit log, which records the refusal and its reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from softtoken.accounts import _boundary
from softtoken.accounts._identifiers import CitizenId
from softtoken.accounts._officer import Officer
from softtoken.errors import NotFound, StateError, ValidationError
from softtoken.proofing._calls import OWNER, ProofingCalls, Refused, run_recording
from softtoken.proofing._documents_store import check_scan, drop_documents, keep_document
from softtoken.proofing._result import ProofingRecord, ProofingStatus, VerifiedIdentity
from softtoken.proofing._store import ProofingTable, apply_declined, check_pending
from softtoken.proofing.documents._review import (
    DOCUMENT_KINDS,
    DocumentReviewProvider,
    OfficerConfirmation,
)

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["ProofingService", "Refused", "run_recording"]


class ProofingService(ProofingCalls):
    """Identity proofing (``soft.proofing``). ``registry`` lists the providers."""

    def submit_documents(
        self, proofing_id: str, *, id_card_copy: bytes, signed_letter: bytes
    ) -> ProofingRecord:
        """Attach the two documents of a document-review proofing (PDF, PNG or JPEG, at
        most ``policy.assignment_order_max_bytes`` each); sending them again deletes the
        ones sent before. The owner keeps at most ``policy.documents_per_user_max``.

        Raises:
            ValidationError: ``document_empty``, ``document_too_large``, ``document_not_pdf``.
            StateError: the proofing is not a pending document review.
            Conflict: ``document_limit_reached``.
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
            replaced = tuple(record.state[kind] for kind in files if kind in record.state)
            for kind, (content, media_type) in files.items():
                stored = keep_document(
                    uow,
                    self.documents,
                    owner=record.state.get(OWNER, record.subject),
                    limit=self._ctx.policy.documents_per_user_max,
                    kind=kind,
                    media_type=media_type,
                    content=content,
                    now=now,
                    replaces=replaced,
                )
                state[kind] = stored.document_id
            saved = table.update(attrs.evolve(record, state=state))
            drop_documents(uow, self.documents, replaced)  # issue 12, L2
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
        limit = _boundary.count(limit, "limit")
        names = [p.name for p in self.registry if isinstance(p, DocumentReviewProvider)]
        with self._ctx.unit_of_work().reading() as uow:
            pending = uow.repository(ProofingTable).find_where(
                [("status", "=", ProofingStatus.PENDING.value), ("provider", "in", names)],
                order_by=("created_at",),
            )
        ready = [r for r in pending if all(kind in r.state for kind in DOCUMENT_KINDS)]
        return ready[:limit]

    def document(self, proofing_id: str, kind: str) -> bytes:
        """One uploaded document of a proofing, for the officer to look at."""
        kind = _boundary.identifier(kind, "kind")
        with self._ctx.unit_of_work().reading() as uow:
            record = uow.repository(ProofingTable).get_by_key(proofing_id)
            if kind not in record.state:
                raise NotFound(detail=f"no {kind!r} document")
            return self.documents.get(uow, record.state[kind])

    def confirm_documents(
        self,
        proofing_id: str,
        *,
        officer: Officer | str,
        citizen_id: object,
        first_name: str,
        last_name: str,
    ) -> VerifiedIdentity:
        """The officer (an :class:`~softtoken.Officer`, or a bare officer ID) confirms who
        the documents show. Completes the proofing.

        Raises:
            ValidationError: ``officer_required``.
            StateError: ``proofing_documents_missing``, ``proofing_citizen_mismatch``,
                ``officer_own_account`` (the documents of the officer's own registration).
        """
        who = Officer.parse(officer)
        confirmation = OfficerConfirmation(
            officer=who.officer_id,
            citizen_id=CitizenId.parse(citizen_id),
            first_name=first_name,
            last_name=last_name,
        )

        def work(uow: StorageUnitOfWork) -> ProofingRecord | Refused:
            record = uow.repository(ProofingTable).get_by_key(proofing_id)
            who.refuse_own_account(record.state.get(OWNER, ""))  # nobody reviews their own
            return self.complete_in(uow, record, confirmation, actor=who.actor)

        done = run_recording(self._ctx, work)
        assert done.result is not None  # noqa: S101 - a verified record has its result
        return done.result

    def decline_documents(
        self, proofing_id: str, *, officer: Officer | str, reason: str
    ) -> ProofingRecord:
        """The officer does not accept the documents; the person starts proofing again.

        Raises:
            ValidationError: ``officer_required``, ``rejection_reason_required``.
            StateError: ``officer_own_account``.
        """
        who = Officer.parse(officer)
        reason = self._ctx.text(reason, "reason", allow_newlines=True)
        if not reason.strip():
            raise ValidationError("rejection_reason_required", field="reason")

        def work(uow: StorageUnitOfWork) -> ProofingRecord:
            table = uow.repository(ProofingTable)
            record = table.get_by_key(proofing_id)
            who.refuse_own_account(record.state.get(OWNER, ""))  # nobody reviews their own
            saved = table.update(apply_declined(record, reason=reason, now=self._ctx.clock.now()))
            self._ctx.audit(uow, actor=who.actor, action="proofing.decline", subject=record.subject,
                            proofing_id=proofing_id, reason=reason[:200])  # fmt: skip
            return saved

        return self._ctx.transact(work)
