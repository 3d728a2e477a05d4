"""Repositories for codes, attempt counters and TOTP credentials (row-store tables of
``softtoken.storage.sql.schema``). ``lock`` reads take the row with ``SELECT ... FOR
UPDATE`` where the database can, so concurrent counter updates queue instead of
failing their version check; the version check stays as the final guard."""

from __future__ import annotations

from datetime import datetime

import attrs

from softtoken.errors import ConcurrencyError, Conflict
from softtoken.otp._codes import CodeRecord
from softtoken.otp._throttle import AttemptCounter
from softtoken.ports import Row
from softtoken.storage._repositories import VersionedTable, row_optional_datetime

_when = row_optional_datetime

__all__ = ["AttemptCounters", "CodeTable", "TotpCredential", "TotpTable"]


def _int(value: object) -> int:
    assert isinstance(value, int)  # noqa: S101 - the schema guarantees it
    return value


class CodeTable(VersionedTable[CodeRecord]):
    table = "st_otp_codes"
    key_columns = ("purpose", "subject")

    def to_row(self, record: CodeRecord) -> Row:
        return attrs.asdict(record)

    def from_row(self, row: Row) -> CodeRecord:
        return CodeRecord(
            purpose=str(row["purpose"]),
            subject=str(row["subject"]),
            code_id=None if row["code_id"] is None else str(row["code_id"]),
            code_mac=None if row["code_mac"] is None else str(row["code_mac"]),
            issued_at=_when(row["issued_at"]),
            expires_at=_when(row["expires_at"]),
            used_at=_when(row["used_at"]),
            failures=_int(row["failures"]),
            locked_until=_when(row["locked_until"]),
            disabled=bool(row["disabled"]),
            updated_at=_when(row["updated_at"]),  # type: ignore[arg-type]
            version=_int(row["version"]),
        )

    def lock(self, purpose: str, subject: str) -> CodeRecord | None:
        rows = self._tx.select(self.table, self._key_where((purpose, subject)), for_update=True)
        return self.from_row(rows[0]) if rows else None

    def add_new(self, record: CodeRecord) -> CodeRecord:
        try:
            return self.add(record)
        except Conflict:
            raise ConcurrencyError(detail=f"{self.table}: created concurrently") from None


class AttemptCounters(VersionedTable[AttemptCounter]):
    table = "st_attempt_counters"
    key_columns = ("scope", "key_mac")

    def to_row(self, record: AttemptCounter) -> Row:
        return attrs.asdict(record)

    def from_row(self, row: Row) -> AttemptCounter:
        return AttemptCounter(
            scope=str(row["scope"]),
            key_mac=str(row["key_mac"]),
            failures=_int(row["failures"]),
            locked_until=_when(row["locked_until"]),
            updated_at=_when(row["updated_at"]),  # type: ignore[arg-type]
            version=_int(row["version"]),
        )

    def lock(self, scope: str, key_mac: str) -> AttemptCounter | None:
        rows = self._tx.select(self.table, self._key_where((scope, key_mac)), for_update=True)
        return self.from_row(rows[0]) if rows else None

    def save(self, record: AttemptCounter) -> AttemptCounter:
        """Add a counter seen for the first time, or update the one that was read."""
        if record.version == 0:
            try:
                return self.add(record)
            except Conflict:
                raise ConcurrencyError(detail=f"{self.table}: created concurrently") from None
        return self.update(record)


@attrs.frozen(kw_only=True)
class TotpCredential:
    """An account's TOTP secret (sealed at rest) and replay and failure state."""

    user_id: str
    sealed_secret: bytes = attrs.field(repr=False)
    last_step: int | None = None
    failures: int = 0
    locked_until: datetime | None = None
    disabled: bool = False
    created_at: datetime
    updated_at: datetime
    version: int = 0


class TotpTable(VersionedTable[TotpCredential]):
    table = "st_totp_credentials"
    key_columns = ("user_id",)
    not_found_code = "totp_not_enrolled"

    def to_row(self, record: TotpCredential) -> Row:
        return attrs.asdict(record)

    def from_row(self, row: Row) -> TotpCredential:
        sealed = row["sealed_secret"]
        assert isinstance(sealed, bytes | bytearray | memoryview)  # noqa: S101 - schema
        return TotpCredential(
            user_id=str(row["user_id"]),
            sealed_secret=bytes(sealed),
            last_step=None if row["last_step"] is None else _int(row["last_step"]),
            failures=_int(row["failures"]),
            locked_until=_when(row["locked_until"]),
            disabled=bool(row["disabled"]),
            created_at=_when(row["created_at"]),  # type: ignore[arg-type]
            updated_at=_when(row["updated_at"]),  # type: ignore[arg-type]
            version=_int(row["version"]),
        )

    def lock(self, user_id: str) -> TotpCredential | None:
        rows = self._tx.select(self.table, self._key_where((user_id,)), for_update=True)
        return self.from_row(rows[0]) if rows else None
