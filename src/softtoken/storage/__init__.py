"""Storage adapters (memory, SQL) and the unit of work every service runs in."""

from __future__ import annotations

from softtoken.ports import Storage
from softtoken.storage._repositories import FlatTable, VersionedTable
from softtoken.storage._unit_of_work import StorageUnitOfWork, retrying
from softtoken.storage.memory import MemoryStorage

__all__ = [
    "FlatTable",
    "MemoryStorage",
    "StorageUnitOfWork",
    "VersionedTable",
    "open_storage",
    "retrying",
]


def open_storage(url: str) -> Storage:
    """``memory://`` for the in-memory adapter; any SQLAlchemy URL for the SQL adapter."""
    if url in {"memory://", "memory:"}:
        return MemoryStorage()
    from softtoken.storage.sql import SqlStorage  # noqa: PLC0415 - keeps import light

    return SqlStorage(url)
