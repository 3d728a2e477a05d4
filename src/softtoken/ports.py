"""The ports: what the library needs from the world, as ``typing.Protocol`` classes.

Two layers of storage port, so an adapter author picks the easier one:

* :class:`Storage` / :class:`Transaction`: a tiny row store (insert, select with simple
  predicates, conditional update, delete) over the tables of
  :data:`softtoken.storage.sql.metadata`. The built-in memory and SQL adapters implement
  this, and every repository is written once on top of it.
* :class:`UnitOfWork` and one repository protocol per aggregate: what the services use.
  An adapter for a store that is not row-shaped can implement these directly.

Rows are ``dict[str, object]`` whose values are ``str``, ``int``, ``bool``, ``bytes``,
aware UTC ``datetime``, JSON-ready ``dict``/``list``, or ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Protocol, Self

if TYPE_CHECKING:
    from softtoken.accounts import Account, UserId
    from softtoken.audit._chain import AuditEntry, AuditRecord
    from softtoken.mail._message import EmailMessage, OutboxMessage

__all__ = [
    "AccountRepository",
    "AuditRepository",
    "Clock",
    "EmailSender",
    "Operator",
    "OutboxRepository",
    "Predicate",
    "PushNotifier",
    "Row",
    "Storage",
    "Transaction",
    "UnitOfWork",
]

Row = dict[str, object]
Operator = Literal["=", "!=", "<", "<=", ">", ">=", "is_null", "not_null", "in"]
#: ``(column, operator, value)``; ``value`` is ignored by ``is_null`` and ``not_null``.
Predicate = tuple[str, Operator, object]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...


class Transaction(Protocol):
    """One database transaction over the row store. Used by one thread at a time."""

    def insert(self, table: str, row: Mapping[str, object]) -> None:
        """Insert ``row``; raise :class:`~softtoken.errors.Conflict` on a unique clash."""
        ...

    def select(
        self,
        table: str,
        where: Sequence[Predicate] = (),
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
        for_update: bool = False,
    ) -> list[Row]:
        """Rows matching every predicate. ``order_by`` names columns; a leading ``-``
        sorts descending. ``for_update`` locks the rows until commit where the store can."""
        ...

    def update(self, table: str, where: Sequence[Predicate], values: Mapping[str, object]) -> int:
        """Set ``values`` on the rows matching ``where``; returns how many matched.
        This conditional update is how versions and one-time use are enforced."""
        ...

    def delete(self, table: str, where: Sequence[Predicate]) -> int: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Storage(Protocol):
    """A storage adapter: opens transactions and owns the schema."""

    def begin(self, *, read_only: bool = False) -> Transaction:
        """Open a transaction. With ``read_only`` it reads one consistent snapshot,
        takes no write lock (writers are never held up by it) and refuses every write
        (and ``for_update``) with :class:`~softtoken.errors.StateError`
        ``read_only_unit_of_work``."""
        ...

    def create_schema(self) -> None:
        """Create the tables that do not exist yet (idempotent)."""
        ...

    def close(self) -> None: ...


class AccountRepository(Protocol):
    def get(self, user_id: UserId) -> Account:
        """The account, or :class:`~softtoken.errors.NotFound` (``account_not_found``)."""
        ...

    def find(self, user_id: UserId) -> Account | None: ...

    def add(self, account: Account) -> Account:
        """Store a new account (version 1); ``Conflict`` when the user ID exists."""
        ...

    def update(self, account: Account) -> Account:
        """Store ``account`` if the stored version still equals ``account.version``;
        returns it with the next version, else raises ``ConcurrencyError``."""
        ...

    def list(self, *, limit: int = 100, after: UserId | None = None) -> list[Account]: ...


class OutboxRepository(Protocol):
    def add(self, message: EmailMessage, *, now: datetime) -> None: ...

    def claim_due(self, *, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        """Mark up to ``limit`` due messages as taken by this caller until ``now + lease``,
        so that two dispatchers never send the same message."""
        ...

    def mark_sent(self, message: OutboxMessage, *, now: datetime) -> None: ...

    def mark_failed(
        self, message: OutboxMessage, *, error: str, next_attempt_at: datetime | None
    ) -> None: ...

    def list(self, *, pending_only: bool = False, limit: int = 1000) -> list[OutboxMessage]: ...


class AuditRepository(Protocol):
    def append(self, entry: AuditEntry) -> None:
        """Queue ``entry``; it is chained and written when the unit of work commits."""
        ...

    def records(self, *, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]: ...


class UnitOfWork(Protocol):
    """One transaction with the repositories on it. Leaving the ``with`` block without
    ``commit()`` rolls everything back, events and audit entries included."""

    accounts: AccountRepository
    outbox: OutboxRepository
    audit: AuditRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class PushNotifier(Protocol):
    """Wakes an authenticator app (FCM, APNs, ...). Best effort: the app's poll always
    works, so a notifier that fails loses nothing."""

    def notify(self, device_id: str, message: Mapping[str, object]) -> None: ...


class EmailSender(Protocol):
    """Hands one message to a mail server. Raise ``DeliveryError`` to have it retried."""

    def send(self, message: EmailMessage) -> None: ...
