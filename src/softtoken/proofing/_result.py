"""What identity proofing produces: the challenge a portal shows, the pending proofing it
stores, and the frozen verified result."""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from datetime import datetime

import attrs

from softtoken._qr import qr_png, qr_svg, qr_terminal
from softtoken.accounts._identifiers import CitizenId

__all__ = [
    "AssuranceLevel",
    "ProofingChallenge",
    "ProofingRecord",
    "ProofingStatus",
    "VerifiedIdentity",
    "same_name",
]


class AssuranceLevel(enum.StrEnum):
    """Identity assurance levels (NIST SP 800-63A; the Thai digital ID guideline uses the
    same three levels, with sub-levels such as IAL2.3 that a provider names in ``detail``)."""

    IAL1 = "ial1"
    IAL2 = "ial2"
    IAL3 = "ial3"

    @property
    def rank(self) -> int:
        return int(self.value[-1])


class ProofingStatus(enum.StrEnum):
    PENDING = "pending"  # the QR code is shown, or the documents wait for an officer
    VERIFIED = "verified"
    FAILED = "failed"  # an officer declined the documents


@attrs.frozen(kw_only=True)
class VerifiedIdentity:
    """Who the provider proved the person to be. Frozen: a result, never edited.

    ``first_name``/``last_name`` are the names as on the ID card (Thai); the English
    names are given when the provider discloses them. ``evidence_reference`` identifies
    the provider's own record (a transaction ID, the officer's decision), for audits.
    """

    citizen_id: CitizenId
    first_name: str
    last_name: str
    first_name_en: str | None = None
    last_name_en: str | None = None
    assurance_level: AssuranceLevel
    provider: str
    evidence_reference: str
    verified_at: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "citizen_id": self.citizen_id.value,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "first_name_en": self.first_name_en,
            "last_name_en": self.last_name_en,
            "assurance_level": self.assurance_level.value,
            "provider": self.provider,
            "evidence_reference": self.evidence_reference,
            "verified_at": self.verified_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> VerifiedIdentity:
        def opt(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        return cls(
            citizen_id=CitizenId(str(data["citizen_id"])),
            first_name=str(data["first_name"]),
            last_name=str(data["last_name"]),
            first_name_en=opt("first_name_en"),
            last_name_en=opt("last_name_en"),
            assurance_level=AssuranceLevel(str(data["assurance_level"])),
            provider=str(data["provider"]),
            evidence_reference=str(data["evidence_reference"]),
            verified_at=datetime.fromisoformat(str(data["verified_at"])),
        )

    def names_match(self, first_name: str, last_name: str) -> bool:
        """True when ``first_name last_name`` is the person proven, in Thai or English
        (case, spacing and Unicode forms ignored)."""
        if same_name(first_name, self.first_name) and same_name(last_name, self.last_name):
            return True
        return (
            self.first_name_en is not None
            and self.last_name_en is not None
            and same_name(first_name, self.first_name_en)
            and same_name(last_name, self.last_name_en)
        )


def same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return norm(a) == norm(b)


@attrs.frozen(kw_only=True)
class ProofingChallenge:
    """What ``begin`` returns: what the portal shows. ``qr_payload`` is None for providers
    without a QR code (document review)."""

    proofing_id: str
    provider: str
    qr_payload: str | None
    expires_at: datetime

    def _payload(self) -> str:
        if self.qr_payload is None:
            msg = f"provider {self.provider!r} shows no QR code"
            raise ValueError(msg)
        return self.qr_payload

    def qr_png(self) -> bytes:
        return qr_png(self._payload())

    def qr_svg(self) -> str:
        return qr_svg(self._payload())

    def qr_terminal(self) -> str:
        return qr_terminal(self._payload())


@attrs.frozen(kw_only=True)
class ProofingRecord:
    """A stored proofing: pending until the provider's answer is checked."""

    proofing_id: str
    provider: str
    #: Who asked (a registration ID): the proofing belongs to it.
    subject: str
    #: The citizen ID entered at step 1: the provider must prove this one.
    citizen_id: CitizenId
    #: Finds the proofing from the provider's answer (e.g. a hash of the QR nonce).
    lookup: str | None = None
    #: The provider's own data for checking the answer (never a secret in clear).
    state: Mapping[str, str] = attrs.field(factory=dict)
    status: ProofingStatus = ProofingStatus.PENDING
    result: VerifiedIdentity | None = None
    failure: str | None = None
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None = None
    version: int = 0
