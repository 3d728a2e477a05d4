"""What several benchmarks set up the same way: the storages to compare, a deployment
with one account whose password is known, and argon2id at the policy's parameters."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import argon2

import softtoken
from softtoken import Policy
from softtoken.ports import Storage
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage

__all__ = ["PASSWORD", "USER", "deployment", "password_user", "raw_argon2", "storages"]

USER = "T05005000000201"
PASSWORD = "a long passphrase of mine"


def storages(postgres_url: str | None) -> dict[str, Storage]:
    """Memory, a SQLite file, and PostgreSQL when a URL is given; schemas created."""
    made: dict[str, Storage] = {
        "memory": MemoryStorage(),
        "sqlite": SqlStorage(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"),
    }
    if postgres_url:
        made["postgres"] = SqlStorage(postgres_url)
    for storage in made.values():
        storage.create_schema()
    return made


def deployment(storage: Storage, policy: Policy | None = None) -> softtoken.SoftToken:
    chosen = policy or Policy()
    config = softtoken.Config(
        secret_key=secrets.token_bytes(32), storage_url="memory://", policy=chosen
    )
    return softtoken.build(config, storage=storage, allow_test_policy=chosen.insecure_for_tests)


def password_user(storage: Storage, policy: Policy | None = None) -> softtoken.SoftToken:
    """A deployment with ``USER`` whose password is ``PASSWORD`` (no change pending)."""
    soft = deployment(storage, policy)
    soft.accounts.create(user_id=USER, first_name="A", last_name="B")
    temporary = soft.accounts.issue_temporary_password(USER)
    soft.login.change_password(
        USER, current_password=temporary, new_password=PASSWORD, confirm_password=PASSWORD
    )
    return soft


def raw_argon2(policy: Policy) -> argon2.PasswordHasher:
    """argon2-cffi at exactly the policy's parameters: the raw primitive of a login."""
    return argon2.PasswordHasher(
        time_cost=policy.argon2_time_cost,
        memory_cost=policy.argon2_memory_cost_kib,
        parallelism=policy.argon2_parallelism,
        hash_len=policy.argon2_hash_len,
        salt_len=policy.argon2_salt_len,
        type=argon2.Type.ID,
    )
