"""The unit of work: one transaction, the repositories on it, and the outbox and audit
entries written in the same commit as the change that caused them."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from softtoken._keys import Sealer, ServerKeys
from softtoken.errors import ConcurrencyError
from softtoken.ports import Storage, Transaction
from softtoken.storage._audit_table import AuditTable
from softtoken.storage._outbox_table import OutboxTable
from softtoken.storage._repositories import AccountTable

__all__ = ["StorageUnitOfWork", "retrying"]

T = TypeVar("T")
V = TypeVar("V")


class StorageUnitOfWork:
    """Use as ``with uow: ...; uow.commit()``. Leaving without ``commit`` rolls back."""

    accounts: AccountTable
    outbox: OutboxTable
    audit: AuditTable

    def __init__(self, storage: Storage, keys: ServerKeys) -> None:
        self._storage = storage
        self._keys = keys
        self._sealer = Sealer(keys.outbox)
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

    def repository(self, kind: Callable[[Transaction], V]) -> V:
        """The repository ``kind`` on this transaction, made once per unit of work.
        Lifecycle modules bring their own tables this way (``uow.repository(Certificates)``)."""
        made = self._repositories.get(kind)
        if made is None:
            made = self._repositories[kind] = kind(self.transaction)
        return made  # type: ignore[return-value]

    def __enter__(self) -> Self:
        self._tx = self._storage.begin()
        self._repositories.clear()
        self.accounts = AccountTable(self._tx)
        self.outbox = OutboxTable(self._tx, self._sealer)
        self.audit = AuditTable(self._tx, self._keys)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tx is not None:
            self._tx.rollback()
            self._tx = None

    def commit(self) -> None:
        tx = self.transaction
        self.audit.flush()
        self._tx = None
        tx.commit()

    def rollback(self) -> None:
        if self._tx is not None:
            self._tx.rollback()
            self._tx = None


def retrying(call: Callable[[], T], *, attempts: int = 5) -> T:
    """Run ``call`` again when it lost a race. Each run is a fresh unit of work, so a
    retry re-reads the record and re-applies the transition to its newest version."""
    for attempt in range(attempts):
        try:
            return call()
        except ConcurrencyError:
            if attempt == attempts - 1:
                raise
    msg = "attempts must be at least 1"
    raise ValueError(msg)
