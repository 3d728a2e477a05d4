"""Renewal of the soft token's certificate (manual chapter 6): the notice, the forced
renewal, and the "Update Profile" request the device accepts.

Theory of operation::

    time left at login          what happens
    more than notice_days days  nothing
    notice_days days or less    a notice: "Continue to GFMIS" or "Renew Soft Token"
                                (shown as whole days left, rounded up: 1 to 30)
    expired                     login stops: renew first (``soft_token_expired``)

    request state   event                                   next
    pending         the device accepts, signed, in time     completed
    pending         the device declines, signed, in time    declined
    pending         a newer request for the device          superseded
    pending         now >= expires_at                       expired (derived)

An expired certificate renews only through a request begun after the password step
(``after_password``), only while it is the device's newest certificate, and only within
``policy.renewal_grace_period`` after it expired; later the person registers again. The
new certificate supersedes the old one when the device first uses it. Every function here
is pure.
"""

from __future__ import annotations

import enum
import hmac
import secrets
from datetime import datetime, timedelta

import attrs

from softtoken._clock import utc
from softtoken.errors import AuthenticationError, StateError
from softtoken.policy import Policy
from softtoken.storage._repositories import FlatTable

__all__ = [
    "CertificateNotice",
    "RenewalRequest",
    "RenewalState",
    "RenewalTable",
    "certificate_notice",
    "check_renewable",
    "complete_renewal",
    "decline_renewal",
    "new_renewal",
    "supersede_renewal",
]

_DAY = timedelta(days=1)


class CertificateNotice(enum.StrEnum):
    NONE = "none"
    NOTICE = "notice"  # at most notice_days left, not expired
    #: No longer returned: the last day shows the notice like the 29 before it, and only
    #: expiry stops a login (manual chapter 6). Kept so stored or logged values still parse.
    RENEW_NOW = "renew_now"
    EXPIRED = "expired"


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days until ``not_after``, rounded up, as the notice says them: 30 with
    exactly 30 days left, 1 in the last day, 0 at the instant of expiry, negative after."""
    return -((now - not_after) // _DAY)


def certificate_notice(not_after: datetime, now: datetime, policy: Policy) -> CertificateNotice:
    """Chapter 6: the notice shows when at most ``renewal_notice_days`` remain (compared
    as a duration, so 30 days and an hour is not yet "30 days"); once the certificate has
    expired, login forces renewal."""
    if now > not_after:
        return CertificateNotice.EXPIRED
    if not_after - now <= policy.renewal_notice_days * _DAY:
        return CertificateNotice.NOTICE
    return CertificateNotice.NONE


def check_renewable(
    not_after: datetime, now: datetime, policy: Policy, *, after_password: bool
) -> None:
    """Raise when a certificate with this ``not_after`` may not renew now.

    Raises:
        StateError: ``renewal_needs_password`` (expired, and the request was not begun
            after the password step), ``renewal_grace_over`` (register again).
    """
    if now <= not_after:
        return
    if now > not_after + policy.renewal_grace_period:
        raise StateError("renewal_grace_over")
    if not after_password:
        raise StateError("renewal_needs_password")


class RenewalState(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    DECLINED = "declined"  # the person said no on the phone; nothing was issued
    SUPERSEDED = "superseded"
    EXPIRED = "expired"  # derived


@attrs.frozen(kw_only=True)
class RenewalRequest:
    renewal_id: str
    user_id: str
    device_id: str
    certificate_serial: str
    nonce: str
    new_key: bool
    after_password: bool
    status: RenewalState = RenewalState.PENDING
    created_at: datetime = attrs.field(converter=utc)
    expires_at: datetime = attrs.field(converter=utc)
    completed_at: datetime | None = None
    new_serial: str | None = None
    version: int = 0

    def state_at(self, now: datetime) -> RenewalState:
        if self.status is RenewalState.PENDING and now >= self.expires_at:
            return RenewalState.EXPIRED
        return self.status


def new_renewal(
    *,
    user_id: str,
    device_id: str,
    serial: str,
    now: datetime,
    policy: Policy,
    after_password: bool,
) -> RenewalRequest:
    return RenewalRequest(
        renewal_id="rnw_" + secrets.token_urlsafe(16),
        user_id=user_id,
        device_id=device_id,
        certificate_serial=serial,
        nonce=secrets.token_urlsafe(policy.challenge_nonce_bytes),
        new_key=policy.renewal_new_key,
        after_password=after_password,
        created_at=now,
        # The person accepts on the phone while the page waits, as for activation.
        expires_at=now + policy.activation_lifetime,
    )


def supersede_renewal(request: RenewalRequest) -> RenewalRequest:
    return attrs.evolve(request, status=RenewalState.SUPERSEDED)


def _answerable(request: RenewalRequest, *, nonce: str, now: datetime) -> None:
    state = request.state_at(now)
    if state is RenewalState.EXPIRED:
        raise AuthenticationError("renewal_expired")
    if state is not RenewalState.PENDING:
        raise AuthenticationError("renewal_used")
    if not hmac.compare_digest(request.nonce.encode(), nonce.encode()):
        raise AuthenticationError("renewal_nonce_mismatch")


def complete_renewal(
    request: RenewalRequest, *, nonce: str, now: datetime, new_serial: str
) -> RenewalRequest:
    """Raises:
    AuthenticationError: ``renewal_expired``, ``renewal_used``, ``renewal_nonce_mismatch``.
    """
    _answerable(request, nonce=nonce, now=now)
    return attrs.evolve(
        request, status=RenewalState.COMPLETED, completed_at=now, new_serial=new_serial
    )


def decline_renewal(request: RenewalRequest, *, nonce: str, now: datetime) -> RenewalRequest:
    """The person declined on the phone: the request ends, nothing is issued.

    Raises:
        AuthenticationError: ``renewal_expired``, ``renewal_used``, ``renewal_nonce_mismatch``.
    """
    _answerable(request, nonce=nonce, now=now)
    return attrs.evolve(request, status=RenewalState.DECLINED, completed_at=now)


class RenewalTable(FlatTable[RenewalRequest]):
    table = "st_renewal_requests"
    key_columns = ("renewal_id",)
    not_found_code = "renewal_not_found"
    record_type = RenewalRequest
    enums = {"status": RenewalState}  # noqa: RUF012 - read-only class data

    def open_for_device(self, device_id: str) -> list[RenewalRequest]:
        return self.find_where(
            [("device_id", "=", device_id), ("status", "=", RenewalState.PENDING.value)],
            order_by=("created_at",),
        )


def require_user(request: RenewalRequest, user_id: str) -> None:
    if request.user_id != user_id:
        raise AuthenticationError("renewal_wrong_account")
