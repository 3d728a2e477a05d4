"""Personal data sealed at rest, in one wrapper around the row store's transaction.

Services and repositories read and write clear values; :class:`SealingTransaction`
seals the columns :data:`SEALED` names on the way in (AES-256-GCM under a key derived
per purpose from the current key of the ring) and opens them on the way out. The
associated data is the row's identity (table, primary key, column), so a sealed value
copied onto another row or column does not open: it raises ``sealed_value_broken``.

Lookups by citizen ID use a blind index: a column beside the sealed one holding
``<kid>:<HMAC-SHA256>`` of the value under a derived key of its own. A predicate on the
sealed column becomes a predicate on the index, under every key of the ring, so rows
written before a rotation are still found. Memory and SQL adapters alike see only
sealed values, so the contract suite proves the sealing on each (docs/privacy.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Literal

import attrs

from softtoken._keys import ServerKeys
from softtoken.errors import TamperingDetected
from softtoken.ports import Predicate, Row, Transaction
from softtoken.storage._sealed import KeyedSealer, parse_sealed_bytes, parse_sealed_text

__all__ = [
    "SEALED",
    "Sealed",
    "SealingTransaction",
    "blind_index",
    "open_stored",
    "seal_stored",
    "sealed_key_id",
]


@attrs.frozen
class Sealed:
    """How one column rests: ``purpose`` names its derived key; ``kind`` its clear type;
    ``index`` the blind-index column beside it; ``name`` marks a name, sealed only
    while ``Policy.names_searchable`` is off."""

    purpose: str
    kind: Literal["text", "json", "bytes"] = "text"
    index: str | None = None
    name: bool = False


_CID = Sealed("citizen-id", index="citizen_index")
_NAME = Sealed("name", name=True)

#: table -> (primary key columns, sealed columns). docs/privacy.md lists why each is here.
SEALED: Mapping[str, tuple[tuple[str, ...], Mapping[str, Sealed]]] = {
    "st_accounts": (("user_id",), {"citizen_id": _CID, "first_name": _NAME, "last_name": _NAME}),
    "st_email_bindings": (("email",), {"citizen_id": _CID}),
    "st_registrations": (
        ("registration_id",),
        {
            "citizen_id": Sealed("citizen-id"),
            "identity": Sealed("identity", "json"),
            "details": Sealed("identity", "json"),
        },
    ),
    "st_proofings": (
        ("proofing_id",),
        {
            "citizen_id": Sealed("citizen-id"),
            "state": Sealed("proofing", "json"),
            "result": Sealed("proofing", "json"),
        },
    ),
    "st_documents": (("document_id",), {"content": Sealed("document", "bytes")}),
    "st_service_requests": (("request_id",), {"form": Sealed("service-request", "json")}),
}


def _sealer(keys: ServerKeys, purpose: str) -> KeyedSealer:
    return KeyedSealer(keys, lambda k: k.derived(f"seal/{purpose}"), code="sealed_value_broken")


def blind_index(keys: ServerKeys, purpose: str, value: str) -> str:
    """``<kid>:<hex>``: the HMAC of ``value`` under ``keys``' index key for ``purpose``."""
    return keys.tagged_mac(keys.derived(f"blind-index/{purpose}"), value)


def sealed_key_id(value: object) -> str | None:
    """The key ID a stored sealed value, blind index or MAC records (None for NULL)."""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return parse_sealed_bytes(bytes(value))[0]
    if isinstance(value, str) and value.startswith("st1:"):
        return parse_sealed_text(value)[0]
    if isinstance(value, str) and ":" in value:
        return value.partition(":")[0]
    return None


def associated_data(table: str, key: Sequence[object], column: str) -> bytes:
    return json.dumps([table, [str(k) for k in key], column]).encode()


def seal_stored(
    keys: ServerKeys, table: str, key: Sequence[object], column: str, value: object
) -> object:
    """``value`` sealed for ``table.column`` of the row ``key`` (None stays None)."""
    if value is None:
        return None
    spec = SEALED[table][1][column]
    ad = associated_data(table, key, column)
    sealer = _sealer(keys, spec.purpose)
    if spec.kind == "bytes":
        assert isinstance(value, bytes | bytearray | memoryview)  # noqa: S101 - schema type
        return sealer.seal(bytes(value), context=ad)
    text = json.dumps(value, sort_keys=True) if spec.kind == "json" else str(value)
    return sealer.seal_text(text, context=ad)


def open_stored(
    keys: ServerKeys, table: str, key: Sequence[object], column: str, stored: object
) -> object:
    """The clear value of a sealed ``table.column``, opened under its recorded key.

    Raises:
        TamperingDetected: ``sealed_value_broken`` (altered, or copied from another row
            or column).
        ConfigurationError: ``key_unknown`` (the ring lacks the key that sealed it).
    """
    if stored is None:
        return None
    spec = SEALED[table][1][column]
    ad = associated_data(table, key, column)
    sealer = _sealer(keys, spec.purpose)
    if spec.kind == "bytes":
        if not isinstance(stored, bytes | bytearray | memoryview):
            raise TamperingDetected("sealed_value_broken", detail=f"{table}.{column}")
        return sealer.open(bytes(stored), context=ad)
    text = sealer.open_text(stored, context=ad)
    return json.loads(text) if spec.kind == "json" else text


