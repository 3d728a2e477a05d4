"""Attempt counters for forms that must not be guessed at (the forgot-password form).

A counter is keyed by a scope ("reset_user", "reset_client") and an HMAC of the key
(a user ID, or whatever the portal passes as the caller's client key, often its view of
the caller's address), so raw addresses are never stored. Every ``max_failures``-th
mismatch locks the counter for ``lockout``; the lock lifts by time alone. Counters are
rows, so every process of a deployment sees the same lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from softtoken._keys import ServerKeys
from softtoken.errors import RateLimited

__all__ = [
    "AttemptCounter",
    "apply_counter_failure",
    "apply_counter_hit",
    "apply_counter_success",
    "check_counter",
    "counter_key",
]


@attrs.frozen(kw_only=True)
class AttemptCounter:
    scope: str
    key_mac: str
    failures: int = 0
    locked_until: datetime | None = None
    updated_at: datetime
    version: int = 0


def counter_key(keys: ServerKeys, scope: str, raw: str) -> str:
    return keys.tagged_mac(keys.otp, "attempt-counter/v1", scope, raw)


def check_counter(counter: AttemptCounter, *, now: datetime, code: str) -> None:
    """Raise ``RateLimited(code)`` while the counter is locked."""
    if counter.locked_until is not None and now < counter.locked_until:
        left = counter.locked_until - now
        raise RateLimited(code, retry_after=max(1, int(left.total_seconds() + 0.999)))


def apply_counter_failure(
    counter: AttemptCounter, *, now: datetime, max_failures: int, lockout: timedelta
) -> AttemptCounter:
    """One more mismatch; every ``max_failures``-th one locks for ``lockout``."""
    failures = counter.failures + 1
    locked_until = counter.locked_until
    if failures % max_failures == 0:
        locked_until = now + lockout
    return attrs.evolve(counter, failures=failures, locked_until=locked_until, updated_at=now)


def apply_counter_success(counter: AttemptCounter, *, now: datetime) -> AttemptCounter:
    """The data matched: the count starts again."""
    return attrs.evolve(counter, failures=0, locked_until=None, updated_at=now)


def apply_counter_hit(
    counter: AttemptCounter, *, now: datetime, max_hits: int, window: timedelta
) -> AttemptCounter:
    """One more use (a code sent, a proofing started) in a sliding-start window: a count
    older than ``window`` starts again, and the ``max_hits``-th use within it locks the
    counter for ``window`` (the use itself goes through; the next one is refused)."""
    failures = counter.failures
    if counter.updated_at + window <= now:
        failures = 0
    failures += 1
    locked_until = counter.locked_until
    if failures >= max_hits:
        failures, locked_until = 0, now + window
    return attrs.evolve(counter, failures=failures, locked_until=locked_until, updated_at=now)
