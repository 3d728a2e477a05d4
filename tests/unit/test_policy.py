"""The policy object: the manual's and the standards' numbers as defaults, and the hard
limits it refuses to cross. Each default below is asserted by value, so changing one
fails here as well as in the behaviour test beside its feature."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest

from softtoken import ConfigurationError, Policy, build
from softtoken._wiring import Config

MANUAL_AND_STANDARD_DEFAULTS = {
    "user_id_length": 15,  # manual: 15-character user ID
    "text_max_length": 1000,  # issue 16 item 5: free text at the boundary (ASVS 2.2.1)
    "phone_digits": 10,  # manual ch. 7 part 2
    "disbursement_unit_digits": 10,  # manual ch. 7 part 1
    "password_min_length": 8,  # B4 3.1.1.2 with MFA
    "password_min_length_single_factor": 15,  # B4 3.1.1.2 alone
    "password_max_length": 128,  # ASVS 6.2.9: >= 64
    "password_min_character_kinds": 0,  # B4: no composition rules
    "argon2_time_cost": 2,  # ASVS 11.4.2
    "argon2_memory_cost_kib": 19_456,  # ASVS 11.4.2
    "argon2_parallelism": 1,
    "login_max_failures": 5,
    "login_lockout": timedelta(minutes=5),
    "login_hard_limit": 100,  # r3 5.2.2
    "otp_digits": 6,  # ASVS 6.5.4
    "otp_lifetime": timedelta(minutes=10),  # ASVS 6.5
    "otp_resend_interval": timedelta(seconds=90),  # manual ch. 4 step 4
    "otp_max_attempts": 5,  # manual ch. 4 step 3
    "otp_lockout": timedelta(minutes=5),  # manual ch. 4 step 3
    "otp_hard_limit": 100,  # B4 3.2.2
    "reset_max_mismatches": 5,  # manual ch. 4 step 3
    "reset_lockout": timedelta(minutes=5),  # manual ch. 4 step 3
    "totp_period_seconds": 30,  # RFC 6238
    "totp_digits": 6,
    "totp_algorithm": "SHA1",
    "attestation_hardware": "preferred",  # r3 5.2.4 / B4 3.2.4: the verifier's choice
    "totp_window_steps": 1,
    "challenge_lifetime": timedelta(minutes=2),  # r3 5.1.3.2: <= 10 min, shorter default
    "challenge_nonce_bytes": 16,  # ASVS 11.5.1: 128 bits
    "matching_mode": "enter",  # B4: the secret crosses channels
    "matching_code_digits": 6,
    "device_pin_digits": 6,  # manual ch. 2 step 5
    "device_max_wrong_pins": 10,  # B4 draft 3.2.10
    "activation_secret_bits": 128,  # B4 draft 4.1.2.2: >= 112
    "activation_lifetime": timedelta(minutes=10),
    "certificate_validity": timedelta(days=730),  # manual ch. 6: 2 years
    "renewal_notice_days": 30,  # manual ch. 6: 1 to 30 days
    "assignment_order_max_bytes": 10 * 1024 * 1024,  # manual ch. 2 step 1: 10 MB
    "documents_per_user_max": 20,  # ASVS 5.0.0 5.2.4: files per user
    "service_request_answer_within": timedelta(hours=1),  # manual ch. 7
    # Defaults the library chose where the manual and the standards leave a range:
    "user_id_pattern": "[A-Z][0-9]{14}",  # every example of the manual
    "password_check_blocklist": True,  # ASVS 6.2.4
    "password_check_context_words": True,  # ASVS 6.2.11
    "password_context_word_min_length": 4,
    "argon2_hash_len": 32,
    "argon2_salt_len": 16,  # >= 32 bits
    "temporary_password_length": 16,
    "temporary_password_lifetime": timedelta(hours=24),  # ASVS 6.4.1: they expire
    "reset_requires_completed_registration": True,  # manual ch. 4
    "totp_offline_fallback": False,
    "matching_select_choices": 6,
    "pushes_since_last_login": 5,  # B4 3.1.3.2
    "certificate_serial_bits": 159,  # RFC 5280: at most 20 octets
    "renewal_grace_period": timedelta(days=30),
    "renewal_new_key": False,
    "crl_next_update": timedelta(days=1),
    "device_key_types": ("ec-p256", "ec-p384", "ed25519"),  # ASVS 11.2.3
    "allow_rsa_device_keys": False,
    "rsa_min_bits": 3072,  # ASVS 11.2.3
    "proofing_request_lifetime": timedelta(minutes=10),
    "registration_abandoned_after": timedelta(days=30),
    "oidc_clock_skew": timedelta(seconds=60),  # OpenID Connect Core 3.1.3.7
    "oidc_id_token_max_age": timedelta(minutes=10),  # Core 3.1.3.7 item 10
    "oidc_metadata_lifetime": timedelta(hours=1),  # Core 10.1.1
    "oidc_jwks_refetch_interval": timedelta(seconds=30),
    "service_request_form_max_bytes": 10 * 1024 * 1024,
    "service_request_dual_control": True,
    # retention (docs/privacy.md gives each period's reason)
    "retention_one_time_codes": timedelta(days=1),
    "retention_attempt_counters": timedelta(days=1),
    "retention_challenges": timedelta(days=30),
    "retention_activations": timedelta(days=30),
    "retention_renewal_requests": timedelta(days=90),
    "retention_delivered_mail": timedelta(days=7),
    "retention_undeliverable_mail": timedelta(days=90),
    "retention_closed_registrations": timedelta(days=365),
    "retention_proofings": timedelta(days=30),
    "retention_closed_accounts": timedelta(days=730),
    "retention_closed_service_requests": timedelta(days=730),
    "purge_batch_size": 500,
    "purge_duty_cycle": 0.25,
    "names_searchable": False,  # issue 17: names sealed unless the deployment says so
    "reseal_batch_size": 200,
    "audit_chains": 16,  # issue 15 item 1: commits about different subjects lock apart
    "transaction_attempts": 8,  # issue 16 item 7: 8 racing callers all get through
    "transaction_backoff_first": timedelta(milliseconds=5),
    "transaction_backoff_max": timedelta(milliseconds=200),
    "insecure_for_tests": False,
    # Issue 12 (protocol strictness, L1):
    "approval_max_clock_skew": timedelta(minutes=5),  # push approval iat
    "message_max_bytes": 64 * 1024,  # device messages and provider callbacks
    "json_max_depth": 16,  # nesting checked before any JSON is parsed
    "ocsp_nonce_max_bytes": 32,  # RFC 8954 2.1
    "session_absolute_timeout_aal2": timedelta(hours=12),  # r3 4.2.3
    "session_idle_timeout_aal2": timedelta(minutes=30),  # r3 4.2.3
    "session_absolute_timeout_aal1": timedelta(days=30),  # r3 4.1.3
    "device_request_max_bytes": 64 * 1024,
    "client_max_failures": 20,  # ASVS 6.3.1: spraying across accounts
    "client_lockout": timedelta(minutes=5),
    "client_max_code_sends": 10,  # NIST 800-63B 3.2.2: per client as well as per account
    "client_code_send_window": timedelta(hours=1),
    "client_max_proofing_starts": 10,
    "client_proofing_window": timedelta(hours=1),
}


@pytest.mark.parametrize(("field", "expected"), sorted(MANUAL_AND_STANDARD_DEFAULTS.items()))
def test_default_is_the_manual_or_standard_value(field: str, expected: object) -> None:
    assert getattr(Policy(), field) == expected


def test_every_field_of_the_policy_has_its_default_pinned_here() -> None:
    """A new number cannot join the policy without a test that fails when it changes."""
    assert {f.name for f in attrs.fields(Policy)} == set(MANUAL_AND_STANDARD_DEFAULTS)


@pytest.mark.parametrize(
    "changes",
    [
        {"password_min_length": 7},
        {"oidc_clock_skew": timedelta(minutes=6)},
        {"oidc_id_token_max_age": timedelta(minutes=11)},
        {"oidc_metadata_lifetime": timedelta(days=2)},
        {"oidc_jwks_refetch_interval": timedelta(hours=2)},
        {"oidc_clock_skew": timedelta(seconds=-1)},
        {"oidc_metadata_lifetime": timedelta(0)},
        {"retention_closed_accounts": timedelta(0)},
        {"oidc_jwks_refetch_interval": timedelta(0)},
        {"password_min_length_single_factor": 14},
        {"password_max_length": 63},
        {"argon2_memory_cost_kib": 19_455},  # t=2 needs 19,456 KiB
        {"argon2_time_cost": 1, "argon2_memory_cost_kib": 47_103},
        {"argon2_time_cost": 3, "argon2_memory_cost_kib": 12_287},
        {"argon2_salt_len": 3},
        {"login_hard_limit": 101},
        {"otp_digits": 5},
        {"otp_lifetime": timedelta(minutes=10, seconds=1)},
        {"otp_hard_limit": 101},
        {"challenge_lifetime": timedelta(minutes=10, seconds=1)},
        {"challenge_nonce_bytes": 15},
        {"matching_code_digits": 5},
        {"device_pin_digits": 5},
        {"device_max_wrong_pins": 11},
        {"activation_secret_bits": 111},
        {"activation_lifetime": timedelta(minutes=11)},
        {"certificate_serial_bits": 63},
        {"rsa_min_bits": 2048},
        {"device_key_types": ("ec-p256", "rsa-1024")},
        {"user_id_pattern": "("},
        {"reset_lockout": timedelta(0)},
        {"totp_window_steps": 2},
        {"approval_max_clock_skew": timedelta(minutes=11)},
        {"approval_max_clock_skew": timedelta(0)},
        {"message_max_bytes": 1024},
        {"json_max_depth": 3},
        {"ocsp_nonce_max_bytes": 33},
        {"retention_one_time_codes": timedelta(0)},
        {"retention_delivered_mail": timedelta(seconds=-1)},
        {"purge_batch_size": 0},
        {"reseal_batch_size": 0},
        {"reseal_batch_size": 10_001},
        {"purge_duty_cycle": 0},
        {"audit_chains": 0},
        {"audit_chains": 257},
        {"purge_duty_cycle": 1.5},
        {"transaction_attempts": 0},
        {"transaction_backoff_max": timedelta(seconds=6)},
    ],
)
def test_values_past_a_hard_limit_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Policy(**changes)
    assert caught.value.code == "invalid_policy"


@pytest.mark.parametrize(
    ("time_cost", "memory"), [(1, 47_104), (2, 19_456), (3, 12_288), (4, 12_288)]
)
def test_argon2_minimums_of_asvs_are_accepted(time_cost: int, memory: int) -> None:
    policy = Policy(argon2_time_cost=time_cost, argon2_memory_cost_kib=memory)
    assert policy.argon2_memory_cost_kib == memory


def test_overrides_and_evolve_are_checked_again() -> None:
    policy = Policy(otp_resend_interval=timedelta(seconds=60))
    assert policy.otp_resend_interval == timedelta(seconds=60)
    with pytest.raises(ConfigurationError):
        policy.evolve(otp_digits=4)


def test_test_profile_is_cheap_and_refused_by_build_unless_asked() -> None:
    fast = Policy.for_tests()
    assert fast.insecure_for_tests
    assert fast.argon2_memory_cost_kib < Policy().argon2_memory_cost_kib
    config = Config(secret_key=b"k" * 32, storage_url="memory://", policy=fast)
    with pytest.raises(ConfigurationError):
        build(config)
    build(config, allow_test_policy=True).close()


def test_as_dict_gives_seconds_for_durations() -> None:
    data = Policy().as_dict()
    assert data["otp_resend_interval"] == 90.0
    assert data["certificate_validity"] == 730 * 86400.0


_MAY_BE_ZERO = {
    "otp_resend_interval",
    "oidc_clock_skew",
    "password_min_character_kinds",
    "totp_window_steps",
}


def _zero_of(field: str) -> object | None:
    """Zero of the field's kind, for durations and counts; None for the rest."""
    value = getattr(Policy(), field)
    if isinstance(value, timedelta):
        return timedelta(0)
    return 0 if type(value) is int else None


_ZERO_REFUSED = [
    f.name
    for f in attrs.fields(Policy)
    if f.name not in _MAY_BE_ZERO and _zero_of(f.name) is not None
]


@pytest.mark.parametrize("field", _ZERO_REFUSED)
def test_no_duration_or_count_may_be_zero_unless_it_says_so(field: str) -> None:
    changes: dict[str, Any] = {field: _zero_of(field)}
    with pytest.raises(ConfigurationError):
        Policy(**changes)
