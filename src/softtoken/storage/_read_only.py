"""The one error every adapter raises for a write inside a reading unit of work."""

from __future__ import annotations

from softtoken.errors import StateError

__all__ = ["READ_ONLY", "refused"]

READ_ONLY = "read_only_unit_of_work"


def refused(what: str) -> StateError:
    """A write (``what``) tried in a read-only transaction: a bug in the caller, refused
    before it reaches the database, so a reader never takes a write lock."""
    return StateError(READ_ONLY, detail=f"{what} in a read-only unit of work")
