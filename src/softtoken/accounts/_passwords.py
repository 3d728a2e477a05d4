"""Passwords: the rules of NIST SP 800-63B-4 and ASVS 6.2, and argon2id hashing.

Pure functions apart from the hashing, which is CPU work and no I/O. Passwords are
normalized with NFKC and counted in code points, never truncated.
"""

from __future__ import annotations

import contextlib
import secrets
import string
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from softtoken.accounts import _boundary
from softtoken.errors import AuthenticationError, PasswordRejected, ValidationError
from softtoken.policy import Policy

__all__ = [
    "PasswordHasher",
    "check_password_rules",
    "common_passwords",
    "generate_password",
    "normalize_password",
]


def normalize_password(password: object, *, field: str = "password", limit: int = 4096) -> str:
    """NFKC form of ``password``, so that the same characters typed on two keyboards
    give the same password. Refuses non-strings and absurd sizes (a hashing DoS)."""
    if not isinstance(password, str) or len(password) > limit:
        raise ValidationError("invalid_value", field=field)
    return unicodedata.normalize("NFKC", password)


def _secret_bytes(password: object) -> bytes:
    """The bytes argon2 hashes. A lone surrogate has no UTF-8 form and would raise
    ``UnicodeEncodeError`` from the encoder; ``surrogatepass`` gives it bytes that no
    stored password has (new passwords with one are refused), so at a login it is simply
    a wrong password: verified, counted and refused like any other, not an oracle."""
    return normalize_password(password).encode("utf-8", "surrogatepass")


@cache
def common_passwords() -> frozenset[str]:
    """The blocklist shipped with the package (the 10,000 most common passwords)."""
    text = resources.files("softtoken").joinpath("_data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line and line[0] != "#"
    )


def _kinds(password: str) -> int:
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not c.isalnum() for c in password)
    return lower + upper + digit + other


def check_password_rules(
    password: object,
    policy: Policy,
    *,
    context: Iterable[str] = (),
    single_factor: bool = False,
    field: str = "new_password",
) -> str:
    """Check a new password against the policy and return it normalized.

    Args:
        password: what the person typed.
        policy: the rules' numbers.
        context: words the password must not contain: user ID, citizen ID, names, the
            portal's name (ASVS 6.2.11).
        single_factor: the password is the only factor, so the longer minimum applies.
        field: the form field to name in the error.

    Raises:
        PasswordRejected: with one reason code per broken rule.
    """
    text = normalize_password(password, field=field)
    reasons: list[str] = []
    minimum = (
        policy.password_min_length_single_factor if single_factor else policy.password_min_length
    )
    if len(text) < minimum:
        reasons.append("password_too_short")
    if len(text) > policy.password_max_length:
        reasons.append("password_too_long")
    if _boundary.has_lone_surrogate(text) or _boundary.has_control(text):
        # Not text at all (a lone surrogate is what JSON "\ud800" decodes to) or a NUL:
        # nobody could type it again, so it is refused before anything is hashed.
        reasons.append("password_invalid_characters")
    folded = text.casefold()
    if policy.password_check_blocklist and folded in common_passwords():
        reasons.append("password_common")
    if policy.password_check_context_words:
        words = {
            unicodedata.normalize("NFKC", w).casefold().strip()
            for w in context
            if w and len(w.strip()) >= policy.password_context_word_min_length
        }
        if any(w in folded for w in words):
            reasons.append("password_context")
    if _kinds(text) < policy.password_min_character_kinds:
        reasons.append("password_composition")
    if reasons:
        raise PasswordRejected(tuple(reasons), field=field)
    return text


# Letters and digits without the look-alikes (0/O, 1/l/I), plus a few symbols that
# survive email clients and copy-paste, so an emailed password can be typed back.
_ALPHABET = (
    "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI") + "-_.!@#%+="
)


def generate_password(policy: Policy, *, context: Iterable[str] = ()) -> str:
    """A random password from ``secrets`` that passes the policy's rules; for initial
    and reset passwords, which nobody, officers included, ever chooses (ASVS 6.4.6).

    It is at least ``password_min_length_single_factor`` long whatever
    ``temporary_password_length`` says: an initial or reset password logs in alone until
    it is changed, so it is a single factor (NIST SP 800-63B-4 3.1.1.2), and length costs
    a person who copies it nothing."""
    context = tuple(context)
    length = max(policy.temporary_password_length, policy.password_min_length_single_factor)
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if _kinds(candidate) < 4:  # noqa: PLR2004 - passes any composition rule a deployment sets
            continue
        try:
            return check_password_rules(candidate, policy, context=context, single_factor=True)
        except PasswordRejected:  # pragma: no cover - odds of a random hit are negligible
            continue


class PasswordHasher:
    """argon2id with the policy's parameters.

    ``verify`` raises on a mismatch and reports whether the stored hash should be
    upgraded; ``verify_dummy`` spends the same time for an unknown user ID so that
    timing does not reveal which accounts exist.
    """

    def __init__(self, policy: Policy) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=policy.argon2_time_cost,
            memory_cost=policy.argon2_memory_cost_kib,
            parallelism=policy.argon2_parallelism,
            hash_len=policy.argon2_hash_len,
            salt_len=policy.argon2_salt_len,
            type=argon2.Type.ID,
        )
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(_secret_bytes(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        """Check ``password`` against ``stored_hash``.

        Returns:
            True when the hash was made with other parameters and should be replaced.

        Raises:
            AuthenticationError: ``invalid_credentials`` on any mismatch or unusable hash.
        """
        try:
            self._hasher.verify(stored_hash, _secret_bytes(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            raise AuthenticationError("invalid_credentials") from None
        return self._hasher.check_needs_rehash(stored_hash)

    def verify_dummy(self, password: str) -> None:
        """Spend one verification's time, then fail as a wrong password would."""
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            self._hasher.verify(self._dummy, _secret_bytes(password))
        raise AuthenticationError("invalid_credentials")
