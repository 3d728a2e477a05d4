"""The proofing calls every provider shares: begin a proofing and take the provider's
answer (a callback the portal passes in, or "check status" polling). Each call is one
unit of work around one pure transition; ``_service`` adds document review.

A refused answer for a pending proofing (forged, replayed, expired, wrong audience,
another citizen ID, ...) changes nothing but the audit log, which records the refusal and
its reason; an answer that matches no pending proofing is only logged and counted."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, TypeVar

import attrs

from softtoken._context import ServiceContext
from softtoken._log import log_refusal
from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import (
    AuthenticationError,
    SoftTokenError,
    StateError,
)
from softtoken.otp._client import PROOFING_STARTS, ClientThrottle
from softtoken.proofing._documents_store import (
    DocumentStore,
)
from softtoken.proofing._provider import ProofingProvider, ProofingRegistry
from softtoken.proofing._result import (
    ProofingChallenge,
    ProofingRecord,
    ProofingStatus,
    VerifiedIdentity,
)
from softtoken.proofing._store import (
    ProofingTable,
    apply_verified,
    awaits_answer,
    check_pending,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["OWNER", "ProofingCalls", "Refused", "run_recording"]

T = TypeVar("T")
OWNER = "owner"  # in a proofing's state: whose documents they are (see ``begin_in``)


@attrs.frozen
class Refused:
    """A unit of work recorded a refusal (an audit entry); raise ``error`` after commit."""

    error: Exception


def run_recording(ctx: ServiceContext, work: Callable[[StorageUnitOfWork], T | Refused]) -> T:
    result = ctx.transact(work)
    if isinstance(result, Refused):
        raise result.error
    return result


class ProofingCalls:
    """Begin, callback, complete, status: the calls of every provider."""

    def __init__(
        self, context: ServiceContext, registry: ProofingRegistry, documents: DocumentStore
    ) -> None:
        self._ctx = context
        self.registry = registry
        self.documents = documents

    # --- begin ------------------------------------------------------------------------

    def begin(
        self,
        provider: str,
        *,
        citizen_id: object,
        subject: str,
        actor: str = "system",
        client: str | None = None,
    ) -> ProofingChallenge:
        """Start proving ``citizen_id`` with ``provider`` for ``subject`` (who asked,
        e.g. a registration ID). Returns what to show; the pending proofing is stored.
        ``client`` (the portal's key for the caller): at most
        ``policy.client_max_proofing_starts`` per ``policy.client_proofing_window``.

        Raises:
            NotFound: ``proofing_provider_unknown``.
            ValidationError: ``invalid_citizen_id``.
            RateLimited: ``client_rate_limited`` with ``retry_after``.
        """
        cid = CitizenId.parse(citizen_id)
        subject = self._ctx.text(subject, "subject")
        starts = ClientThrottle(self._ctx, PROOFING_STARTS)
        mac = starts.key(client)
        starts.check(mac)

        def work(uow: StorageUnitOfWork) -> ProofingChallenge:
            started = self.begin_in(
                uow, provider=provider, citizen_id=cid, subject=subject, actor=actor
            )
            starts.count_in(uow, mac)  # counted only with a start that commits
            return started

        return self._ctx.transact(work)

    def begin_in(
        self,
        uow: StorageUnitOfWork,
        *,
        provider: str,
        citizen_id: CitizenId,
        subject: str,
        actor: str,
        owner: str | None = None,
    ) -> ProofingChallenge:
        """:meth:`begin` in the caller's unit of work; ``owner`` (a user ID, else the
        subject) is whom uploads count for in ``policy.documents_per_user_max``."""
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
            state={**started.state, **({OWNER: owner} if owner else {})},
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
                # An answer that matches no pending proofing concerns no record: anyone can
                # post one, so it is logged and counted, not audited (issue 16 item 6).
                log_refusal("proofing.callback", error)
                raise
            return self.complete_in(uow, found, evidence, actor=actor)

        return run_recording(self._ctx, work)

    def _prepared(self, provider: ProofingProvider, evidence: object) -> object:
        """A provider that fetches its answer over the network (OpenID Connect redeems a
        code) does it here, before the unit of work, so no transaction waits on it; only
        for a pending proofing, so forged or replayed answers cost no request."""
        prepare = getattr(provider, "prepare", None)
        if not callable(prepare):
            return evidence
        with self._ctx.unit_of_work().reading() as uow:
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
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(ProofingTable).get_by_key(proofing_id)

    # --- document review --------------------------------------------------------------
