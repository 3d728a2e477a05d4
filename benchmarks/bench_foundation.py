"""Foundation: password verification through the facade vs raw argon2-cffi at the same
parameters (target >= 0.95), and an account lookup through each adapter vs the bare
SQL statement on the same engine."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import argon2
import sqlalchemy as sa
from _common import Ratio, rate

import softtoken
from softtoken import Policy, UserId
from softtoken.ports import Storage
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage

USER = "T05005000000201"
PASSWORD = "a long passphrase of mine"


def _soft(storage: Storage) -> softtoken.SoftToken:
    config = softtoken.Config(
        secret_key=secrets.token_bytes(32), storage_url="memory://", policy=Policy()
    )
    soft = softtoken.build(config, storage=storage)
    soft.accounts.create(user_id=USER, first_name="A", last_name="B")
    temporary = soft.accounts.issue_temporary_password(USER)
    soft.accounts.change_password(
        USER, current_password=temporary, new_password=PASSWORD, confirm_password=PASSWORD
    )
    return soft


def _password_ratio(soft: softtoken.SoftToken, seconds: float) -> Ratio:
    policy = soft.policy
    raw = argon2.PasswordHasher(
        time_cost=policy.argon2_time_cost,
        memory_cost=policy.argon2_memory_cost_kib,
        parallelism=policy.argon2_parallelism,
        hash_len=policy.argon2_hash_len,
        salt_len=policy.argon2_salt_len,
    )
    stored = raw.hash(PASSWORD)
    return Ratio(
        name="password verify: facade (memory) vs raw argon2id",
        ours=rate(lambda: soft.accounts.verify_password(USER, PASSWORD), seconds=seconds),
        raw=rate(lambda: raw.verify(stored, PASSWORD), seconds=seconds),
        target=">= 0.95",
    )


def _lookup_ratio(name: str, storage: Storage, soft: softtoken.SoftToken, seconds: float) -> Ratio:
    uid = UserId(USER)

    def lookup() -> None:
        with soft.unit_of_work() as uow:
            uow.accounts.get(uid)

    if not isinstance(storage, SqlStorage):
        return Ratio(
            name="account lookup: unit of work (memory) vs dict lookup",
            ours=rate(lookup, seconds=seconds),
            raw=rate(lambda: {USER: 1}[USER], seconds=seconds),
        )
    table = sa.table("st_accounts", sa.column("user_id"))
    statement = sa.select(sa.text("*")).select_from(table).where(table.c.user_id == USER)

    def bare() -> None:
        with storage.engine.begin() as conn:
            conn.execute(statement).one()

    return Ratio(
        name=f"account lookup: unit of work ({name}) vs bare SELECT",
        ours=rate(lookup, seconds=seconds),
        raw=rate(bare, seconds=seconds),
    )


def run(*, quick: bool) -> list[Ratio]:
    seconds = 0.5 if quick else 2.0
    storages: dict[str, Storage] = {
        "memory": MemoryStorage(),
        "sqlite": SqlStorage(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"),
    }
    url = os.environ.get("SOFTTOKEN_TEST_POSTGRES_URL")
    if url:
        storages["postgres"] = SqlStorage(url)
    results: list[Ratio] = []
    for name, storage in storages.items():
        if isinstance(storage, SqlStorage):
            storage.drop_schema()
        storage.create_schema()
        soft = _soft(storage)
        if name == "memory":
            results.append(_password_ratio(soft, seconds))
        results.append(_lookup_ratio(name, storage, soft, seconds))
        if isinstance(storage, SqlStorage):
            storage.drop_schema()
        soft.close()
    return results
