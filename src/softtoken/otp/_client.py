"""Throttling by client (NIST SP 800-63B 3.2.2, ASVS 5.0 6.3.1): one caller is slowed
down whichever accounts it tries, which per-account limits alone never see.

The client key is what the portal knows of the caller (its view of the address, a device
cookie); only its HMAC is stored, in the attempt-counter rows (``st_attempt_counters``)
under a scope per kind of use, so every process of a deployment sees the same lock and
the retention purge removes them like the other counters. Two kinds of limit:

- failures (sign-in, push login): every ``client_max_failures``-th failure locks the
  client for ``client_lockout``;
- uses (code sends, proofing starts): the ``max``-th use within a window locks the
  client until that window has passed (``RateLimited("client_rate_limited")``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from softtoken.accounts import _boundary
from softtoken.errors import AuthenticationError, RateLimited, ValidationError
from softtoken.otp._store import AttemptCounters
from softtoken.otp._throttle import (
    AttemptCounter,
    apply_counter_failure,
    apply_counter_hit,
    check_counter,
    counter_key,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from softtoken._context import ServiceContext
    from softtoken.policy import Policy
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = [
    "CODE_SENDS",
    "LOGIN_FAILURES",
    "PROOFING_STARTS",
    "ClientLimit",
    "ClientThrottle",
]

_MAX_CLIENT_KEY = 256
_T = TypeVar("_T")


class ClientLimit:
    """One kind of per-client limit: its counter scope, refusal code and policy numbers."""

    def __init__(
        self,
        scope: str,
        code: str,
        numbers: Callable[[Policy], tuple[int, timedelta]],
        *,
        window: bool,
    ) -> None:
        self.scope = scope
        self.code = code
        self.numbers = numbers
        #: True: count uses in a window; False: count failures (locks every max-th).
        self.window = window


#: Failed sign-ins and push logins share one count: spraying passwords through either
#: form meets the same limit.
LOGIN_FAILURES = ClientLimit(
    "sign_in_client",
    "client_locked",
    lambda p: (p.client_max_failures, p.client_lockout),
    window=False,
)
CODE_SENDS = ClientLimit(
    "code_send_client",
    "client_rate_limited",
    lambda p: (p.client_max_code_sends, p.client_code_send_window),
    window=True,
)
PROOFING_STARTS = ClientLimit(
    "proofing_client",
    "client_rate_limited",
    lambda p: (p.client_max_proofing_starts, p.client_proofing_window),
    window=True,
)


class ClientThrottle:
    def __init__(self, context: ServiceContext, limit: ClientLimit) -> None:
        self._ctx = context
        self._limit = limit

    def key(self, client: object, *, field: str = "client") -> str | None:
        """The stored form of ``client`` (an HMAC), or None without a client key.

        Raises:
            ValidationError: ``invalid_value`` on ``field``.
        """
        if client is None:
            return None
        # Valid Unicode, no control characters (issue 16 item 5), and not empty.
        checked = _boundary.text(client, field, max_length=_MAX_CLIENT_KEY)
        if not checked:
            raise ValidationError("invalid_value", field=field)
        return counter_key(self._ctx.keys, self._limit.scope, checked)

    def check(self, mac: str | None) -> None:
        """Raises:
        RateLimited: the limit's code with ``retry_after`` while the client is locked.
        """
        if mac is None:
            return
        with self._ctx.unit_of_work() as uow:
            counter = uow.repository(AttemptCounters).lock(self._limit.scope, mac)
        if counter is not None:
            check_counter(counter, now=self._ctx.clock.now(), code=self._limit.code)

    def count(self, mac: str | None) -> None:
        """Count one failure of this client (its own transaction: a failed call's own
        transaction rolls back, its failure must stay counted)."""
        self._ctx.transact(lambda uow: self.count_in(uow, mac))

    def count_in(self, uow: StorageUnitOfWork, mac: str | None) -> None:
        """Count one failure or use of this client in the caller's unit of work: a send
        or start counts only if it commits, and the locked row serializes processes.

        Raises:
            RateLimited: the limit's code while the client is locked (checked again
                under the row lock, so racing processes cannot all pass).
        """
        if mac is None:
            return
        ctx, limit = self._ctx, self._limit
        now = ctx.clock.now()
        table = uow.repository(AttemptCounters)
        counter = table.lock(limit.scope, mac) or AttemptCounter(
            scope=limit.scope, key_mac=mac, updated_at=now
        )
        most, period = limit.numbers(ctx.policy)
        if limit.window:
            check_counter(counter, now=now, code=limit.code)
            counter = apply_counter_hit(counter, now=now, max_hits=most, window=period)
        else:
            counter = apply_counter_failure(counter, now=now, max_failures=most, lockout=period)
        table.save(counter)

    def failures(self, mac: str | None, call: Callable[[], _T]) -> _T:
        """Run ``call`` (a password or code check) unless the client is locked, and
        count it as a failure when it fails (``AuthenticationError``, or a per-account
        lock the client ran into).

        Raises:
            RateLimited: the limit's code while the client is locked; what ``call`` raises.
        """
        self.check(mac)
        try:
            return call()
        except RateLimited as limited:
            if limited.code != self._limit.code:
                self.count(mac)
            raise
        except AuthenticationError:
            self.count(mac)
            raise
