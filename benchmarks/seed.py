"""Seed a PostgreSQL database in bulk (COPY, not the API) for ``bench_scale`` (issue 15):
``--accounts`` accounts, and for the first ``--detailed`` of them (10,000 by default) a
device binding, its certificate and a year of audit records, chained and sealed as the
library writes them, so ``soft.audit.verify()`` passes on the seeded database.
The personal columns are sealed as the library seals them, so the rows open and the
citizen ID is found through its blind index.

    python benchmarks/seed.py --url postgresql+psycopg://postgres@127.0.0.1:5432/big \\
        --accounts 1000000 --secret-hex <64 hex digits>

Two places follow the library's storage formats, each with the library's own helpers:
:func:`audit_rows` spreads the records over the keyed chains (``Policy.audit_chains``)
with ``softtoken.audit.chain_for`` / ``chain_rows`` and :func:`seed` writes every chain's
sealed head with ``head_rows`` (docs/audit.md: loading in bulk); :func:`sealed_fields`
seals the personal columns ``storage/_sealing.py`` names (``SEALED``) with
``seal_stored`` under the row's key, and writes the citizen ID's ``blind_index`` beside
it (docs/privacy.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent))

import softtoken
from softtoken import Policy
from softtoken._keys import ServerKeys
from softtoken.audit import AuditEntry, chain_for, chain_rows, genesis, head_rows
from softtoken.storage._sealing import SEALED, blind_index, seal_stored
from softtoken.storage.sql import SqlStorage

__all__ = [
    "SeedReport",
    "audit_rows",
    "main",
    "personal_fields",
    "sealed_fields",
    "seed",
    "seed_accounts",
    "user_id_of",
]

#: When the seeded year ends: records run up to here, the API's come after.
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)
_ACCOUNT_COLUMNS = (
    "user_id", "first_name", "last_name", "email", "disbursement_unit", "citizen_id",
    "citizen_index", "login_type", "status", "password_hash", "must_change_password",
    "password_expires_at", "failed_logins", "locked_until", "last_login_at",
    "registration_completed", "created_at", "updated_at", "version",
)  # fmt: skip
_BINDING_COLUMNS = (
    "device_id", "user_id", "active_user", "certificate_serial", "platform", "biometrics",
    "bound_at", "pushes_since_login", "version",
)  # fmt: skip
_CERTIFICATE_COLUMNS = (
    "serial", "user_id", "device_id", "key_fingerprint", "key_type", "not_before",
    "not_after", "status", "issued_at", "der", "version",
)  # fmt: skip
_AUDIT_COLUMNS = ("chain", "seq", "at", "actor", "action", "subject", "outcome", "details",
                  "prev_hash", "hash", "format", "key_id", "actor_ref", "subject_ref",
                  "detail_refs", "legacy_hash")  # fmt: skip
_HEAD_COLUMNS = ("id", "seq", "hash", "mac", "chains")
_ACCOUNTS = "st_accounts"


@attrs.frozen(kw_only=True)
class SeedReport:
    accounts: int
    detailed: int
    audit_records: int
    seconds: float


def user_id_of(i: int) -> str:
    """The seeded account number ``i``'s user ID (the portal's T + 14 digits)."""
    return f"T9{i:013d}"


def _citizen_id(i: int) -> str:
    first12 = f"9{i:011d}"
    total = sum(int(d) * (13 - n) for n, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


def personal_fields(i: int) -> dict[str, object]:
    """The personal columns of seeded account ``i`` in clear, as the library reads them
    back (:func:`sealed_fields` is how they rest)."""
    return {
        "first_name": f"ชื่อ{i}",
        "last_name": f"สกุล{i}",
        "email": f"person{i}@cgd.example.go.th",
        "citizen_id": _citizen_id(i),
    }


def sealed_fields(keys: ServerKeys, i: int, *, names_searchable: bool = False) -> dict[str, object]:
    """:func:`personal_fields` of account ``i`` as ``SealingTransaction`` writes them: each
    column ``SEALED`` names for ``st_accounts`` sealed under the row's key (names only
    while ``Policy.names_searchable`` is off), a blind index beside the citizen ID."""
    clear = personal_fields(i)
    out = dict(clear)
    key = [user_id_of(i)]
    for column, spec in SEALED[_ACCOUNTS][1].items():
        if spec.name and names_searchable:
            continue
        out[column] = seal_stored(keys, _ACCOUNTS, key, column, clear[column])
        if spec.index is not None:
            out[spec.index] = blind_index(keys, spec.purpose, str(clear[column]))
    return out


def _account_row(
    keys: ServerKeys, i: int, password_hash: str, now: datetime, *, names_searchable: bool
) -> tuple[object, ...]:
    row: dict[str, object] = {
        "user_id": user_id_of(i),
        "disbursement_unit": None,
        "login_type": "soft_token",
        "status": "active",
        "password_hash": password_hash,
        "must_change_password": False,
        "password_expires_at": None,
        "failed_logins": 0,
        "locked_until": None,
        "last_login_at": now,
        "registration_completed": True,
        "created_at": now - timedelta(days=400),
        "updated_at": now,
        "version": 1,
        **sealed_fields(keys, i, names_searchable=names_searchable),
    }
    return tuple(row[c] for c in _ACCOUNT_COLUMNS)


def audit_rows(
    keys: ServerKeys,
    entries: Iterable[AuditEntry],
    *,
    chains: int,
    ends: dict[int, tuple[int, str]],
) -> Iterator[tuple[object, ...]]:
    """Rows of ``st_audit_events`` for ``entries``, each appended to the chain its
    subject routes to (``chain_for``), after that chain's end in ``ends`` (chain ->
    seq, hash; a chain not there starts from its ``genesis``). ``ends`` moves as the
    rows are made, one at a time (a year of records is not held in memory): once they
    are all written, ``head_rows(keys, chains, ends)`` seals every chain's head. The
    rows are format 2 (keyed pseudonyms beside the clear values) under ``keys``' key ID."""
    route: dict[str, int] = {}
    for entry in entries:
        chain = route.get(entry.subject)
        if chain is None:
            chain = route[entry.subject] = chain_for(keys.audit, entry.subject, chains)
        seq, prev = ends.get(chain) or (0, genesis(chain))
        [row], seq, prev = chain_rows(keys, chain, [entry], seq=seq, prev=prev)
        ends[chain] = (seq, prev)
        row["details"] = json.dumps(row["details"])
        row["detail_refs"] = json.dumps(row["detail_refs"])
        yield tuple(row[c] for c in _AUDIT_COLUMNS)


