"""Password login through the facade (``soft.login.password``: row lock, argon2id
verify, counters, audit, commit) vs raw argon2-cffi verify at the same parameters, on
each adapter (target >= 0.95: the storage work hides under the hash)."""

from __future__ import annotations

from _common import Ratio, rate
from _private_db import private_postgres_url
from _setup import PASSWORD, USER, password_user, raw_argon2, storages

import softtoken
from softtoken import Policy

ROUNDS = 3


def run(*, quick: bool) -> list[Ratio]:
    seconds = 1.0 if quick else 3.0
    policy = Policy()
    raw = raw_argon2(policy)
    stored = raw.hash(PASSWORD)
    results: list[Ratio] = []
    with private_postgres_url() as pg_url:
        for name, storage in storages(pg_url).items():
            soft = password_user(storage)

            def login(soft: softtoken.SoftToken = soft) -> None:
                assert soft.login.password(USER, PASSWORD).authenticated

            # Interleaved rounds, best of each: other work on a shared machine slows
            # single runs by 30 %, far more than the difference being measured.
            ours, bare = 0.0, 0.0
            for _ in range(ROUNDS):
                ours = max(ours, rate(login, seconds=seconds / ROUNDS))
                bare = max(
                    bare, rate(lambda: raw.verify(stored, PASSWORD), seconds=seconds / ROUNDS)
                )
            results.append(
                Ratio(
                    name=f"password login: facade ({name}) vs raw argon2id",
                    ours=ours,
                    raw=bare,
                    target=">= 0.95",
                )
            )
            soft.close()
    return results
