"""Document review: the way before the soft token. The person uploads a copy of the ID
card and a letter signed by the head of the unit; an officer compares them and confirms
who the person is, or declines. The officer's confirmation is the evidence."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from softtoken.accounts._account import validate_name
from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import StateError, ValidationError
from softtoken.proofing._provider import Started
from softtoken.proofing._result import AssuranceLevel, ProofingRecord, VerifiedIdentity

__all__ = ["DOCUMENT_KINDS", "DocumentReviewProvider", "OfficerConfirmation"]

#: The two documents of the old procedure, as keys of the proofing's state.
DOCUMENT_KINDS = ("id_card_copy", "signed_letter")


@attrs.frozen(kw_only=True)
class OfficerConfirmation:
    """What the officer read from the documents and confirms."""

    officer: str
    citizen_id: CitizenId
    first_name: str
    last_name: str


class DocumentReviewProvider:
    """``name = "document_review"``. No QR code; no polling: the officer's decision is
    the answer. A copy of an ID card checked remotely is weaker evidence than a wallet's
    proof, so the default level is IAL1; a deployment's approval rule can send such
    registrations to an officer by asking for IAL2."""

    def __init__(
        self,
        *,
        name: str = "document_review",
        assurance_level: AssuranceLevel = AssuranceLevel.IAL1,
        review_time: timedelta = timedelta(days=30),
    ) -> None:
        self._name = name
        self.assurance_level = assurance_level
        self.review_time = review_time

    @property
    def name(self) -> str:
        return self._name

    def start(
        self,
        *,
        proofing_id: str,  # noqa: ARG002 - the protocol's signature
        citizen_id: CitizenId,  # noqa: ARG002 - checked in verify against the record
        expires_at: datetime,  # noqa: ARG002 - an officer needs longer than a QR code
        now: datetime,
    ) -> Started:
        return Started(qr_payload=None, expires_at=now + self.review_time)

    def lookup(self, evidence: object) -> str | None:  # noqa: ARG002 - answers name the ID
        return None

    def verify(
        self, record: ProofingRecord, evidence: object, *, now: datetime
    ) -> VerifiedIdentity:
        if not isinstance(evidence, OfficerConfirmation):
            raise ValidationError("proofing_malformed", field="evidence")
        if any(kind not in record.state for kind in DOCUMENT_KINDS):
            raise StateError("proofing_documents_missing")
        if evidence.citizen_id != record.citizen_id:
            raise StateError("proofing_citizen_mismatch")
        return VerifiedIdentity(
            citizen_id=record.citizen_id,
            first_name=validate_name(evidence.first_name, "first_name"),
            last_name=validate_name(evidence.last_name, "last_name"),
            assurance_level=self.assurance_level,
            provider=self._name,
            evidence_reference=f"{self._name}:{record.proofing_id}:{evidence.officer}",
            verified_at=now,
        )

    def poll(self, record: ProofingRecord, *, now: datetime) -> object | None:  # noqa: ARG002
        return None
