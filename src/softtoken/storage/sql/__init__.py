"""The SQL storage adapter (SQLAlchemy Core) and the public schema."""

from softtoken.storage.sql._store import SqlStorage, SqlTransaction
from softtoken.storage.sql.schema import metadata

__all__ = ["SqlStorage", "SqlTransaction", "metadata"]
