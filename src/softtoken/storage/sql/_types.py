"""The schema's building blocks: the shared ``MetaData`` and the column types every
table uses. The tables themselves are in ``_tables_*`` modules, gathered by ``schema``."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

__all__ = [
    "KEYED_MAC",
    "SEALED_ID",
    "SEALED_NAME",
    "UTCDateTime",
    "metadata",
    "version_column",
]

#: ``<kid>:<64 hex>``: an HMAC (code, secret, blind index) with the ID of its key.
KEYED_MAC = 96
#: ``st1:<kid>:<base64>`` of a 13-digit citizen ID (12-byte nonce, 16-byte tag).
SEALED_ID = 96
#: ``st1:<kid>:<base64>`` of a name of up to 100 characters (Thai: 3 bytes each).
SEALED_NAME = 600

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes on every dialect: stored as UTC, returned aware.

    SQLite and MariaDB have no time zones, and MariaDB drops microseconds unless asked.
    """

    impl = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given to the database; softtoken stores aware UTC times"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - SQLAlchemy's signature
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def version_column() -> sa.Column[int]:
    return sa.Column("version", sa.Integer, nullable=False)
