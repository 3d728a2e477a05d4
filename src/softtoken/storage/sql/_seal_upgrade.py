"""Sealing the clear personal data an older schema holds (revision 0005), on the
migration's own connection: each row's columns are sealed as the storage layer would
have sealed them, and each citizen ID gets its blind index."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from softtoken._keys import ServerKeys
from softtoken.errors import ConfigurationError
from softtoken.storage._sealing import SEALED, blind_index, seal_stored

__all__ = ["seal_clear_rows"]

_TYPES: Mapping[str, sa.types.TypeEngine[Any]] = {
    "json": sa.JSON(),
    "bytes": sa.LargeBinary(),
    "text": sa.String(),
}


def _is_sealed(value: object) -> bool:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).startswith(b"st1:")
    return isinstance(value, str) and value.startswith("st1:")


def seal_clear_rows(connection: Connection, keys: ServerKeys | None, *, batch: int = 500) -> int:
    """Seal every clear value of :data:`SEALED` columns; returns how many rows changed.

    Raises:
        ConfigurationError: ``sealing_key_missing`` when clear rows exist and no key was
            given (``softtoken db upgrade --secret-key-file``, or the environment).
    """
    changed = 0
    for table_name, (pk, columns) in SEALED.items():
        index_columns = [s.index for s in columns.values() if s.index is not None]
        table = sa.table(
            table_name,
            *(sa.column(c, sa.String()) for c in pk),
            *(sa.column(c, _TYPES[s.kind]) for c, s in columns.items()),
            *(sa.column(c, sa.String()) for c in index_columns),
        )
        keys_of_rows = [tuple(r) for r in connection.execute(sa.select(*(table.c[c] for c in pk)))]
        for start in range(0, len(keys_of_rows), batch):
            for key in keys_of_rows[start : start + batch]:
                where = sa.and_(*(table.c[c] == v for c, v in zip(pk, key, strict=True)))
                row = connection.execute(sa.select(table).where(where)).mappings().one()
                values: dict[str, object] = {}
                for column, spec in columns.items():
                    value = row[column]
                    if value is None or _is_sealed(value):
                        continue
                    if keys is None:
                        raise ConfigurationError(
                            "sealing_key_missing", detail=f"{table_name}.{column}"
                        )
                    values[column] = seal_stored(keys, table_name, key, column, value)
                    if spec.index is not None:
                        values[spec.index] = blind_index(keys, spec.purpose, str(value))
                if values:
                    connection.execute(sa.update(table).where(where).values(**values))
                    changed += 1
    return changed
