"""The unit of work: one transaction, the repositories on it, and the outbox and audit
entries written in the same commit as the change that caused them."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from softtoken._keys import ServerKeys
from softtoken.errors import Busy, ConcurrencyError, SoftTokenError
from softtoken.policy import Policy
from softtoken.ports import Storage, Transaction
from softtoken.storage._audit_table import AuditTable
from softtoken.storage._outbox_table import OutboxTable
from softtoken.storage._read_only import refused
from softtoken.storage._repositories import AccountTable
from softtoken.storage._sealed import KeyedSealer
from softtoken.storage._sealing import SealingTransaction

__all__ = ["StorageUnitOfWork", "retrying"]

T = TypeVar("T")
V = TypeVar("V")

_log = logging.getLogger("softtoken.storage")
#: Policy.audit_chains' default: a unit of work made by hand (a tool, another process of
#: the deployment) writes to the same chains as the library's own.
DEFAULT_CHAINS = Policy().audit_chains


class StorageUnitOfWork:
    """Use as ``with uow: ...; uow.commit()``. Leaving without ``commit`` rolls back.

    ``with uow.reading() as reader: ...`` is the read-only kind, for calls that only
    look: one consistent snapshot, no write lock (it never holds up a writer, on SQLite
    either), and any write in it raises ``StateError`` ``read_only_unit_of_work``."""

    accounts: AccountTable
    outbox: OutboxTable
    audit: AuditTable

    def __init__(
        self,
        storage: Storage,
        keys: ServerKeys,
        *,
        names_searchable: bool = False,
        audit_chains: int = DEFAULT_CHAINS,
        read_only: bool = False,
    ) -> None:
        self._storage = storage
        self._keys = keys
        self._names_searchable = names_searchable
        self._audit_chains = audit_chains
        self._read_only = read_only
        self._sealer = KeyedSealer(keys, lambda k: k.outbox, code="audit_chain_broken")
        self._tx: Transaction | None = None
        self._repositories: dict[object, object] = {}

    @property
    def transaction(self) -> Transaction:
        """The open transaction, for repositories that later modules add."""
        if self._tx is None:
            msg = "the unit of work is not open: use it in a with block"
            raise RuntimeError(msg)
        return self._tx

    @property
    def keys(self) -> ServerKeys:
        return self._keys

    @property
    def read_only(self) -> bool:
        return self._read_only

    def reading(self) -> StorageUnitOfWork:
        """A read-only unit of work on the same storage and keys (use it in a ``with``)."""
        return StorageUnitOfWork(
            self._storage,
            self._keys,
            names_searchable=self._names_searchable,
            audit_chains=self._audit_chains,
            read_only=True,
        )

    def repository(self, kind: Callable[[Transaction], V]) -> V:
        """The repository ``kind`` on this transaction, made once per unit of work.
        Lifecycle modules bring their own tables this way (``uow.repository(Certificates)``)."""
        made = self._repositories.get(kind)
        if made is None:
            made = self._repositories[kind] = kind(self.transaction)
        return made  # type: ignore[return-value]

    def __enter__(self) -> Self:
        # Personal columns are sealed below every repository (storage/_sealing.py).
        self._tx = SealingTransaction(
            self._storage.begin(read_only=self._read_only),
            self._keys,
            names_searchable=self._names_searchable,
        )
        self._repositories.clear()
        self.accounts = AccountTable(self._tx)
        self.outbox = OutboxTable(self._tx, self._sealer)
        self.audit = AuditTable(
            self._tx, self._keys, chains=self._audit_chains, read_only=self._read_only
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tx is None:
            return
        tx, self._tx = self._tx, None
        try:
            tx.rollback()
        except SoftTokenError as failed:
            # A rollback only discards: one that fails (the connection died) leaves
            # nothing written, since the server drops an uncommitted transaction with
            # its connection. So it never replaces the error in flight, nor the answer
            # of a call that only read; it is logged for the operators.
            _log.warning(
                "rollback failed: %s", failed.code,
                extra={"softtoken_code": failed.code, "softtoken_detail": failed.detail},
            )  # fmt: skip

    def commit(self) -> None:
        tx = self.transaction
        if self._read_only:
            raise refused("commit")
        self.audit.flush()
        self._tx = None
        tx.commit()

    def rollback(self) -> None:
        if self._tx is not None:
            self._tx.rollback()
            self._tx = None


def retrying(
    call: Callable[[], T],
    *,
    attempts: int = 8,
    first_delay: float = 0.005,
    max_delay: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[float, float], float] = random.uniform,
) -> T:
    """Run ``call`` again when it lost a race. Each run is a fresh unit of work, so a
    retry re-reads the record and re-applies the transition to its newest version.

    Between attempts it pauses a random time below a bound that starts at
    ``first_delay`` seconds and doubles up to ``max_delay`` ("full jitter"): callers that
    collided once do not come back at the same instant and collide again.

    Raises:
        Busy: ``busy_try_again`` when every attempt lost (the last race error is its
            cause). Nothing was written.
    """
    if attempts < 1:
        msg = "attempts must be at least 1"
        raise ValueError(msg)
    for attempt in range(attempts):
        try:
            return call()
        except Busy:
            raise  # an inner call already retried; retrying it again multiplies the wait
        except ConcurrencyError as lost:
            if attempt == attempts - 1:
                raise Busy(detail=f"lost {attempts} times: {lost.detail or lost.code}") from lost
            sleep(jitter(0, min(max_delay, first_delay * 2**attempt)))
    raise AssertionError  # pragma: no cover - the loop returns or raises
