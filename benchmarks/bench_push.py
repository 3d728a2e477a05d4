"""Push login: approvals verified per second through ``soft.push_login.respond`` vs the
raw chain (JWS parse + certificate load + ECDSA P-256 verify + one storage update) on the
same storage (targets: >= 0.7 in memory, >= 0.5 on SQLite), and a full login (password +
push + check) vs raw argon2id verify."""

from __future__ import annotations

import base64
import itertools
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import argon2
import attrs
from _common import Ratio, rate
from _private_db import private_postgres_url
from cryptography import x509
from joserfc import jwk, jws

from softtoken import Policy, UserId
from softtoken.lifecycle.bindings import BindingTable
from softtoken.lifecycle.login.challenges import ChallengeTable, new_challenge
from softtoken.ports import Storage
from softtoken.protocol._jws import _registry
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import in_memory

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers.devices import (
    PASSWORD,
    PIN,
    USER,
    answer_for,
    soft_token_user,
)


def _approvals(storage: Storage, count: int) -> tuple[object, list[str], list[str]]:
    """A soft token user, ``count`` pending challenges, and the device's approvals."""
    harness, phone = soft_token_user(
        in_memory(storage=storage, policy=Policy.for_tests(matching_mode="confirm"))
    )
    soft = harness.softtoken
    with soft.unit_of_work() as uow:
        binding = uow.repository(BindingTable).active_for(USER)
        assert binding is not None
        table = uow.repository(ChallengeTable)
        items = []
        for _ in range(count):
            challenge, _code = new_challenge(
                user_id=USER,
                device_id=binding.device_id,
                now=harness.clock.now(),
                policy=soft.policy,
                password_change_required=False,
                code_mac=lambda a, b: a + b,
            )
            table.add(challenge)
            items.append(challenge)
        uow.commit()
    tokens = [
        phone.approve(
            {
                "cid": c.challenge_id,
                "nonce": c.nonce,
                "mode": c.mode,
                "user_id": USER,
                "portal": "x",
                "exp": int(c.expires_at.timestamp()),
                "pictures": list(c.choices),
            },
            biometric=False,
            pin=PIN,
        )
        for c in items
    ]
    return soft, tokens, [c.challenge_id for c in items]


_COUNTER = itertools.count()


def _raw_chain(storage: Storage, token: str) -> None:
    """What any server must do at least: parse, load the leaf's key, verify, write once."""
    registry = _registry(["ES256"])
    parsed = jws.extract_compact(token.encode(), registry=registry)
    leaf = x509.load_der_x509_certificate(base64.b64decode(parsed.headers()["x5c"][0]))
    key = jwk.ECKey.import_key(leaf.public_key())  # type: ignore[arg-type]
    if not jws.validate_compact(parsed, key, registry=registry):
        raise AssertionError
    json.loads(parsed.payload)
    # A real change (a new value every time), so the database pays for a real commit.
    tx = storage.begin()
    tx.update("st_accounts", [("user_id", "=", USER)], {"failed_logins": next(_COUNTER)})
    tx.commit()


def _approval_ratio(name: str, storage: Storage, seconds: float, target: str) -> Ratio:
    count = max(50, int(seconds * 400))
    soft, tokens, _ = _approvals(storage, count)
    ours_tokens, raw_tokens = iter(tokens), iter(tokens)

    def ours() -> None:
        soft.push_login.respond(next(ours_tokens))  # type: ignore[attr-defined]

    def raw() -> None:
        _raw_chain(storage, next(raw_tokens))

    # Each approval is single use: time a fixed number of calls, not a fixed duration.
    n = count // 2 - 1
    start = time.perf_counter()
    for _ in range(n):
        ours()
    ours_rate = n / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(n):
        raw()
    raw_rate = n / (time.perf_counter() - start)
    return Ratio(
        name=f"push approval verified ({name}) vs raw JWS+ECDSA+update",
        ours=ours_rate,
        raw=raw_rate,
        target=target,
    )


def _full_login_ratio(seconds: float) -> Ratio:
    policy = Policy(matching_mode="enter")
    harness, phone = soft_token_user(in_memory(policy=policy))
    soft = harness.softtoken
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(USER))
        uow.accounts.update(attrs.evolve(account, must_change_password=False))
        uow.commit()

    def login() -> None:
        challenge = soft.push_login.begin(USER, PASSWORD)
        [item] = soft.push_login.pending_for_device(phone.certificate_serial)
        soft.push_login.respond(
            phone.approve(
                item,
                pin=PIN,
                answer=answer_for(challenge.mode, challenge.picture.id, challenge.code),
            )
        )
        soft.push_login.check(challenge.challenge_id, user_id=USER)

    raw = argon2.PasswordHasher(
        time_cost=policy.argon2_time_cost,
        memory_cost=policy.argon2_memory_cost_kib,
        parallelism=policy.argon2_parallelism,
    )
    stored = raw.hash(PASSWORD)
    return Ratio(
        name="full login (password + push + check, memory) vs raw argon2id",
        ours=rate(login, seconds=seconds),
        raw=rate(lambda: raw.verify(stored, PASSWORD), seconds=seconds),
    )


def run(*, quick: bool) -> list[Ratio]:
    seconds = 0.5 if quick else 2.0
    results = [_approval_ratio("memory", MemoryStorage(), seconds, ">= 0.7")]
    sqlite = SqlStorage(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    results.append(_approval_ratio("sqlite", sqlite, seconds, ">= 0.5"))
    sqlite.close()
    with ExitStack() as stack:
        url = stack.enter_context(private_postgres_url())
        if url:
            pg = SqlStorage(url)
            results.append(_approval_ratio("postgres", pg, seconds, "reported"))
            pg.close()
    results.append(_full_login_ratio(seconds))
    return results
