"""The outbox's table: messages written with the change they announce, sealed at rest,
leased to one dispatcher at a time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import attrs

from softtoken._ids import ordered_id
from softtoken.errors import ConcurrencyError
from softtoken.mail._message import EmailMessage, OutboxMessage
from softtoken.ports import Predicate, Row, Transaction
from softtoken.storage._repositories import row_datetime, row_optional_datetime
from softtoken.storage._sealed import KeyedSealer

__all__ = ["OutboxTable"]


class OutboxTable:
    """The outbox: messages written with the change that caused them, sent after commit."""

    table = "st_outbox"

    def __init__(self, tx: Transaction, sealer: KeyedSealer) -> None:
        self._tx = tx
        self._sealer = sealer

    def add(self, message: EmailMessage, *, now: datetime) -> None:
        message_id = ordered_id(now)  # messages go out in the order they were written
        body = json.dumps(attrs.asdict(message), ensure_ascii=False).encode()
        self._tx.insert(
            self.table,
            {
                "id": message_id,
                "kind": "email",
                "recipient": message.to,
                "template": message.template,
                "sealed": self._sealer.seal(body, context=message_id.encode()),
                "created_at": now,
                "next_attempt_at": now,
                "attempts": 0,
                "claimed_until": None,
                "sent_at": None,
                "last_error": None,
                "version": 1,
            },
        )

    def _record(self, row: Row) -> OutboxMessage:
        sealed = row["sealed"]
        message = None
        if sealed is not None:
            data = json.loads(self._sealer.open(bytes(sealed), context=str(row["id"]).encode()))  # type: ignore[call-overload]
            message = EmailMessage(**data)
        return OutboxMessage(
            id=str(row["id"]),
            recipient=str(row["recipient"]),
            template=str(row["template"]),
            message=message,
            created_at=row_datetime(row["created_at"]),
            attempts=int(row["attempts"]),  # type: ignore[call-overload]
            next_attempt_at=row_optional_datetime(row["next_attempt_at"]),
            claimed_until=row_optional_datetime(row["claimed_until"]),
            sent_at=row_optional_datetime(row["sent_at"]),
            last_error=None if row["last_error"] is None else str(row["last_error"]),
            version=int(row["version"]),  # type: ignore[call-overload]
        )

    def claim_due(self, *, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        due = self._tx.select(
            self.table,
            [("sent_at", "is_null", None), ("next_attempt_at", "<=", now)],
            order_by=("next_attempt_at", "id"),
            # Messages other dispatchers hold stay first in this order: look past them.
            limit=limit * 2 + 16,
        )
        claimed: list[OutboxMessage] = []
        for row in due:
            claim = row["claimed_until"]
            if isinstance(claim, datetime) and claim > now:
                continue  # another dispatcher holds it
            version = int(row["version"])  # type: ignore[call-overload]
            values = {"claimed_until": now + lease, "version": version + 1}
            where: list[Predicate] = [("id", "=", row["id"]), ("version", "=", version)]
            if self._tx.update(self.table, where, values) == 1:
                claimed.append(self._record({**row, **values}))
            if len(claimed) == limit:
                break
        return claimed

    def _finish(self, message: OutboxMessage, values: Row) -> None:
        where: list[Predicate] = [("id", "=", message.id), ("version", "=", message.version)]
        if self._tx.update(self.table, where, {**values, "version": message.version + 1}) != 1:
            raise ConcurrencyError(detail=f"outbox message {message.id} was taken over")

    def mark_sent(self, message: OutboxMessage, *, now: datetime) -> None:
        self._finish(
            message,
            {
                "sent_at": now,
                "sealed": None,  # erase the body: it may hold a code or a password
                "attempts": message.attempts + 1,
                "next_attempt_at": None,
                "claimed_until": None,
                "last_error": None,
            },
        )

    def mark_failed(
        self, message: OutboxMessage, *, error: str, next_attempt_at: datetime | None
    ) -> None:
        self._finish(
            message,
            {
                "attempts": message.attempts + 1,
                "next_attempt_at": next_attempt_at,
                "claimed_until": None,
                "last_error": error[:500],
            },
        )

    def list(self, *, pending_only: bool = False, limit: int = 1000) -> list[OutboxMessage]:
        where: list[Predicate] = [("sent_at", "is_null", None)] if pending_only else []
        rows = self._tx.select(self.table, where, order_by=("created_at", "id"), limit=limit)
        return [self._record(r) for r in rows]
