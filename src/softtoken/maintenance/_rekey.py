"""Key rotation's maintenance: which key each stored value uses, moving sealed values
and blind indexes to the current key (``softtoken keys reseal``), and when an old key
can be retired (``softtoken keys status`` / ``retire``).

A reseal walks each table in primary-key order, a bounded batch per transaction, each
row locked (``for_update``) while its values are opened under their recorded key and
sealed again under the current one; a value already under the current key is left. So
it runs beside live traffic (a live write seals under the current key anyway) and from
several processes at once (the second finds the rows moved). MACs cannot be moved (the
secret they cover is not kept): they stop counting once the code, challenge or QR code
they protect has expired or been used. Attempt counters are found by their MAC alone:
after a rotation new ones are keyed under the new key, and old ones age out by purge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import attrs

from softtoken._context import ServiceContext
from softtoken._keys import KEY_ID, LEGACY_KEY_ID, ServerKeys
from softtoken.accounts import _boundary
from softtoken.errors import StateError, ValidationError
from softtoken.ports import Predicate, Row, Transaction
from softtoken.storage._sealed import KeyedSealer
from softtoken.storage._sealing import SEALED, blind_index, open_stored, seal_stored, sealed_key_id
from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["KeyUsage", "check_retirable", "key_usage", "reseal"]

#: Audit records read at a time when counting their keys.
_AUDIT_PAGE = 5000


@attrs.frozen
class _Blob:
    """A bytes column sealed by its own service (outbox bodies, TOTP seeds)."""

    key_of: Callable[[ServerKeys], bytes]
    context: Callable[[Row], bytes]


def _totp_key(keys: ServerKeys) -> bytes:
    return bytes.fromhex(keys.mac(keys.otp, "totp-seal/v1"))


_BLOBS: Mapping[str, tuple[str, str, _Blob]] = {
    "st_outbox": ("id", "sealed", _Blob(lambda k: k.outbox, lambda r: str(r["id"]).encode())),
    "st_totp_credentials": (
        "user_id",
        "sealed_secret",
        _Blob(_totp_key, lambda r: f"totp:{r['user_id']}".encode()),
    ),
}


def _live_macs(now: datetime) -> Mapping[str, tuple[str, list[Predicate]]]:
    """MAC columns, and the rows whose MAC can still verify something."""
    return {
        "st_otp_codes": ("code_mac", [("used_at", "is_null", None), ("expires_at", ">", now)]),
        "st_activations": ("secret_mac", [("status", "=", "pending"), ("expires_at", ">", now)]),
        "st_login_challenges": (
            "code_mac",
            [("status", "=", "pending"), ("expires_at", ">", now)],
        ),
    }


@attrs.frozen(kw_only=True)
class KeyUsage:
    """Stored values per key ID: ``sealed`` (sealed values and blind indexes, which a
    reseal moves), ``macs`` (live MACs, which expire by themselves) and ``audit``
    (audit records and heads: never moved, and no bar to retiring, which keeps what
    verifies them, ``Keyring.without``)."""

    current: str
    key_ids: tuple[str, ...]
    sealed: Mapping[str, int]
    macs: Mapping[str, int]
    audit: Mapping[str, int] = attrs.field(factory=dict)

    def in_use(self, key_id: str) -> int:
        return self.sealed.get(key_id, 0) + self.macs.get(key_id, 0)

    def retirable(self) -> tuple[str, ...]:
        """Keys of the ring nothing uses, the current one aside."""
        return tuple(k for k in self.key_ids if k != self.current and not self.in_use(k))


def _scan(tx: Transaction, table: str, where: Sequence[Predicate] = ()) -> list[Row]:
    return tx.select(table, where)


def key_usage(context: ServiceContext) -> KeyUsage:
    """Count every key-recording value by key ID (reads whole tables: an operator's
    command, not a hot path)."""
    sealed: dict[str, int] = {}
    macs: dict[str, int] = {}
    audit: dict[str, int] = {}
    keys = context.keys
    with context.unit_of_work() as uow:
        raw = _raw(uow)
        _count_sealed(raw, sealed)
        for table, (_key, column, _blob) in _BLOBS.items():
            for row in _scan(raw, table, [(column, "not_null", None)]):
                _count(sealed, _kid_of(row[column]))
        for table, (column, live) in _live_macs(context.clock.now()).items():
            for row in _scan(raw, table, [(column, "not_null", None), *live]):
                _count(macs, _kid_of(row[column], text_is_clear=True))
    ring = keys.keyring.key_ids if keys.keyring is not None else (keys.key_id,)
    _count_audit(context, audit)
    return KeyUsage(current=keys.key_id, key_ids=ring, sealed=sealed, macs=macs, audit=audit)


def _count_audit(context: ServiceContext, into: dict[str, int]) -> None:
    """Audit records and heads by the key their MAC is under. They are never moved (a
    record's hash is what later records and checkpoints chain to); a retired key keeps
    what verifies them."""
    with context.unit_of_work().reading() as uow:
        raw = _raw(uow)
        heads = raw.select("st_audit_head")
        for head in heads:
            mac = str(head.get("mac") or "")
            _count(into, mac.split(":")[1] if mac.startswith("v2:") else LEGACY_KEY_ID)
        for chain in [int(h["id"]) for h in heads]:  # type: ignore[call-overload]
            after = 0
            while rows := raw.select(
                "st_audit_events",
                [("chain", "=", chain), ("seq", ">", after)],
                order_by=("seq",),
                limit=_AUDIT_PAGE,
            ):
                for row in rows:
                    kid = row.get("key_id") if row.get("format", 1) == 2 else None  # noqa: PLR2004
                    _count(into, str(kid) if kid else LEGACY_KEY_ID)
                after = int(rows[-1]["seq"])  # type: ignore[call-overload]


def _count_sealed(raw: Transaction, into: dict[str, int]) -> None:
    for table, (_pk, columns) in SEALED.items():
        indexes = [s.index for s in columns.values() if s.index]
        for row in _scan(raw, table):
            for column in [*columns, *indexes]:
                if column is not None:
                    _count(into, _kid_of(row.get(column), text_is_clear=column in indexes))


def _raw(uow: StorageUnitOfWork) -> Transaction:
    return getattr(uow.transaction, "raw", uow.transaction)


def _kid_of(value: object, *, text_is_clear: bool = False) -> str | None:
    if isinstance(value, str) and not text_is_clear and not value.startswith("st1:"):
        return None  # a name kept in clear (Policy.names_searchable)
    return sealed_key_id(value)


def _count(into: dict[str, int], kid: str | None) -> None:
    if kid is not None:
        into[kid] = into.get(kid, 0) + 1


def check_retirable(context: ServiceContext, key_id: object) -> KeyUsage:
    """Raises StateError ``key_in_use`` while any stored value uses ``key_id``,
    ``key_is_current`` for the current key; ValidationError ``invalid_key_id``."""
    if not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
        raise ValidationError("invalid_key_id", field="key_id")
    usage = key_usage(context)
    if key_id == usage.current:
        raise StateError("key_is_current", detail=key_id)
    if usage.in_use(key_id):
        raise StateError("key_in_use", detail=f"{usage.in_use(key_id)} values use {key_id}")
    return usage


def reseal(context: ServiceContext, *, batch_size: int | None = None) -> int:
    """Move every sealed value and blind index to the current key; returns how many rows
    changed. Each batch is its own transaction, audited with its count only.

    Raises:
        ValidationError: ``invalid_batch_size``.
    """
    size = context.policy.reseal_batch_size if batch_size is None else batch_size
    size = _boundary.count(size, "batch_size", code="invalid_batch_size")
    moved = 0
    for table in [*SEALED, *_BLOBS]:
        after: object = None
        while True:

            def batch(
                uow: StorageUnitOfWork, table: str = table, after: object = after
            ) -> tuple[object, int, int]:
                return _reseal_batch(context, uow, table, after, size)

            last, changed, read = context.transact(batch)
            moved += changed
            if read < size:
                break
            after = last
    return moved


def _reseal_batch(
    context: ServiceContext, uow: StorageUnitOfWork, table: str, after: object, size: int
) -> tuple[object, int, int]:
    keys = uow.keys
    raw = _raw(uow)
    pk = SEALED[table][0][0] if table in SEALED else _BLOBS[table][0]
    where: list[Predicate] = [] if after is None else [(pk, ">", after)]
    rows = raw.select(table, where, order_by=(pk,), limit=size, for_update=True)
    changed = 0
    for row in rows:
        values = _resealed(keys, table, row)
        if values:
            raw.update(table, [(pk, "=", row[pk])], values)
            changed += 1
    if changed:
        context.audit(
            uow, actor="system:keys", action="keys.reseal", subject=table, resealed=changed
        )
    return (rows[-1][pk] if rows else after), changed, len(rows)


def _resealed(keys: ServerKeys, table: str, row: Row) -> dict[str, object]:
    values: dict[str, object] = {}
    if table in _BLOBS:
        _pk, column, blob = _BLOBS[table]
        stored = row[column]
        if stored is not None and _kid_of(stored) != keys.key_id:
            sealer = KeyedSealer(keys, blob.key_of, code="sealed_value_broken")
            assert isinstance(stored, bytes | bytearray | memoryview)  # noqa: S101 - schema type
            clear = sealer.open(bytes(stored), context=blob.context(row))
            values[column] = sealer.seal(clear, context=blob.context(row))
        return values
    pk, columns = SEALED[table]
    key = [row[c] for c in pk]
    for column, spec in columns.items():
        stored = row.get(column)
        if spec.name and isinstance(stored, str) and not stored.startswith("st1:"):
            continue  # kept in clear by policy
        stale = _kid_of(stored) not in (None, keys.key_id)
        index_stale = spec.index is not None and _kid_of(
            row.get(spec.index), text_is_clear=True
        ) not in (None, keys.key_id)
        if not (stale or index_stale):
            continue
        opened = open_stored(keys, table, key, column, stored)
        values[column] = seal_stored(keys, table, key, column, opened)
        if spec.index is not None:
            values[spec.index] = blind_index(keys, spec.purpose, str(opened))
    return values
