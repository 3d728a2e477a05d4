"""The repository of proofings (``st_proofings``) and the pure transitions of a
proofing record: pending -> verified, or pending -> failed (an officer declined)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import AuthenticationError, SoftTokenError, StateError
from softtoken.ports import Row
from softtoken.proofing._result import ProofingRecord, ProofingStatus, VerifiedIdentity
from softtoken.storage._repositories import VersionedTable, row_datetime

if TYPE_CHECKING:
    from softtoken.proofing._provider import ProofingProvider
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["ProofingTable", "apply_declined", "apply_verified", "awaits_answer", "check_pending"]


def check_pending(record: ProofingRecord, *, now: datetime) -> None:
    """Raise unless ``record`` still waits for its answer.

    Raises:
        AuthenticationError: ``proofing_replayed`` (answered already; an answer counts
            once), ``proofing_expired``.
        StateError: ``proofing_declined``.
    """
    if record.status is ProofingStatus.VERIFIED:
        raise AuthenticationError("proofing_replayed")
    if record.status is ProofingStatus.FAILED:
        raise StateError("proofing_declined")
    if now >= record.expires_at:
        raise AuthenticationError("proofing_expired")


def apply_verified(
    record: ProofingRecord, identity: VerifiedIdentity, *, now: datetime
) -> ProofingRecord:
    check_pending(record, now=now)
    return attrs.evolve(record, status=ProofingStatus.VERIFIED, result=identity, completed_at=now)


def apply_declined(record: ProofingRecord, *, reason: str, now: datetime) -> ProofingRecord:
    check_pending(record, now=now)
    return attrs.evolve(record, status=ProofingStatus.FAILED, failure=reason[:64], completed_at=now)


def awaits_answer(
    uow: StorageUnitOfWork, provider: ProofingProvider, evidence: object, *, now: datetime
) -> bool:
    """True when ``evidence`` names a pending, unexpired proofing of ``provider`` (read
    without trusting it): whether fetching the answer it refers to is worth a request."""
    try:
        lookup = provider.lookup(evidence)
    except SoftTokenError:
        return False
    found = None if lookup is None else uow.repository(ProofingTable).by_lookup(lookup)
    return (
        found is not None
        and found.provider == provider.name
        and found.status is ProofingStatus.PENDING
        and now < found.expires_at
    )


_when = row_datetime


class ProofingTable(VersionedTable[ProofingRecord]):
    table = "st_proofings"
    key_columns = ("proofing_id",)
    not_found_code = "proofing_not_found"

    def to_row(self, record: ProofingRecord) -> Row:
        return {
            "proofing_id": record.proofing_id,
            "provider": record.provider,
            "subject": record.subject,
            "citizen_id": record.citizen_id.value,
            "lookup": record.lookup,
            "state": dict(record.state),
            "status": record.status.value,
            "result": None if record.result is None else record.result.to_json(),
            "failure": record.failure,
            "created_at": record.created_at,
            "expires_at": record.expires_at,
            "completed_at": record.completed_at,
            "version": record.version,
        }

    def from_row(self, row: Row) -> ProofingRecord:
        state = row["state"]
        result = row["result"]
        assert isinstance(state, Mapping)  # noqa: S101 - the schema guarantees it
        return ProofingRecord(
            proofing_id=str(row["proofing_id"]),
            provider=str(row["provider"]),
            subject=str(row["subject"]),
            citizen_id=CitizenId(str(row["citizen_id"])),
            lookup=None if row["lookup"] is None else str(row["lookup"]),
            state={str(k): str(v) for k, v in state.items()},
            status=ProofingStatus(str(row["status"])),
            result=None if result is None else VerifiedIdentity.from_json(result),  # type: ignore[arg-type]
            failure=None if row["failure"] is None else str(row["failure"]),
            created_at=_when(row["created_at"]),
            expires_at=_when(row["expires_at"]),
            completed_at=None if row["completed_at"] is None else _when(row["completed_at"]),
            version=int(row["version"]),  # type: ignore[call-overload]
        )

    def by_lookup(self, lookup: str) -> ProofingRecord | None:
        found = self.find_where([("lookup", "=", lookup)], limit=1)
        return found[0] if found else None
