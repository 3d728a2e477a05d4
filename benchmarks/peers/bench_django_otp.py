"""TOTP verification side by side with a peer (issue 15): ``soft.totp.verify`` against
django-otp's ``TOTPDevice.verify_token``, both on a SQLite file in WAL mode with
``synchronous=FULL``, in one run, interleaved rounds, best of each. Target >= 1.0x.

What each does per call:

* softtoken: one transaction that locks the credential row, opens the sealed secret,
  checks the code and its replay window, updates the row, appends the hash-chained audit
  record, and commits (durable).
* django-otp: loads the device (``TOTPDevice.objects.get``: its "model load"), checks
  the code, and saves the device (an ``UPDATE`` of every column, autocommit): no row
  lock, no audit record.

Not a dependency of the library; its own requirements:

    python -m venv /tmp/peers
    /tmp/peers/bin/pip install -e . -r benchmarks/peers/requirements.txt
    /tmp/peers/bin/python benchmarks/peers/bench_django_otp.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import django
from django.conf import settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import Ratio

from softtoken import Policy
from softtoken.otp._totp import totp_code
from softtoken.storage.sql import SqlStorage
from softtoken.testing import in_memory

ROUNDS = 3
USER = "T05005000000201"


class _Clock:
    """One fake time for both sides: each call is a new 30-second step (a code is
    accepted once per step on both)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, tzinfo=UTC)

    def step(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


def _django(db: Path) -> Callable[[], Any]:
    pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django_otp",
            "django_otp.plugins.otp_totp",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(db),
                "OPTIONS": {"init_command": pragmas},
            }
        },
        USE_TZ=True,
    )
    django.setup()
    from django.contrib.auth.models import User  # noqa: PLC0415 - after setup
    from django.core.management import call_command  # noqa: PLC0415
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    user = User.objects.create(username="somchai")
    return lambda: TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    seconds = 0.5 if args.quick else 2.0
    folder = Path(tempfile.mkdtemp())
    clock = _Clock()

    make_device = _django(folder / "django.db")
    import django_otp.plugins.otp_totp.models as totp_models  # noqa: PLC0415 - after setup
    from django_otp.oath import TOTP  # noqa: PLC0415
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    # django-otp reads time.time(); give it the shared fake clock.
    def now() -> float:
        return clock.now.timestamp()

    totp_models.time = type("FakeTime", (), {"time": staticmethod(now)})
    device_pk = make_device().pk

    def theirs() -> None:
        device = TOTPDevice.objects.get(pk=device_pk)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
        totp.time = clock.step().timestamp()
        code = totp.token()
        if not device.verify_token(code):
            raise AssertionError

    storage = SqlStorage(f"sqlite:///{folder / 'softtoken.db'}")
    storage.create_schema()
    harness = in_memory(storage=storage, policy=Policy.for_tests())
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="A", last_name="B")
    secret = soft.totp.enroll(USER).secret

    def ours() -> None:
        now = harness.clock.advance(timedelta(seconds=30))
        soft.totp.verify(USER, totp_code(secret, now, policy=soft.policy))

    best_ours = best_theirs = 0.0
    for _ in range(ROUNDS):
        best_ours = max(best_ours, _rate(ours, seconds))
        best_theirs = max(best_theirs, _rate(theirs, seconds))
    ratio = Ratio(
        name="TOTP verify: soft.totp.verify vs django-otp verify_token (SQLite WAL)",
        ours=best_ours,
        raw=best_theirs,
        target=">= 1.0",
    )
    print(ratio.line())
    return 0


def _rate(call: Callable[[], None], seconds: float) -> float:
    call()
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds or calls < 5:
        call()
        calls += 1
    return calls / elapsed


if __name__ == "__main__":
    raise SystemExit(main())