def _pinned(pk: Sequence[str], where: Sequence[Predicate]) -> list[object] | None:
    """The primary key ``where`` fixes by equality, or None when it names no one row."""
    equal = {column: value for column, op, value in where if op == "="}
    return [equal[c] for c in pk] if pk and all(c in equal for c in pk) else None


class SealingTransaction:
    """A :class:`~softtoken.ports.Transaction` that seals :data:`SEALED` columns."""

    def __init__(self, tx: Transaction, keys: ServerKeys, *, names_searchable: bool) -> None:
        self._tx, self._keys, self._names_searchable = tx, keys, names_searchable

    @property
    def raw(self) -> Transaction:
        """The transaction underneath, for the reseal, which moves sealed values as is."""
        return self._tx

    def _columns(self, table: str) -> tuple[tuple[str, ...], dict[str, Sealed]]:
        pk, columns = SEALED.get(table, ((), {}))
        live = {c: s for c, s in columns.items() if not (s.name and self._names_searchable)}
        return pk, live

    # --- values ------------------------------------------------------------------------

    def seal_value(self, table: str, key: Sequence[object], column: str, value: object) -> object:
        """``value`` as it rests in ``table.column`` of the row ``key`` (None stays None)."""
        return seal_stored(self._keys, table, key, column, value)

    def open_value(self, table: str, key: Sequence[object], column: str, stored: object) -> object:
        spec = SEALED[table][1][column]
        if spec.name and not (isinstance(stored, str) and stored.startswith("st1:")):
            return stored  # a name kept in clear while Policy.names_searchable was on
        return open_stored(self._keys, table, key, column, stored)

    def _seal_values(self, table: str, key: Sequence[object], values: Mapping[str, object]) -> Row:
        _, columns = self._columns(table)
        out = dict(values)
        for column, spec in columns.items():
            if column in values:
                out[column] = self.seal_value(table, key, column, values[column])
                if spec.index is not None:
                    clear = values[column]
                    out[spec.index] = (
                        None if clear is None else blind_index(self._keys, spec.purpose, str(clear))
                    )
        return out

    def _open_row(self, table: str, row: Row) -> Row:
        pk, columns = SEALED.get(table, ((), {}))
        if not columns:
            return row
        key = [row[c] for c in pk]
        out = dict(row)
        for column, spec in columns.items():
            if column in row:
                out[column] = self.open_value(table, key, column, row[column])
            if spec.index is not None:
                out.pop(spec.index, None)
        return out

    def _where(self, table: str, where: Sequence[Predicate]) -> list[Predicate]:
        _, columns = self._columns(table)
        out: list[Predicate] = []
        for column, op, value in where:
            spec = columns.get(column)
            if spec is None or op in ("is_null", "not_null"):
                out.append((column, op, value))
                continue
            if spec.index is None or op not in ("=", "in"):
                msg = f"{table}.{column} is sealed: only = and in through its blind index"
                raise ValueError(msg)
            clear = list(value) if op == "in" else [value]  # type: ignore[call-overload]
            macs = [
                blind_index(self._keys.for_key_id(kid), spec.purpose, str(v))
                for kid in self._keys.all_key_ids()
                for v in clear
            ]
            out.append((spec.index, "in", macs))
        return out

    # --- the port ----------------------------------------------------------------------

    def insert(self, table: str, row: Mapping[str, object]) -> None:
        pk, columns = self._columns(table)
        if columns:
            row = self._seal_values(table, [row[c] for c in pk], row)
        self._tx.insert(table, row)

    def select(
        self,
        table: str,
        where: Sequence[Predicate] = (),
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
        for_update: bool = False,
    ) -> list[Row]:
        rows = self._tx.select(
            table, self._where(table, where), order_by=order_by, limit=limit, for_update=for_update
        )
        return [self._open_row(table, r) for r in rows]

    def update(self, table: str, where: Sequence[Predicate], values: Mapping[str, object]) -> int:
        pk, columns = self._columns(table)
        where = self._where(table, where)
        if not columns.keys() & values.keys():
            return self._tx.update(table, where, values)
        pinned_key = _pinned(pk, where)
        if pinned_key is not None:  # one row, named by its key: the usual versioned update
            return self._tx.update(table, where, self._seal_values(table, pinned_key, values))
        # Each row's values are sealed with its own key as associated data.
        matched = 0
        for row in self._tx.select(table, where, for_update=True):
            key = [row[c] for c in pk]
            pinned = [*((c, "=", v) for c, v in zip(pk, key, strict=True)), *where]
            sealed = self._seal_values(table, key, values)
            matched += self._tx.update(table, pinned, sealed)
        return matched

    def delete(self, table: str, where: Sequence[Predicate]) -> int:
        return self._tx.delete(table, self._where(table, where))

    def commit(self) -> None:
        self._tx.commit()

    def rollback(self) -> None:
        self._tx.rollback()
