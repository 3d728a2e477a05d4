"""The email code's pure transitions: each number of the policy has a test here that
fails when the number changes (90 s resend, 10 min lifetime, 5 attempts, 5 min lock,
100 hard limit, 6 digits)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softtoken import AuthenticationError, Policy, RateLimited, StateError, ValidationError
from softtoken._keys import ServerKeys
from softtoken.otp import CodeRecord, code_mac, new_code, normalize_code
from softtoken.otp._codes import apply_enable, apply_issue, apply_verify

POLICY = Policy.for_tests()
KEYS = ServerKeys.from_secret(b"k" * 32)
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def issue(record: CodeRecord, code: str, now: datetime, policy: Policy = POLICY) -> CodeRecord:
    code_id = secrets.token_hex(4)
    mac = code_mac(KEYS, purpose=record.purpose, subject=record.subject, code_id=code_id, code=code)
    return apply_issue(record, code_id=code_id, mac=mac, now=now, policy=policy)


def try_code(
    record: CodeRecord, code: str, now: datetime, policy: Policy = POLICY
) -> tuple[CodeRecord, Exception | None]:
    mac = code_mac(
        KEYS,
        purpose=record.purpose,
        subject=record.subject,
        code_id=record.code_id or "",
        code=code,
    )
    return apply_verify(record, mac=mac, now=now, policy=policy)


def fresh(code: str = "123456", policy: Policy = POLICY) -> CodeRecord:
    return issue(
        CodeRecord(purpose="password_reset", subject="T05005000000201", updated_at=T0),
        code,
        T0,
        policy,
    )


def wrong(record: CodeRecord, n: int, now: datetime) -> tuple[CodeRecord, Exception | None]:
    error: Exception | None = None
    for _ in range(n):
        record, error = try_code(record, "000000", now)
    return record, error


def test_defaults_are_the_manuals_numbers() -> None:
    p = Policy()
    assert p.otp_digits == 6
    assert p.otp_lifetime == timedelta(minutes=10)
    assert p.otp_resend_interval == timedelta(seconds=90)
    assert p.otp_max_attempts == 5
    assert p.otp_lockout == timedelta(minutes=5)
    assert p.otp_hard_limit == 100


def test_codes_have_the_policys_digits_and_come_from_the_whole_range() -> None:
    codes = {new_code(POLICY.otp_digits) for _ in range(2000)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 1900  # 2000 draws from a million rarely collide
    assert any(c.startswith("0") for c in codes)  # leading zeros are kept


def test_only_a_mac_is_stored_and_it_is_bound_to_purpose_and_subject() -> None:
    record = fresh("424242")
    assert "424242" not in repr(attrs.asdict(record))
    assert record.code_mac is not None
    kid, _, mac = record.code_mac.partition(":")  # issue 17: the MAC records its key
    assert (kid, len(mac)) == (KEYS.key_id, 64)
    other = code_mac(
        KEYS,
        purpose="email_verification",
        subject=record.subject,
        code_id=record.code_id or "",
        code="424242",
    )
    assert other != record.code_mac


def test_a_right_code_passes_once() -> None:
    record = fresh("424242")
    used, error = try_code(record, "424242", T0 + timedelta(seconds=5))
    assert error is None
    assert used.used_at == T0 + timedelta(seconds=5)
    with pytest.raises(AuthenticationError) as caught:
        try_code(used, "424242", T0 + timedelta(seconds=6))
    assert caught.value.code == "otp_used"


def test_the_code_expires_after_the_lifetime_and_not_before() -> None:
    record = fresh("424242")
    _, error = try_code(record, "424242", T0 + timedelta(minutes=10) - timedelta(seconds=1))
    assert error is None
    with pytest.raises(AuthenticationError) as caught:
        try_code(record, "424242", T0 + timedelta(minutes=10))
    assert caught.value.code == "otp_expired"


def test_resend_at_89_seconds_is_refused_and_at_90_accepted() -> None:
    record = fresh()
    with pytest.raises(RateLimited) as caught:
        issue(record, "111111", T0 + timedelta(seconds=89))
    assert caught.value.code == "otp_resend_too_soon"
    assert caught.value.retry_after == 1
    with pytest.raises(RateLimited) as early:
        issue(record, "111111", T0 + timedelta(seconds=30))
    assert early.value.retry_after == 60
    again = issue(record, "111111", T0 + timedelta(seconds=90))
    assert again.issued_at == T0 + timedelta(seconds=90)


def test_a_new_code_kills_the_old_one_but_keeps_the_failures() -> None:
    record, _ = wrong(fresh("424242"), 3, T0)
    assert record.failures == 3
    renewed = issue(record, "515151", T0 + timedelta(seconds=90))
    assert renewed.failures == 3
    after_old, error = try_code(renewed, "424242", T0 + timedelta(seconds=91))
    assert isinstance(error, AuthenticationError)
    assert error.code == "otp_wrong"
    assert after_old.failures == 4
    # The 5th failure across both codes locks.
    _, error = try_code(after_old, "000000", T0 + timedelta(seconds=92))
    assert isinstance(error, RateLimited)
    assert error.code == "otp_locked"


def test_the_fifth_wrong_code_locks_for_five_minutes_exactly() -> None:
    record, error = wrong(fresh("424242"), 4, T0)
    assert isinstance(error, AuthenticationError)
    record, error = try_code(record, "000000", T0)
    assert isinstance(error, RateLimited)
    assert error.code == "otp_locked"
    assert error.retry_after == 300
    assert record.locked_until == T0 + timedelta(minutes=5)
    with pytest.raises(RateLimited) as caught:
        try_code(record, "424242", T0 + timedelta(minutes=5) - timedelta(seconds=1))
    assert caught.value.code == "otp_locked"
    assert caught.value.retry_after == 1
    used, error = try_code(record, "424242", T0 + timedelta(minutes=5))
    assert error is None
    assert used.failures == 0


def test_the_hundredth_consecutive_failure_disables_until_an_officer_enables() -> None:
    policy = Policy.for_tests(otp_lifetime=timedelta(minutes=10))
    record = fresh("424242", policy)
    now = T0
    error: Exception | None = None
    for i in range(99):
        if record.expires_at is not None and now >= record.expires_at - timedelta(minutes=1):
            record = issue(record, "424242", now, policy)
        record, error = try_code(record, "000000", now, policy)
        if (i + 1) % 5 == 0:
            now += timedelta(minutes=5)
    assert record.failures == 99
    assert not record.disabled
    record = issue(record, "424242", now, policy)
    record, error = try_code(record, "000000", now, policy)
    assert record.disabled
    assert isinstance(error, RateLimited)
    assert error.code == "otp_disabled"
    assert error.retry_after is None
    # Time does not lift it; a right code does not; a new code is refused.
    later = now + timedelta(days=30)
    with pytest.raises(RateLimited) as caught:
        try_code(record, "424242", later, policy)
    assert caught.value.code == "otp_disabled"
    with pytest.raises(RateLimited):
        issue(record, "424242", later, policy)
    enabled = apply_enable(record, now=later)
    assert (enabled.failures, enabled.disabled, enabled.code_mac) == (0, False, None)
    assert issue(enabled, "424242", later, policy).failures == 0


def test_a_record_without_a_code_says_not_issued() -> None:
    record = CodeRecord(purpose="password_reset", subject="T05005000000201", updated_at=T0)
    with pytest.raises(StateError) as caught:
        try_code(record, "123456", T0)
    assert caught.value.code == "otp_not_issued"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("123456", "123456"), (" 123 456 ", "123456"), ("１２３４５６", "123456")],
)
def test_codes_are_normalized(raw: str, expected: str) -> None:
    assert normalize_code(raw, digits=6) == expected


@given(st.one_of(st.text(max_size=80), st.integers(), st.none(), st.binary()))
def test_any_other_input_is_a_malformed_code(raw: object) -> None:
    try:
        normalized = normalize_code(raw, digits=6)
    except ValidationError as error:
        assert error.code == "otp_malformed"
        assert error.field == "code"
    else:
        assert len(normalized) == 6
        assert all("0" <= c <= "9" for c in normalized)


def test_thai_digits_typed_on_a_thai_keyboard_are_read_as_digits() -> None:
    assert normalize_code("๑๒๓๔๕๖", digits=6) == "123456"
    with pytest.raises(ValidationError):
        normalize_code("๑๒๓๔๕", digits=6)


def test_policy_refuses_codes_valid_longer_than_ten_minutes_or_shorter_than_six_digits() -> None:
    from softtoken import ConfigurationError

    with pytest.raises(ConfigurationError):
        Policy.for_tests(otp_lifetime=timedelta(minutes=11))
    with pytest.raises(ConfigurationError):
        Policy.for_tests(otp_digits=5)
    with pytest.raises(ConfigurationError):
        Policy.for_tests(otp_hard_limit=101)
