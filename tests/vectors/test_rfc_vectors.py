"""RFC 4226 appendix D and RFC 6238 appendix B, kept as data files beside this test and
checked through softtoken.otp; generated codes are also checked against oathtool."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from softtoken import AuthenticationError, Policy
from softtoken.otp import generate_totp_secret, hotp_code, totp_code, verify_totp

HERE = Path(__file__).parent
HOTP = json.loads((HERE / "rfc4226-hotp.json").read_text())
TOTP = json.loads((HERE / "rfc6238-totp.json").read_text())


def b32(ascii_secret: str) -> str:
    return base64.b32encode(ascii_secret.encode()).decode().rstrip("=")


def totp_policy(algorithm: Any) -> Policy:
    return Policy.for_tests(
        totp_digits=TOTP["digits"], totp_algorithm=algorithm, totp_period_seconds=TOTP["period"]
    )


@pytest.mark.parametrize("row", HOTP["values"], ids=lambda r: f"count={r['count']}")
def test_rfc4226_appendix_d(row: dict[str, Any]) -> None:
    secret = b32(HOTP["secret_ascii"])
    assert hotp_code(secret, row["count"], digits=HOTP["digits"]) == row["hotp"]


@pytest.mark.parametrize("row", TOTP["values"], ids=lambda r: f"{r['algorithm']}-{r['time']}")
def test_rfc6238_appendix_b(row: dict[str, Any]) -> None:
    policy = totp_policy(row["algorithm"])
    secret = b32(TOTP["secrets_ascii"][row["algorithm"]])
    at = datetime.fromtimestamp(row["time"], UTC)
    assert totp_code(secret, at, policy=policy) == row["totp"]
    assert totp_code(secret, row["time"], policy=policy) == row["totp"]
    # Verification finds the vector's time step, and refuses it once it was accepted.
    step = verify_totp(secret, row["totp"], now=at, last_step=None, policy=policy)
    assert step == int(row["step_hex"], 16)
    with pytest.raises(AuthenticationError) as caught:
        verify_totp(secret, row["totp"], now=at, last_step=step, policy=policy)
    assert caught.value.code == "totp_replayed"


OATHTOOL = shutil.which("oathtool")


@pytest.mark.skipif(OATHTOOL is None, reason="oathtool is not installed (Debian: oathtool)")
@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "SHA512"])
@pytest.mark.parametrize("when", [59, 1_767_578_400, 1_767_578_429, 2_000_000_000])
def test_generated_codes_match_oathtool(algorithm: Any, when: int) -> None:
    policy = Policy.for_tests(totp_algorithm=algorithm)
    secret = generate_totp_secret()
    assert OATHTOOL is not None
    out = subprocess.run(  # noqa: S603 - fixed program, arguments from this test
        [
            OATHTOOL,
            f"--totp={algorithm}",
            "--base32",
            "-d",
            str(policy.totp_digits),
            "-s",
            f"{policy.totp_period_seconds}s",
            "-N",
            f"@{when}",
            secret,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert totp_code(secret, when, policy=policy) == out


@pytest.mark.skipif(OATHTOOL is None, reason="oathtool is not installed (Debian: oathtool)")
def test_oathtool_agrees_with_the_window_of_one_step() -> None:
    policy = Policy.for_tests()
    secret = generate_totp_secret()
    now = datetime(2026, 1, 5, 2, 0, 15, tzinfo=UTC)
    assert OATHTOOL is not None
    before = subprocess.run(  # noqa: S603
        [OATHTOOL, "--totp", "--base32", "-N", "@" + str(int(now.timestamp()) - 30), secret],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    two_before = subprocess.run(  # noqa: S603
        [OATHTOOL, "--totp", "--base32", "-N", "@" + str(int(now.timestamp()) - 60), secret],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    step = verify_totp(secret, before, now=now, last_step=None, policy=policy)
    assert step == int(now.timestamp()) // 30 - 1
    if two_before != before:
        with pytest.raises(AuthenticationError) as caught:
            verify_totp(secret, two_before, now=now, last_step=None, policy=policy)
        assert caught.value.code == "totp_wrong"
