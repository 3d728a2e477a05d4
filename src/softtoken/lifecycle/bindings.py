"""Device bindings: which soft token (device key and certificate) an account uses, and
the history of every authenticator ever bound (NIST SP 800-63B-4 draft 4.1).

A binding is active from activation until revocation, a holder change or a new
activation ends it. ``active_user`` carries the user ID only while active, and storage
keeps it unique, so an account never has two active soft tokens, even when two
activations race.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from softtoken._clock import utc
from softtoken._ids import ordered_id
from softtoken.errors import StateError
from softtoken.ports import Row, Transaction
from softtoken.storage._repositories import FlatTable, VersionedTable

__all__ = [
    "AuthenticatorEvent",
    "AuthenticatorEventTable",
    "BindingTable",
    "DeviceBinding",
    "EventKind",
    "end_binding",
    "record_event",
]


@attrs.frozen(kw_only=True)
class DeviceBinding:
    device_id: str
    user_id: str
    certificate_serial: str
    #: A renewal's certificate, until the device first uses it.
    renewed_serial: str | None = None
    platform: str
    biometrics: bool
    bound_at: datetime = attrs.field(converter=utc)
    ended_at: datetime | None = None
    end_reason: str | None = None
    pushes_since_login: int = 0
    last_push_at: datetime | None = None
    version: int = 0

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def current_serial(self) -> str:
        """The certificate the person's soft token stands on: a renewal's, once made."""
        return self.renewed_serial or self.certificate_serial


def end_binding(binding: DeviceBinding, *, reason: str, now: datetime) -> DeviceBinding:
    """The binding, ended. Ending twice is a state error: nothing is bound any more."""
    if not binding.active:
        raise StateError("soft_token_not_active")
    return attrs.evolve(binding, ended_at=now, end_reason=reason)


class BindingTable(FlatTable[DeviceBinding]):
    table = "st_device_bindings"
    key_columns = ("device_id",)
    not_found_code = "soft_token_not_active"
    exists_code = "soft_token_already_bound"
    record_type = DeviceBinding

    def to_row(self, record: DeviceBinding) -> Row:
        row = super().to_row(record)
        row["active_user"] = record.user_id if record.active else None
        return row

    def active_for(self, user_id: str) -> DeviceBinding | None:
        found = self.find_where([("active_user", "=", user_id)])
        return found[0] if found else None

    def for_serial(self, serial: str) -> DeviceBinding | None:
        """The binding whose current or freshly renewed certificate is ``serial``."""
        found = self.find_where([("certificate_serial", "=", serial)]) or self.find_where(
            [("renewed_serial", "=", serial)]
        )
        return found[0] if found else None

    def history(self, user_id: str) -> list[DeviceBinding]:
        return self.find_where([("user_id", "=", user_id)], order_by=("bound_at",))


class EventKind(StrEnum):
    BOUND = "bound"
    RENEWED = "renewed"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNBOUND = "unbound"


@attrs.frozen(kw_only=True)
class AuthenticatorEvent:
    event_id: str
    user_id: str
    device_id: str
    certificate_serial: str | None
    event: EventKind
    at: datetime = attrs.field(converter=utc)
    #: Who or what caused it: ``user:T...``, ``officer:...``, ``system``.
    source: str
    #: A reason code (a revocation reason, a service request purpose), or None.
    detail: str | None = None
    version: int = 0


class AuthenticatorEventTable(FlatTable[AuthenticatorEvent]):
    table = "st_authenticator_events"
    key_columns = ("event_id",)
    record_type = AuthenticatorEvent
    enums = {"event": EventKind}  # noqa: RUF012 - read-only class data

    def for_user(self, user_id: str) -> list[AuthenticatorEvent]:
        return self.find_where([("user_id", "=", user_id)], order_by=("at", "event_id"))


def record_event(
    tx: Transaction | VersionedTable[AuthenticatorEvent],
    binding: DeviceBinding,
    event: EventKind,
    *,
    now: datetime,
    source: str,
    serial: str | None = None,
    detail: str | None = None,
) -> AuthenticatorEvent:
    """Append one history event for ``binding``."""
    table = tx if isinstance(tx, VersionedTable) else AuthenticatorEventTable(tx)
    return table.add(
        AuthenticatorEvent(
            event_id=ordered_id(now),
            user_id=binding.user_id,
            device_id=binding.device_id,
            certificate_serial=serial or binding.certificate_serial,
            event=event,
            at=now,
            source=source,
            detail=detail,
        )
    )
