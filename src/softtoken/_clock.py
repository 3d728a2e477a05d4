"""Clocks: the system's, and a fake one that tests move by hand.

Every function that needs the time takes ``now`` or a :class:`~softtoken.ports.Clock`;
nothing reads the system time deep inside. All times are aware and in UTC.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

__all__ = ["FakeClock", "SystemClock", "utc"]


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time; a naive time is refused, never guessed."""
    if moment.tzinfo is None:
        msg = "naive datetime: pass an aware time (softtoken works in UTC)"
        raise ValueError(msg)
    return moment.astimezone(UTC)


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until a test moves it. Safe to share between threads."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start else datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, /, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; returns the new time."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            msg = "a clock does not go backwards"
            raise ValueError(msg)
        with self._lock:
            self._now += step
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = utc(moment)
