"""PostgreSQL ``LISTEN``/``NOTIFY`` as the signal that wakes a sign-in waiting for the
phone, in every process and on every machine that shares the database.

One background thread per process holds one connection of its own in ``LISTEN`` and hands
each notification to a :class:`~softtoken.storage._signals.LocalSignal`, which wakes the waiters
of that challenge. Publishing notifies through the engine and wakes local waiters at once.
If the listening connection drops, the thread connects again; meanwhile waiters still read
the storage every ``poll_slice``, so an answer is never missed, only seen later.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from softtoken.storage._signals import Listener, LocalSignal

if TYPE_CHECKING:
    from softtoken.storage.sql._store import SqlStorage

__all__ = ["CHANNEL", "PostgresSignal"]

_log = logging.getLogger("softtoken.storage.sql")

CHANNEL = "softtoken_answers"


class PostgresSignal:
    """An :class:`~softtoken.storage._signals.AnswerSignal` over PostgreSQL notifications."""

    def __init__(
        self,
        storage: SqlStorage,
        *,
        channel: str = CHANNEL,
        poll_slice: timedelta = timedelta(seconds=2),
    ) -> None:
        self.poll_slice = poll_slice
        self._engine = storage.engine
        self._channel = channel
        self._local = LocalSignal(poll_slice)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._send_lock = threading.Lock()
        self._sender: Any = None

    def publish(self, key: str) -> None:
        self._local.publish(key)
        # One connection of its own in autocommit, kept open: a notification is then one
        # round trip, not a pool checkout with its ping, a BEGIN and a COMMIT (on the
        # phone's answer path, issue 15). Outside the pool, so it never takes a slot.
        with self._send_lock:
            for _ in range(2):  # a connection the server dropped is replaced once
                try:
                    if self._sender is None:
                        self._sender = self._connect()
                        # A facade dropped without close() still closes it, when collected.
                        weakref.finalize(self, self._sender.close)
                    self._sender.execute("SELECT pg_notify(%s, %s)", (self._channel, key))
                except Exception:  # noqa: BLE001 - any driver error: drop and retry once
                    self._drop_sender()
                else:
                    return
        # The answer is stored; waiters elsewhere see it at their next read.
        _log.warning("could not notify %s; waiters will read it shortly", self._channel)

    def _connect(self) -> Any:
        import psycopg  # noqa: PLC0415 - the postgres extra's driver, needed only here

        url = self._engine.url.set(drivername="postgresql")
        return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    def _drop_sender(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            with contextlib.suppress(Exception):
                sender.close()

    @contextmanager
    def listen(self, key: str) -> Iterator[Listener]:
        self._start()
        with self._local.listen(key) as listener:
            yield listener

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="softtoken-listen", daemon=True)
            self._thread.start()
        # The first waiter lets LISTEN begin before its first read, so nothing notified
        # after that read is lost. A server that does not answer in time (or later drops
        # the connection) leaves waiters on their poll slice; none waits for it again.
        self._ready.wait(self.poll_slice.total_seconds())

    def _run(self) -> None:
        try:
            import psycopg  # noqa: PLC0415 - the postgres extra's driver, needed only here
            from psycopg import sql  # noqa: PLC0415
        except ImportError:  # pragma: no cover - a deployment on another driver
            _log.warning("LISTEN needs psycopg 3 (softtoken[postgres]); waiters poll instead")
            return

        while not self._stop.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=0.5):
                            self._local.publish(note.payload)
            except psycopg.Error:
                self._ready.clear()
                _log.warning("LISTEN %s lost its connection; connecting again", self._channel)
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        with self._send_lock:
            self._drop_sender()
        thread = self._thread
        if thread is not None:
            thread.join(5)
