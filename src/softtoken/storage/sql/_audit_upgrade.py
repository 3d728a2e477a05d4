"""Does this start add the audit head's seal column (revision 0002)? Asked before the
schema is upgraded, so that ``build()`` seals a head from before sealing, with the key
only it holds, exactly when its own start added the column (docs/audit.md: upgrading).

A head whose seal was merely blanked is not sealed again here: only a start that adds
the column does that, and replaying it needs the right to change the schema; the seal
it makes is itself a record of the chain (``audit.reseal``, reason ``schema_upgrade``).
"""

from __future__ import annotations

import sqlalchemy as sa

from softtoken.storage.sql._store import SqlStorage
from softtoken.storage.sql.schema import metadata as default_metadata

__all__ = ["adds_audit_head_seal", "adds_audit_pseudonyms"]

_HEAD = "st_audit_head"
_EVENTS = "st_audit_events"


def adds_audit_head_seal(storage: object) -> bool:
    """True when ``storage`` is SQL on softtoken's own tables and holds an audit head
    table without its ``mac`` column (a database from before revision 0002)."""
    return _lacks_column(storage, _HEAD, "mac")


def adds_audit_pseudonyms(storage: object) -> bool:
    """True when ``storage`` is SQL on softtoken's own tables and holds audit records
    without the ``format`` column (a database from before revision 0007), whose
    records ``build()`` then converts to format 2 with the key."""
    return _lacks_column(storage, _EVENTS, "format")


def _lacks_column(storage: object, table: str, column: str) -> bool:
    if not isinstance(storage, SqlStorage) or storage.metadata is not default_metadata:
        return False
    inspector = sa.inspect(storage.engine)
    if not inspector.has_table(table):
        return False
    return column not in {c["name"] for c in inspector.get_columns(table)}
