"""Activating the soft token (manual chapter 2 step 5).

Theory of operation::

    begin(user_id) ............ pending     the portal shows the QR code (page stays open)
    device enroll(message) .... completed   the CA issued the certificate, device bound
    check(activation_id) ...... "check": the portal sees completed and lets the person in
    (time passes) ............. expired     derived: now >= expires_at while pending
    begin again ............... superseded  the older pending QR code stops working

The QR code's secret (``policy.activation_secret_bits``, 128 by default) is kept only as an
HMAC, is valid for ``policy.activation_lifetime`` (10 minutes at most) and is consumed by a
version-checked update, so two devices racing with one QR code cannot both enroll. It is
never emailed. Only an account whose registration was approved (identity proofing done,
NIST SP 800-63B 6.1.1) can begin.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import attrs

from softtoken._clock import utc
from softtoken._keys import macs_equal
from softtoken.errors import AuthenticationError
from softtoken.storage._repositories import FlatTable

if TYPE_CHECKING:
    from softtoken.policy import Policy

__all__ = [
    "Activation",
    "ActivationState",
    "ActivationTable",
    "complete_activation",
    "new_activation",
    "supersede_activation",
]


class ActivationState(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"  # derived, never stored


@attrs.frozen(kw_only=True)
class Activation:
    activation_id: str
    user_id: str
    secret_mac: str = attrs.field(repr=False)
    status: ActivationState = ActivationState.PENDING
    created_at: datetime = attrs.field(converter=utc)
    expires_at: datetime = attrs.field(converter=utc)
    completed_at: datetime | None = None
    device_id: str | None = None
    certificate_serial: str | None = None
    version: int = 0

    def state_at(self, now: datetime) -> ActivationState:
        if self.status is ActivationState.PENDING and now >= self.expires_at:
            return ActivationState.EXPIRED
        return self.status


def new_activation(
    user_id: str, *, now: datetime, policy: Policy, mac: Any
) -> tuple[Activation, bytes]:
    """A fresh activation and its secret (to put in the QR code, then forget)."""
    secret = secrets.token_bytes((policy.activation_secret_bits + 7) // 8)
    activation_id = "act_" + secrets.token_urlsafe(16)
    record = Activation(
        activation_id=activation_id,
        user_id=user_id,
        secret_mac=mac(activation_id, secret),
        created_at=now,
        expires_at=now + policy.activation_lifetime,
    )
    return record, secret


def supersede_activation(activation: Activation) -> Activation:
    return attrs.evolve(activation, status=ActivationState.SUPERSEDED)


def complete_activation(
    activation: Activation,
    *,
    presented_mac: str,
    now: datetime,
    device_id: str,
    serial: str,
) -> Activation:
    """The activation, completed by the device that proved the QR code's secret.

    Raises:
        AuthenticationError: ``activation_secret_invalid``, ``activation_expired``,
            ``activation_used`` (completed or superseded: the secret is single use).
    """
    if not macs_equal(activation.secret_mac, presented_mac):
        raise AuthenticationError("activation_secret_invalid")
    state = activation.state_at(now)
    if state is ActivationState.EXPIRED:
        raise AuthenticationError("activation_expired")
    if state is not ActivationState.PENDING:
        raise AuthenticationError("activation_used")
    return attrs.evolve(
        activation,
        status=ActivationState.COMPLETED,
        completed_at=now,
        device_id=device_id,
        certificate_serial=serial,
    )


class ActivationTable(FlatTable[Activation]):
    table = "st_activations"
    key_columns = ("activation_id",)
    not_found_code = "activation_not_found"
    record_type = Activation
    enums = {"status": ActivationState}  # noqa: RUF012 - read-only class data

    def pending_for(self, user_id: str) -> list[Activation]:
        return self.find_where(
            [("user_id", "=", user_id), ("status", "=", ActivationState.PENDING.value)]
        )
