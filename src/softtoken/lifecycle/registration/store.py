"""Repositories of registrations (``st_registrations``) and of the email binding
(``st_email_bindings``: one email, one citizen ID, enforced by the primary key)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from softtoken.accounts._identifiers import CitizenId, Email, UserId
from softtoken.errors import ConcurrencyError, Conflict
from softtoken.lifecycle.registration.machine import (
    OPEN_STATES,
    Registration,
    RegistrationDetails,
    RegistrationState,
)
from softtoken.ports import Row
from softtoken.proofing._result import VerifiedIdentity
from softtoken.storage._repositories import VersionedTable, row_optional_datetime, row_optional_text

__all__ = ["EmailBinding", "EmailBindings", "Registrations"]

_when, _str = row_optional_datetime, row_optional_text


class Registrations(VersionedTable[Registration]):
    table = "st_registrations"
    key_columns = ("registration_id",)
    not_found_code = "registration_not_found"
    exists_code = "registration_open_exists"

    def to_row(self, record: Registration) -> Row:
        def email(value: Email | None) -> str | None:
            return None if value is None else value.value

        return {
            "registration_id": record.registration_id,
            "user_id": record.user_id.value,
            # The unique column behind "one open registration per account".
            "open_for": record.user_id.value if record.state in OPEN_STATES else None,
            "state": record.state.value,
            "citizen_id": None if record.citizen_id is None else record.citizen_id.value,
            "consent_version": record.consent_version,
            "consent_at": record.consent_at,
            "assignment_order": record.assignment_order,
            "proofing_id": record.proofing_id,
            "identity": None if record.identity is None else record.identity.to_json(),
            "details": record.details.to_json(),
            "email": email(record.email),
            "code_sent_to": email(record.code_sent_to),
            "email_verified": email(record.email_verified),
            "submitted_at": record.submitted_at,
            "decided_at": record.decided_at,
            "decided_by": record.decided_by,
            "rejection_reason": record.rejection_reason,
            "activated_at": record.activated_at,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
            "version": record.version,
        }

    def from_row(self, row: Row) -> Registration:
        identity, details = row["identity"], row["details"]
        assert isinstance(details, Mapping)  # noqa: S101 - the schema guarantees it

        def email(key: str) -> Email | None:
            return None if row[key] is None else Email(str(row[key]))

        created, updated = _when(row["created_at"]), _when(row["updated_at"])
        assert created is not None  # noqa: S101 - guaranteed above
        assert updated is not None  # noqa: S101 - guaranteed above
        return Registration(
            registration_id=str(row["registration_id"]),
            user_id=UserId(str(row["user_id"])),
            state=RegistrationState(str(row["state"])),
            citizen_id=None if row["citizen_id"] is None else CitizenId(str(row["citizen_id"])),
            consent_version=_str(row["consent_version"]),
            consent_at=_when(row["consent_at"]),
            assignment_order=_str(row["assignment_order"]),
            proofing_id=_str(row["proofing_id"]),
            identity=None if identity is None else VerifiedIdentity.from_json(identity),  # type: ignore[arg-type]
            details=RegistrationDetails.from_json(details),
            email=email("email"),
            code_sent_to=email("code_sent_to"),
            email_verified=email("email_verified"),
            submitted_at=_when(row["submitted_at"]),
            decided_at=_when(row["decided_at"]),
            decided_by=_str(row["decided_by"]),
            rejection_reason=_str(row["rejection_reason"]),
            activated_at=_when(row["activated_at"]),
            created_at=created,
            updated_at=updated,
            version=int(row["version"]),  # type: ignore[call-overload]
        )

    def open_for(self, user_id: UserId) -> Registration | None:
        """The account's open registration (at most one: the storage enforces it)."""
        found = self.find_where([("open_for", "=", user_id.value)], limit=1)
        return found[0] if found else None

    def of_account(self, user_id: UserId) -> list[Registration]:
        return self.find_where([("user_id", "=", user_id.value)], order_by=("created_at",))

    def in_state(
        self, state: RegistrationState, *, limit: int = 100, before: datetime | None = None
    ) -> list[Registration]:
        where: list[tuple[str, str, object]] = [("state", "=", state.value)]
        if before is not None:
            where.append(("updated_at", "<=", before))
        return self.find_where(where, order_by=("updated_at",), limit=limit)  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class EmailBinding:
    email: Email
    citizen_id: CitizenId
    registration_id: str
    bound_at: datetime
    version: int = 0


class EmailBindings(VersionedTable[EmailBinding]):
    """Which citizen ID an email belongs to. Bindings are never moved by registration;
    a change of email is an officer's procedure (chapter 7)."""

    table = "st_email_bindings"
    key_columns = ("email",)
    exists_code = "email_taken"

    def to_row(self, record: EmailBinding) -> Row:
        return {
            "email": record.email.value,
            "citizen_id": record.citizen_id.value,
            "registration_id": record.registration_id,
            "bound_at": record.bound_at,
            "version": record.version,
        }

    def from_row(self, row: Row) -> EmailBinding:
        bound = _when(row["bound_at"])
        assert bound is not None  # noqa: S101 - NOT NULL column
        return EmailBinding(
            email=Email(str(row["email"])),
            citizen_id=CitizenId(str(row["citizen_id"])),
            registration_id=str(row["registration_id"]),
            bound_at=bound,
            version=int(row["version"]),  # type: ignore[call-overload]
        )

    def check_free(self, email: Email, citizen_id: CitizenId) -> EmailBinding | None:
        """The binding of ``email`` when it is this citizen's, None when unbound.

        Raises:
            Conflict: ``email_taken`` when another citizen ID holds the email.
        """
        found = self.find_by_key(email.value)
        if found is not None and found.citizen_id != citizen_id:
            raise Conflict("email_taken")
        return found

    def bind(
        self, email: Email, citizen_id: CitizenId, *, registration_id: str, now: datetime
    ) -> EmailBinding:
        """Bind ``email`` to ``citizen_id`` (idempotent for the same citizen). Two racing
        binds of one email insert the same key: the database lets one commit, and the
        other's retry sees the binding and raises ``email_taken``.

        Raises:
            Conflict: ``email_taken``.
        """
        found = self.check_free(email, citizen_id)
        if found is not None:
            return found
        binding = EmailBinding(
            email=email, citizen_id=citizen_id, registration_id=registration_id, bound_at=now
        )
        try:
            return self.add(binding)
        except Conflict:
            # Someone bound it first: retry the call, whose check then decides.
            raise ConcurrencyError(detail="email bound concurrently") from None
