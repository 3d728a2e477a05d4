"""Seed a PostgreSQL database in bulk (COPY, not the API) for ``bench_scale`` (issue 15):
``--accounts`` accounts, and for the first ``--detailed`` of them (10,000 by default) a
device binding, its certificate and a year of audit records, chained and sealed as the
library writes them, so ``soft.audit.verify()`` passes on the seeded database.

    python benchmarks/seed.py --url postgresql+psycopg://postgres@127.0.0.1:5432/big \\
        --accounts 1000000 --secret-hex <64 hex digits>

Two things are about to change in the library and each has one place here to adapt:
the audit records are built by :func:`audit_rows` only (several chains with heads of
their own are coming), and the personal columns are written by :func:`personal_fields`
only (sealed personal columns are coming).
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
from softtoken.audit._chain import GENESIS, AuditEntry, chain_hash
from softtoken.audit._seal import seal_head
from softtoken.storage.sql import SqlStorage

__all__ = [
    "SeedReport",
    "audit_rows",
    "main",
    "personal_fields",
    "seed",
    "seed_accounts",
    "user_id_of",
]

#: When the seeded year ends: records run up to here, the API's come after.
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)
_ACCOUNT_COLUMNS = (
    "user_id", "first_name", "last_name", "email", "disbursement_unit", "citizen_id",
    "login_type", "status", "password_hash", "must_change_password", "password_expires_at",
    "failed_logins", "locked_until", "last_login_at", "registration_completed", "created_at",
    "updated_at", "version",
)  # fmt: skip
_BINDING_COLUMNS = (
    "device_id", "user_id", "active_user", "certificate_serial", "platform", "biometrics",
    "bound_at", "pushes_since_login", "version",
)  # fmt: skip
_CERTIFICATE_COLUMNS = (
    "serial", "user_id", "device_id", "key_fingerprint", "key_type", "not_before",
    "not_after", "status", "issued_at", "der", "version",
)  # fmt: skip
_AUDIT_COLUMNS = ("seq", "at", "actor", "action", "subject", "outcome", "details", "prev_hash",
                  "hash")  # fmt: skip


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
    """The personal columns of seeded account ``i``: the one place that writes them, so
    sealing them (the privacy work) changes this function only."""
    return {
        "first_name": f"ชื่อ{i}",
        "last_name": f"สกุล{i}",
        "email": f"person{i}@cgd.example.go.th",
        "citizen_id": _citizen_id(i),
    }


def _account_row(i: int, password_hash: str, now: datetime) -> tuple[object, ...]:
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
        **personal_fields(i),
    }
    return tuple(row[c] for c in _ACCOUNT_COLUMNS)


def audit_rows(
    audit_key: bytes, entries: Iterable[AuditEntry], *, after: tuple[int, str] = (0, GENESIS)
) -> tuple[list[tuple[object, ...]], dict[str, object]]:
    """Rows of ``st_audit_events`` for ``entries`` chained after ``after`` (seq, hash), and
    the sealed head row: the one place the seeder builds audit records, so the coming
    several chains change this function only."""
    seq, prev = after
    rows: list[tuple[object, ...]] = []
    for entry in entries:
        seq += 1
        digest = chain_hash(audit_key, seq, prev, entry)
        rows.append((seq, entry.at, entry.actor, entry.action, entry.subject, entry.outcome,
                     json.dumps(dict(entry.details)), prev, digest))  # fmt: skip
        prev = digest
    head = {"id": 1, "seq": seq, "hash": prev, "mac": seal_head(audit_key, seq=seq, hash=prev)}
    return rows, head


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


def seed_accounts(storage: SqlStorage, *, start: int, count: int, password_hash: str) -> int:
    """Accounts ``start`` .. ``start + count - 1``, no audit records (bulk filler)."""
    now = YEAR_END
    connection = _raw(storage)
    try:
        rows = (_account_row(i, password_hash, now) for i in range(start, start + count))
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
) -> SeedReport:
    """Create the schema on ``url`` (an empty database) and seed it. ``secret`` is the
    deployment's secret key: the audit chain is keyed from it."""
    started = time.perf_counter()
    detailed = min(detailed, accounts)
    storage = SqlStorage(url)
    storage.create_schema()
    soft = softtoken.build(
        softtoken.Config(secret_key=secret, storage_url="memory://", policy=Policy.for_tests()),
        storage=storage,
        allow_test_policy=True,
    )
    password_hash = soft.context.hasher.hash(secrets.token_urlsafe(12))
    seed_accounts(storage, start=0, count=accounts, password_hash=password_hash)
    records, head = audit_rows(
        soft.context.keys.audit, _year_of_entries(detailed, audit_per_account)
    )
    bindings, certificates = _device_rows(detailed, certificate_der)
    connection = _raw(storage)
    try:
        _copy(connection, "st_certificates", _CERTIFICATE_COLUMNS, certificates)
        _copy(connection, "st_device_bindings", _BINDING_COLUMNS, bindings)
        _copy(connection, "st_audit_events", _AUDIT_COLUMNS, records)
        _copy(connection, "st_audit_head", tuple(head), [tuple(head.values())])
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
        audit_records=len(records),
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
