"""TOTP offline fallback: the key URI, the window of one step, each step once, and the
failure counters of the stored credential."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from softtoken import AuthenticationError, NotFound, Policy, RateLimited
from softtoken.otp import generate_totp_secret, totp_code, totp_key_uri, verify_totp
from softtoken.testing import Harness

from ...helpers.otp import USER, registered

POLICY = Policy.for_tests()


def test_the_policy_defaults_are_rfc_6238s() -> None:
    p = Policy()
    assert (p.totp_period_seconds, p.totp_digits, p.totp_algorithm, p.totp_window_steps) == (
        30,
        6,
        "SHA1",
        1,
    )


def test_secret_is_base32_without_padding_and_160_bits() -> None:
    secret = generate_totp_secret()
    assert "=" not in secret
    assert len(secret) == 32  # 20 bytes
    assert generate_totp_secret() != secret


def test_key_uri_follows_the_key_uri_format() -> None:
    secret = generate_totp_secret()
    uri = totp_key_uri(secret, account_name=USER, issuer="New GFMIS Thai", policy=POLICY)
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == f"/New GFMIS Thai:{USER}"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "secret": secret,
        "issuer": "New GFMIS Thai",
        "algorithm": "SHA1",
        "digits": "6",
        "period": "30",
    }
    import pyotp

    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    assert parsed.at(now) == totp_code(secret, now, policy=POLICY)


def test_window_is_one_step_either_side() -> None:
    secret = generate_totp_secret()
    now = datetime(2026, 1, 5, 2, 0, 15, tzinfo=UTC)
    step = int(now.timestamp()) // 30
    for offset in (-1, 0, 1):
        code = totp_code(secret, now + timedelta(seconds=30 * offset), policy=POLICY)
        assert verify_totp(secret, code, now=now, last_step=None, policy=POLICY) == step + offset
    for offset in (-2, 2):
        code = totp_code(secret, now + timedelta(seconds=30 * offset), policy=POLICY)
        near = {
            totp_code(secret, now + timedelta(seconds=30 * o), policy=POLICY) for o in (-1, 0, 1)
        }
        if code in near:
            continue  # a one-in-a-million collision with an accepted step
        with pytest.raises(AuthenticationError):
            verify_totp(secret, code, now=now, last_step=None, policy=POLICY)
    strict = Policy.for_tests(totp_window_steps=0)
    previous = totp_code(secret, now - timedelta(seconds=30), policy=POLICY)
    if previous != totp_code(secret, now, policy=POLICY):
        with pytest.raises(AuthenticationError):
            verify_totp(secret, previous, now=now, last_step=None, policy=strict)


def test_service_accepts_each_step_once(memory_harness: Harness) -> None:
    soft, clock = memory_harness.softtoken, memory_harness.clock
    registered(memory_harness)
    enrolled = soft.totp.enroll(USER)
    assert enrolled.uri.startswith("otpauth://totp/New%20GFMIS%20Thai:T05005000000201?")
    assert enrolled.secret not in repr(enrolled)
    code = totp_code(enrolled.secret, clock.now(), policy=soft.policy)
    soft.totp.verify(USER, code)
    with pytest.raises(AuthenticationError) as caught:
        soft.totp.verify(USER, code)
    assert caught.value.code == "totp_replayed"
    # The previous step is older than the accepted one: refused too.
    earlier = totp_code(enrolled.secret, clock.now() - timedelta(seconds=30), policy=soft.policy)
    if earlier != code:
        with pytest.raises(AuthenticationError):
            soft.totp.verify(USER, earlier)
    clock.advance(seconds=30)
    soft.totp.verify(USER, totp_code(enrolled.secret, clock.now(), policy=soft.policy))


def test_service_locks_after_five_wrong_codes(memory_harness: Harness) -> None:
    soft, clock = memory_harness.softtoken, memory_harness.clock
    registered(memory_harness)
    enrolled = soft.totp.enroll(USER)
    right = totp_code(enrolled.secret, clock.now(), policy=soft.policy)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            soft.totp.verify(USER, wrong)
    with pytest.raises(RateLimited) as locked:
        soft.totp.verify(USER, wrong)
    assert (locked.value.code, locked.value.retry_after) == ("otp_locked", 300)
    clock.advance(seconds=299)
    with pytest.raises(RateLimited):
        soft.totp.verify(USER, totp_code(enrolled.secret, clock.now(), policy=soft.policy))
    clock.advance(seconds=1)
    soft.totp.verify(USER, totp_code(enrolled.secret, clock.now(), policy=soft.policy))


def test_unknown_and_removed_credentials(memory_harness: Harness) -> None:
    soft = memory_harness.softtoken
    registered(memory_harness)
    with pytest.raises(NotFound) as caught:
        soft.totp.verify(USER, "123456")
    assert caught.value.code == "totp_not_enrolled"
    soft.totp.enroll(USER)
    assert soft.totp.remove(USER)
    assert not soft.totp.remove(USER)
    with pytest.raises(NotFound):
        soft.totp.verify(USER, "123456")
