"""Waking a portal request that waits for the phone, without busy polling.

Theory of operation: the waiter *listens* before it reads the challenge, then sleeps
until a signal for that challenge or a slice of time passes, then reads again. Listening
first closes the gap between "read: still pending" and "sleep": an answer stored in that
gap has already set the listener. The slice bounds how late a waiter can be when the
signal cannot reach it (another process on SQLite); the storage is always the truth, the
signal only says "look now".

- :class:`LocalSignal`: a ``threading`` event per listener, for everything in one process
  (memory, SQLite, and the local half of PostgreSQL's).
- ``softtoken.storage.sql.PostgresSignal``: ``LISTEN``/``NOTIFY``, across processes and
  machines, feeding a :class:`LocalSignal`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import Protocol

__all__ = ["AnswerSignal", "Listener", "LocalSignal"]


class Listener(Protocol):
    def wait(self, seconds: float) -> bool:
        """Sleep until a signal came (True) or ``seconds`` passed (False)."""
        ...

    def on_set(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from the publishing thread) when the signal comes, or now
        if it came already: how an event loop waits without holding a thread."""
        ...


class AnswerSignal(Protocol):
    """Says "the phone answered challenge X" to whoever waits for X."""

    #: The longest a waiter sleeps before it reads the storage again.
    poll_slice: timedelta

    def publish(self, key: str) -> None: ...

    def listen(self, key: str) -> AbstractContextManager[Listener]: ...


class _Event:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def set(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_set(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(max(0.0, seconds))


class LocalSignal:
    """Signals within one process.

    Args:
        poll_slice: the longest sleep between two reads: short where other processes may
            answer unseen (SQLite shared by several processes), long where every answer
            is signalled (memory, one process).
    """

    def __init__(self, poll_slice: timedelta = timedelta(seconds=1)) -> None:
        self.poll_slice = poll_slice
        self._lock = threading.Lock()
        self._listeners: dict[str, set[_Event]] = {}

    def publish(self, key: str) -> None:
        with self._lock:
            waiting = list(self._listeners.get(key, ()))
        for event in waiting:
            event.set()

    @contextmanager
    def listen(self, key: str) -> Iterator[Listener]:
        event = _Event()
        with self._lock:
            self._listeners.setdefault(key, set()).add(event)
        try:
            yield event
        finally:
            with self._lock:
                found = self._listeners.get(key)
                if found is not None:
                    found.discard(event)
                    if not found:
                        del self._listeners[key]

    def listening(self) -> int:
        """How many listeners are registered (tests: none leak)."""
        with self._lock:
            return sum(len(v) for v in self._listeners.values())
