"""The repository of service requests (``st_service_requests``): the officers' queue,
oldest first, and the overdue list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from softtoken.lifecycle.service_requests._form import ServiceRequestForm
from softtoken.lifecycle.service_requests.machine import (
    OPEN_STATES,
    Decision,
    Effects,
    RequestState,
    ServiceRequest,
)
from softtoken.ports import Row
from softtoken.storage._repositories import VersionedTable

__all__ = ["ServiceRequestTable"]


class ServiceRequestTable(VersionedTable[ServiceRequest]):
    table = "st_service_requests"
    key_columns = ("request_id",)
    not_found_code = "service_request_not_found"

    def to_row(self, record: ServiceRequest) -> Row:
        return {
            "request_id": record.request_id,
            "user_id": record.user_id,
            "purpose": record.purpose.value,
            "state": record.state.value,
            "form": record.form.to_json(),
            "signed_form": record.signed_form,
            "signed_form_sha256": record.signed_form_sha256,
            "recorded_by": record.recorded_by,
            "submitted_at": record.submitted_at,
            "reviewer": record.reviewer,
            "review_started_at": record.review_started_at,
            "decision": None if record.decision is None else record.decision.value,
            "decided_by": record.decided_by,
            "decided_at": record.decided_at,
            "rejection_reason": record.rejection_reason,
            "note": record.note,
            "applied_at": record.applied_at,
            "effects": record.effects.to_json(),
            "notified_to": record.notified_to,
            "notified_at": record.notified_at,
            "version": record.version,
        }

    def from_row(self, row: Row) -> ServiceRequest:
        form, effects = row["form"], row["effects"]
        assert isinstance(form, Mapping)  # noqa: S101 - a JSON column written by to_row
        assert isinstance(effects, Mapping)  # noqa: S101

        def text(key: str) -> str | None:
            return None if row[key] is None else str(row[key])

        def when(key: str) -> datetime | None:
            value = row[key]
            assert value is None or isinstance(value, datetime)  # noqa: S101 - the schema's type
            return value

        submitted = when("submitted_at")
        assert submitted is not None  # noqa: S101 - NOT NULL column
        decision = text("decision")
        return ServiceRequest(
            request_id=str(row["request_id"]),
            form=ServiceRequestForm.from_json(form),
            signed_form=str(row["signed_form"]),
            signed_form_sha256=str(row["signed_form_sha256"]),
            state=RequestState(str(row["state"])),
            recorded_by=str(row["recorded_by"]),
            submitted_at=submitted,
            reviewer=text("reviewer"),
            review_started_at=when("review_started_at"),
            decision=None if decision is None else Decision(decision),
            decided_by=text("decided_by"),
            decided_at=when("decided_at"),
            rejection_reason=text("rejection_reason"),
            note=text("note"),
            applied_at=when("applied_at"),
            effects=Effects.from_json(effects),
            notified_to=text("notified_to"),
            notified_at=when("notified_at"),
            version=int(str(row["version"])),
        )

    def waiting(self, *, before: datetime | None = None, limit: int = 100) -> list[ServiceRequest]:
        """Requests waiting for an officer, oldest first (submitted at or before ``before``)."""
        where: list[tuple[str, str, object]] = [("state", "in", sorted(OPEN_STATES))]
        if before is not None:
            where.append(("submitted_at", "<=", before))
        return self.find_where(where, order_by=("submitted_at", "request_id"), limit=limit)  # type: ignore[arg-type]

    def listing(
        self, *, state: RequestState | None = None, user_id: str | None = None, limit: int = 100
    ) -> list[ServiceRequest]:
        where: list[tuple[str, str, object]] = []
        if state is not None:
            where.append(("state", "=", state.value))
        if user_id is not None:
            where.append(("user_id", "=", user_id))
        return self.find_where(where, order_by=("submitted_at", "request_id"), limit=limit)  # type: ignore[arg-type]
