"""The SQL storage adapter (SQLAlchemy Core) and the public schema."""

from softtoken.storage.sql._notify import PostgresSignal
from softtoken.storage.sql._store import SqlStorage, SqlTransaction
from softtoken.storage.sql.schema import metadata

__all__ = ["PostgresSignal", "SqlStorage", "SqlTransaction", "metadata"]
