"""Password rules (NIST SP 800-63B-4, ASVS 6.2) and argon2id hashing."""

from __future__ import annotations

import argon2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softtoken import AuthenticationError, PasswordRejected, Policy, ValidationError
from softtoken.accounts import (
    PasswordHasher,
    check_password_rules,
    common_passwords,
    generate_password,
)

POLICY = Policy.for_tests()


def reasons(password: str, policy: Policy = POLICY, **kwargs: object) -> tuple[str, ...]:
    try:
        check_password_rules(password, policy, **kwargs)  # type: ignore[arg-type]
    except PasswordRejected as error:
        return error.reasons
    return ()


def test_minimum_length_is_eight_with_mfa_and_fifteen_alone() -> None:
    assert reasons("k7#Qx9!z") == ()
    assert reasons("k7#Qx9!") == ("password_too_short",)
    assert reasons("k7#Qx9!zk7#Qx9!", single_factor=True) == ()
    assert reasons("k7#Qx9!zk7#Qx9", single_factor=True) == ("password_too_short",)


def test_length_counts_code_points_after_nfkc() -> None:
    # Eight Thai characters are eight code points, not 24 UTF-8 bytes.
    assert reasons("สวัสดีครับ") == ()
    assert reasons("สวัสดีค") == ("password_too_short",)
    # Fullwidth letters normalize to ASCII (NFKC), so they are the same password.
    assert check_password_rules("ｐａｓｓｗｏｒｄｓ1x", POLICY) == "passwords1x"


def test_sixty_four_and_more_are_allowed_up_to_the_maximum() -> None:
    assert reasons("x9" * 32) == ()
    assert reasons("x9" * 64) == ()
    assert reasons("x9" * 64 + "q") == ("password_too_long",)


def test_blocklist_has_the_common_passwords_and_refuses_them() -> None:
    blocklist = common_passwords()
    assert len(blocklist) >= 3000
    assert "password" in blocklist
    assert "qwertyuiop" in blocklist
    assert reasons("QwertyUIOP") == ("password_common",)
    assert reasons("QwertyUIOP", POLICY.evolve(password_check_blocklist=False)) == ()


def test_context_words_are_refused() -> None:
    context = ("T05005000000201", "Somchai", "Jaidee", "1101700207536", "New GFMIS Thai")
    assert reasons("my-somchai-pass", context=context) == ("password_context",)
    assert reasons("x1101700207536y", context=context) == ("password_context",)
    assert reasons("t05005000000201!", context=context) == ("password_context",)
    assert reasons("unrelated words here", context=context) == ()


def test_composition_rules_are_off_by_default_and_can_be_switched_on() -> None:
    assert reasons("onlylowercaseletters") == ()
    strict = POLICY.evolve(password_min_character_kinds=3)
    assert reasons("onlylowercaseletters", strict) == ("password_composition",)
    assert reasons("Mixed1letters", strict) == ()


def test_several_broken_rules_are_all_reported() -> None:
    strict = POLICY.evolve(password_min_character_kinds=4)
    assert reasons("abc", strict) == ("password_too_short", "password_composition")


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_rules_raise_only_password_rejected(password: str) -> None:
    try:
        check_password_rules(password, POLICY)
    except PasswordRejected as error:
        assert error.reasons


@pytest.mark.parametrize("bad", [None, 12345678, b"bytes-password", "x" * 5000])
def test_non_strings_and_absurd_sizes_are_validation_errors(bad: object) -> None:
    with pytest.raises(ValidationError):
        check_password_rules(bad, POLICY)


def test_generated_passwords_pass_the_rules_and_differ() -> None:
    strict = POLICY.evolve(password_min_character_kinds=4)
    made = {generate_password(strict, context=("somchai",)) for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert len(password) == strict.temporary_password_length
        assert check_password_rules(password, strict) == password


def test_hash_is_argon2id_with_the_policy_parameters() -> None:
    policy = Policy()  # the real default, to check the parameters in the hash
    stored = PasswordHasher(policy).hash("correct horse battery")
    params = argon2.extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert (params.time_cost, params.memory_cost, params.parallelism) == (2, 19_456, 1)
    assert params.salt_len >= 4


def test_verify_raises_on_mismatch_and_never_truncates() -> None:
    hasher = PasswordHasher(POLICY)
    long = "a" * 100 + "b"
    stored = hasher.hash(long)
    assert hasher.verify(stored, long) is False
    with pytest.raises(AuthenticationError) as caught:
        hasher.verify(stored, "a" * 100 + "c")
    assert caught.value.code == "invalid_credentials"
    with pytest.raises(AuthenticationError):
        hasher.verify("not a hash", long)


def test_verify_reports_when_the_hash_needs_an_upgrade() -> None:
    old = PasswordHasher(POLICY).hash("correct horse battery")
    newer = PasswordHasher(POLICY.evolve(argon2_time_cost=2))
    assert newer.verify(old, "correct horse battery") is True


def test_dummy_verify_fails_like_a_wrong_password() -> None:
    with pytest.raises(AuthenticationError) as caught:
        PasswordHasher(POLICY).verify_dummy("anything at all")
    assert caught.value.code == "invalid_credentials"