def _year_of_entries(detailed: int, per_account: int) -> Iterator[AuditEntry]:
    """``per_account`` logins a year for each detailed account, in time order."""
    total = detailed * per_account
    start = YEAR_END - timedelta(days=365)
    step = timedelta(days=365) / max(total, 1)
    for n in range(total):
        uid = user_id_of(n % detailed)
        yield AuditEntry(
            at=start + step * n, actor=f"user:{uid}", action="login.password", subject=uid,
            details={"factor": "password"},
        )  # fmt: skip


def _copy(
    connection: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _raw(storage: SqlStorage) -> Any:
    if storage.engine.dialect.name != "postgresql":
        msg = "the seeder writes with PostgreSQL's COPY"
        raise SystemExit(msg)
    return storage.engine.raw_connection()


def seed_accounts(
    storage: SqlStorage,
    keys: ServerKeys,
    *,
    start: int,
    count: int,
    password_hash: str,
    names_searchable: bool = False,
) -> int:
    """Accounts ``start`` .. ``start + count - 1``, no audit records (bulk filler), their
    personal columns sealed with ``keys`` (the deployment's)."""
    now = YEAR_END
    connection = _raw(storage)
    try:
        rows = (
            _account_row(keys, i, password_hash, now, names_searchable=names_searchable)
            for i in range(start, start + count)
        )
        written = _copy(connection, "st_accounts", _ACCOUNT_COLUMNS, rows)
        connection.commit()
    finally:
        connection.close()
    return written


def _device_rows(detailed: int, der: bytes) -> tuple[Iterator[tuple[object, ...]], ...]:
    now = YEAR_END

    def ids(i: int) -> tuple[str, str, str]:
        digest = hashlib.sha256(f"device{i}".encode()).hexdigest()
        return digest[:32], f"{i + 1:x}".rjust(32, "0"), digest

    bindings = (
        (device, user_id_of(i), user_id_of(i), serial, "android", False, now, 0, 1)
        for i in range(detailed)
        for device, serial, _ in [ids(i)]
    )
    certificates = (
        (serial, user_id_of(i), device, fingerprint, "ec-p256", now - timedelta(days=30),
         now + timedelta(days=700), "active", now - timedelta(days=30), der, 1)
        for i in range(detailed)
        for device, serial, fingerprint in [ids(i)]
    )  # fmt: skip
    return bindings, certificates


def seed(
    url: str,
    *,
    secret: bytes,
    accounts: int,
    detailed: int = 10_000,
    audit_per_account: int = 52,
    certificate_der: bytes = b"\x30\x00",
    policy: Policy | None = None,
) -> SeedReport:
    """Create the schema on ``url`` (an empty database) and seed it. ``secret`` is the
    deployment's secret key: the audit chains are keyed and the personal columns sealed
    from it; ``policy`` is the deployment's (its ``audit_chains`` and
    ``names_searchable``; the test policy by default)."""
    started = time.perf_counter()
    detailed = min(detailed, accounts)
    policy = policy or Policy.for_tests()
    storage = SqlStorage(url)
    storage.create_schema()
    soft = softtoken.build(
        softtoken.Config(secret_key=secret, storage_url="memory://", policy=policy),
        storage=storage,
        allow_test_policy=policy.insecure_for_tests,
    )
    keys = soft.context.keys
    password_hash = soft.context.hasher.hash(secrets.token_urlsafe(12))
    seed_accounts(
        storage, keys, start=0, count=accounts, password_hash=password_hash,
        names_searchable=policy.names_searchable,
    )  # fmt: skip
    chains = policy.audit_chains
    ends: dict[int, tuple[int, str]] = {}
    records = audit_rows(
        keys, _year_of_entries(detailed, audit_per_account), chains=chains, ends=ends
    )
    bindings, certificates = _device_rows(detailed, certificate_der)
    connection = _raw(storage)
    try:
        _copy(connection, "st_certificates", _CERTIFICATE_COLUMNS, certificates)
        _copy(connection, "st_device_bindings", _BINDING_COLUMNS, bindings)
        written = _copy(connection, "st_audit_events", _AUDIT_COLUMNS, records)
        # Every chain's head, 1..n, the empty ones at their genesis: after the records,
        # which moved ``ends`` as COPY consumed them.
        heads = head_rows(keys, chains, ends)
        _copy(connection, "st_audit_head", _HEAD_COLUMNS,
              [tuple(h[c] for c in _HEAD_COLUMNS) for h in heads])  # fmt: skip
        connection.commit()
        with connection.cursor() as cursor:  # plans for the sizes just loaded
            connection.autocommit = True
            cursor.execute("ANALYZE")
    finally:
        connection.close()
    soft.close()
    storage.close()
    return SeedReport(
        accounts=accounts,
        detailed=detailed,
        audit_records=written,
        seconds=time.perf_counter() - started,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--detailed", type=int, default=10_000)
    parser.add_argument("--audit-per-account", type=int, default=52)
    parser.add_argument("--secret-hex", required=True, help="the deployment's secret key")
    args = parser.parse_args(argv)
    report = seed(
        args.url,
        secret=bytes.fromhex(args.secret_hex),
        accounts=args.accounts,
        detailed=args.detailed,
        audit_per_account=args.audit_per_account,
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
