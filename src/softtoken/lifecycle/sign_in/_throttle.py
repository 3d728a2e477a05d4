"""Throttling by client: a caller that keeps failing is slowed down whichever accounts
it tries, so password spraying across many user IDs meets a limit too (per-account
limits alone never trigger when each account is tried a few times).

The client key is what the portal knows of the caller (its view of the address, a device
cookie); only its HMAC is stored, in the attempt-counter rows the forgot-password form
uses (scope ``sign_in_client``), so every process sees the same lock. Every
``policy.client_max_failures``-th failed sign-in locks the client for
``policy.client_lockout``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from softtoken.accounts import _boundary
from softtoken.errors import ValidationError
from softtoken.otp._store import AttemptCounters
from softtoken.otp._throttle import (
    AttemptCounter,
    apply_counter_failure,
    check_counter,
    counter_key,
)

if TYPE_CHECKING:
    from softtoken._context import ServiceContext
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["ClientThrottle"]

_SCOPE = "sign_in_client"
_MAX_CLIENT_KEY = 256


class ClientThrottle:
    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    def key(self, client: object) -> str | None:
        """The stored form of ``client`` (an HMAC), or None without a client key.

        Raises:
            ValidationError: ``invalid_value`` on ``client``.
        """
        if client is None:
            return None
        checked = _boundary.text(client, "client", max_length=_MAX_CLIENT_KEY)
        if not checked:
            raise ValidationError("invalid_value", field="client")
        return counter_key(self._ctx.keys, _SCOPE, checked)

    def check(self, mac: str | None) -> None:
        """Raises:
        RateLimited: ``client_locked`` with ``retry_after`` while the client is locked.
        """
        if mac is None:
            return
        with self._ctx.unit_of_work() as uow:
            counter = uow.repository(AttemptCounters).lock(_SCOPE, mac)
        if counter is not None:
            check_counter(counter, now=self._ctx.clock.now(), code="client_locked")

    def failed(self, mac: str | None) -> None:
        """Count one failed sign-in of this client (its own transaction)."""
        if mac is None:
            return
        ctx = self._ctx

        def work(uow: StorageUnitOfWork) -> None:
            now = ctx.clock.now()
            table = uow.repository(AttemptCounters)
            counter = table.lock(_SCOPE, mac) or AttemptCounter(
                scope=_SCOPE, key_mac=mac, updated_at=now
            )
            table.save(apply_counter_failure(counter, now=now,
                                             max_failures=ctx.policy.client_max_failures,
                                             lockout=ctx.policy.client_lockout))  # fmt: skip

        ctx.transact(work)
