"""Foundation: password verification through the facade vs raw argon2-cffi at the same
parameters (target >= 0.95), and an account lookup through each adapter vs the bare
SQL statement on the same engine."""

from __future__ import annotations

import sqlalchemy as sa
from _common import Ratio, rate
from _private_db import private_postgres_url
from _setup import PASSWORD, USER, password_user, raw_argon2, storages

import softtoken
from softtoken import UserId
from softtoken.ports import Storage
from softtoken.storage.sql import SqlStorage


def _password_ratio(soft: softtoken.SoftToken, seconds: float) -> Ratio:
    policy = soft.policy
    raw = raw_argon2(policy)
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
    results: list[Ratio] = []
    with private_postgres_url() as pg_url:
        for name, storage in storages(pg_url).items():
            soft = password_user(storage)
            if name == "memory":
                results.append(_password_ratio(soft, seconds))
            results.append(_lookup_ratio(name, storage, soft, seconds))
            soft.close()
    return results
