"""The library's side of two paths in ``bench_processes``, one person per worker process:
a TOTP verification, and a push round (password, challenge, the device's poll and signed
answer, the check). Each worker registers and activates its own person on the shared
database before the timing starts, under a file lock (each worker's dispatcher sends
every pending mail, and registration reads its code back from its own mailbox)."""

from __future__ import annotations

import fcntl
import secrets
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from softtoken import Policy
from softtoken.otp._totp import totp_code
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Person, in_memory, soft_token_user

__all__ = ["ours_loop", "random_person"]

_SETUP_LOCK = Path(tempfile.gettempdir()) / "softtoken-bench-processes.lock"


def _citizen_id(first12: str) -> str:
    """A Thai citizen ID with its check digit (mod 11 over weights 13..2)."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


def random_person() -> Person:
    """A person no earlier run has registered."""
    digits = "".join(secrets.choice("0123456789") for _ in range(14))
    first12 = "1" + "".join(secrets.choice("0123456789") for _ in range(11))
    return Person(
        user_id=f"T{digits}",
        citizen_id=_citizen_id(first12),
        email=f"p{digits}@cgd.example.go.th",
    )


def ours_loop(path: str, url: str, secret: bytes) -> tuple[Callable[[], None], Callable[[], None]]:
    """``(once, close)`` for ``path`` ("totp verify" or "push round") on ``url``."""
    storage = SqlStorage(url)
    harness = in_memory(
        storage=storage, secret_key=secret, policy=Policy.for_tests(matching_mode="confirm")
    )
    soft, who = harness.softtoken, random_person()
    with _SETUP_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path == "push round":
            phone = soft_token_user(harness, who)
        else:
            soft.accounts.create(user_id=who.user_id, first_name="A", last_name="B")
        harness.deliver_mail()

    def close() -> None:
        soft.close()
        storage.close()

    if path == "totp verify":
        totp_secret = soft.totp.enroll(who.user_id).secret

        def verify() -> None:
            # A new time step each call (a code is accepted once per step).
            now = harness.clock.advance(timedelta(seconds=30))
            soft.totp.verify(who.user_id, totp_code(totp_secret, now, policy=soft.policy))

        return verify, close

    def push_round() -> None:
        challenge = soft.push_login.begin(who.user_id, who.password)
        [item] = soft.push_login.pending_for_device(phone.certificate_serial)
        soft.push_login.respond(phone.approve(item, pin=who.pin))
        soft.push_login.check(challenge.challenge_id, user_id=who.user_id)

    return push_round, close
