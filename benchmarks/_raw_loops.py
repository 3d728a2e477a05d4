"""The hand-written loops the library's paths are measured against (issue 15): the same
CPU work and the same durable writes, one statement each, with none of the library's own
(no audit chain, no validation, no records): every row read under lock that the library
reads under lock, every row write, one audit row per audited step, one commit per commit.

They run on tables of their own (``bench_raw_rows``: a key, a body the size of a typical
row, a version; ``bench_raw_audit``: one row per audited event), so they never touch the
library's rows, on the same database and engine settings.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

import pyotp
import sqlalchemy as sa
from _setup import PASSWORD, raw_argon2
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwk, jws

from softtoken import Policy

__all__ = ["RawStore", "create_raw_tables", "raw_loop"]

_META = sa.MetaData()
_ROWS = sa.Table(
    "bench_raw_rows",
    _META,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
_AUDIT = sa.Table(
    "bench_raw_audit",
    _META,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
_BODY = "x" * 300  # about an account or a challenge row
_SELECT = sa.select(_ROWS).where(_ROWS.c.key == sa.bindparam("k"))
_LOCK = _SELECT.with_for_update()
_UPDATE = (
    sa.update(_ROWS)
    .where(_ROWS.c.key == sa.bindparam("k"), _ROWS.c.version == sa.bindparam("v"))
    .values(version=sa.bindparam("nv"))
)


def create_raw_tables(url: str) -> None:
    """Once, before the workers start (two processes creating one table would clash)."""
    engine = sa.create_engine(url)
    _META.create_all(engine)
    engine.dispose()


class RawStore:
    """Rows by key on ``url``: what a hand-written service would keep."""

    def __init__(self, url: str, prefix: str) -> None:
        self.engine = sa.create_engine(url)
        if self.engine.dialect.name == "sqlite":
            self._sqlite()
        self.prefix = prefix

    def _sqlite(self) -> None:
        # The same settings as the library's SQLite adapter: WAL, full sync, and writes
        # that take the lock when the transaction begins.
        @sa.event.listens_for(self.engine, "connect")
        def _connect(dbapi: object, _record: object) -> None:
            dbapi.isolation_level = None  # type: ignore[attr-defined]
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
                dbapi.execute(f"PRAGMA {pragma}")  # type: ignore[attr-defined]

        @sa.event.listens_for(self.engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def seed(self, *names: str) -> None:
        with self.engine.begin() as conn:
            for name in names:
                conn.execute(
                    _ROWS.insert().values(key=f"{self.prefix}:{name}", body=_BODY, version=1)
                )

    def read(self, conn: sa.Connection, name: str, *, lock: bool = False) -> int:
        row = conn.execute(_LOCK if lock else _SELECT, {"k": f"{self.prefix}:{name}"}).one()
        return int(row.version)

    def write(self, conn: sa.Connection, name: str, version: int) -> int:
        key = f"{self.prefix}:{name}"
        if conn.execute(_UPDATE, {"k": key, "v": version, "nv": version + 1}).rowcount != 1:
            raise AssertionError(key)
        return version + 1

    def insert(self, conn: sa.Connection, name: str) -> None:
        conn.execute(_ROWS.insert().values(key=f"{self.prefix}:{name}", body=_BODY, version=1))

    def audit(self, conn: sa.Connection) -> None:
        conn.execute(
            _AUDIT.insert().values(id=secrets.token_hex(20), at=datetime.now(UTC), body=_BODY)
        )


def _login(store: RawStore) -> Callable[[], None]:
    hasher = raw_argon2(Policy())
    stored = hasher.hash(PASSWORD)
    store.seed("account")

    def once() -> None:
        with store.engine.connect() as conn:  # the read before the hash, as ours
            store.read(conn, "account")
            conn.rollback()
        hasher.verify(stored, PASSWORD)
        with store.engine.begin() as conn:
            store.write(conn, "account", store.read(conn, "account", lock=True))
            store.audit(conn)

    return once


def _totp(store: RawStore) -> Callable[[], None]:
    secret = pyotp.random_base32()
    totp, steps = pyotp.TOTP(secret), iter(range(10**9))
    store.seed("credential")

    def once() -> None:
        step = next(steps)
        code = totp.generate_otp(step)
        with store.engine.begin() as conn:
            version = store.read(conn, "credential", lock=True)
            if not secrets.compare_digest(totp.generate_otp(step), code):
                raise AssertionError
            store.write(conn, "credential", version)
            store.audit(conn)

    return once


def _push(store: RawStore) -> Callable[[], None]:
    """Password (argon2id at the test policy, as ours), the challenge, the device's poll,
    its signed answer checked, the check that completes the login: four commits."""
    hasher = raw_argon2(Policy.for_tests())
    stored = hasher.hash(PASSWORD)
    device_key = ec.generate_private_key(ec.SECP256R1())
    signing, verifying = (
        jwk.ECKey.import_key(device_key),
        jwk.ECKey.import_key(device_key.public_key()),
    )
    store.seed("account", "binding", "certificate")
    counter = iter(range(10**9))

    def once() -> None:
        challenge = f"c{next(counter)}"
        with store.engine.connect() as conn:
            store.read(conn, "account")
            conn.rollback()
        hasher.verify(stored, PASSWORD)
        with store.engine.begin() as conn:  # the password step
            store.write(conn, "account", store.read(conn, "account", lock=True))
            store.audit(conn)
        with store.engine.begin() as conn:  # the challenge
            store.read(conn, "account")
            binding = store.read(conn, "binding", lock=True)
            store.read(conn, "certificate")
            store.insert(conn, challenge)
            store.write(conn, "binding", binding)
            store.audit(conn)
        with store.engine.connect() as conn:  # the device's poll
            store.read(conn, "binding")
            store.read(conn, challenge)
            conn.rollback()
        claims = json.dumps({"cid": challenge, "nonce": base64.b64encode(b"n" * 16).decode()})
        token = jws.serialize_compact({"alg": "ES256"}, claims, signing)
        parsed = jws.deserialize_compact(token, verifying)
        json.loads(parsed.payload)
        with store.engine.begin() as conn:  # the answer
            store.read(conn, "certificate")
            version = store.read(conn, challenge, lock=True)
            store.read(conn, "binding")
            store.write(conn, challenge, version)
            store.audit(conn)
        with store.engine.begin() as conn:  # the check
            version = store.read(conn, challenge, lock=True)
            store.read(conn, "account")
            store.write(conn, challenge, version)
            store.write(conn, "binding", store.read(conn, "binding"))
            store.read(conn, "certificate")
            store.write(conn, "account", store.read(conn, "account"))
            store.audit(conn)

    return once


def raw_loop(path: str, url: str, n: int) -> Callable[[], None]:
    """The raw loop of ``path`` for worker ``n`` (rows of its own)."""
    store = RawStore(url, prefix=f"{path}-{n}-{secrets.token_hex(4)}")
    return {"login": _login, "totp verify": _totp, "push round": _push}[path](store)
