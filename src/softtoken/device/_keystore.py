"""The device's private key at rest, encrypted under a key derived from the PIN
(NIST SP 800-63B-4 draft 3.2.10), and the PIN rules.

This is the reference client's store: a file any process can read. A production
authenticator keeps the key in the platform keystore (Secure Enclave, StrongBox), whose
hardware enforces the wrong-PIN counter; here the counter lives beside the sealed key, so
somebody who copies the file can try PINs offline at argon2's cost. Use this client for
tests, demos and as a model of the protocol, not as a phone.
"""

from __future__ import annotations

import itertools
import secrets

import attrs
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from softtoken.devices._jws import DevicePrivateKey
from softtoken.errors import ValidationError

__all__ = ["KdfParams", "SealedKey", "check_pin"]

# PINs people pick first; refused along with repeats and straight runs.
_COMMON_PINS = frozenset({
    "121212", "123123", "112233", "111222", "102030", "696969", "159753", "147258",
    "258369", "101010", "131313", "200000", "999999", "520520", "123321", "654321",
})  # fmt: skip


def _is_run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return steps in ({0}, {1}, {9})


def check_pin(pin: object, *, digits: int = 6, field: str = "pin") -> str:
    """A PIN of exactly ``digits`` ASCII digits that is not trivial (repeats, straight
    runs up or down, or one of the most common PINs).

    Raises:
        ValidationError: ``pin_invalid`` or ``pin_trivial``.
    """
    if not isinstance(pin, str) or len(pin) != digits or not pin.isascii() or not pin.isdigit():
        raise ValidationError("pin_invalid", field=field)
    if _is_run(pin) or pin in _COMMON_PINS or len(set(pin)) <= 2:  # noqa: PLR2004
        raise ValidationError("pin_trivial", field=field)
    return pin


@attrs.frozen(kw_only=True)
class KdfParams:
    """argon2id parameters for turning a PIN into a key-encryption key."""

    time_cost: int = 3
    memory_kib: int = 65_536
    parallelism: int = 1

    @classmethod
    def for_tests(cls) -> KdfParams:
        return cls(time_cost=1, memory_kib=64)

    def derive(self, secret: bytes, salt: bytes) -> bytes:
        return hash_secret_raw(
            secret, salt, time_cost=self.time_cost, memory_cost=self.memory_kib,
            parallelism=self.parallelism, hash_len=32, type=Type.ID,
        )  # fmt: skip


@attrs.frozen(kw_only=True)
class SealedKey:
    """A PKCS#8 private key sealed with AES-256-GCM under a key derived from a secret."""

    salt: bytes
    blob: bytes
    kdf: KdfParams

    @classmethod
    def seal(cls, key: DevicePrivateKey, secret: bytes, kdf: KdfParams) -> SealedKey:
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        kek = kdf.derive(secret, salt)
        return cls(salt=salt, blob=nonce + AESGCM(kek).encrypt(nonce, der, b"softtoken-device"),
                   kdf=kdf)  # fmt: skip

    def open(self, secret: bytes) -> DevicePrivateKey | None:
        """The key, or None when ``secret`` is wrong (the GCM tag does not verify)."""
        kek = self.kdf.derive(secret, self.salt)
        try:
            der = AESGCM(kek).decrypt(self.blob[:12], self.blob[12:], b"softtoken-device")
        except InvalidTag:
            return None
        return serialization.load_der_private_key(der, password=None)  # type: ignore[return-value]
