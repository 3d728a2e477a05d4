"""The device's private key at rest, encrypted under a key derived from the PIN
(NIST SP 800-63B-4 draft 3.2.10), and the PIN rules.

This is the reference client's store: a file any process can read. A production
authenticator keeps the key in the platform keystore (Secure Enclave, StrongBox), whose
hardware enforces the wrong-PIN counter; here the counter lives beside the sealed key, so
somebody who copies the file can try PINs offline at argon2's cost. Use this client for
tests, demos and as a model of the protocol, not as a phone.
"""

from __future__ import annotations

import base64
import itertools
import secrets
from collections.abc import Mapping
from typing import Any, Literal

import attrs
from argon2.low_level import Type, hash_secret_raw
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from softtoken.errors import ValidationError
from softtoken.protocol._jws import DevicePrivateKey
from softtoken.protocol._messages import b64url

__all__ = [
    "KdfParams",
    "KeyType",
    "SealedKey",
    "check_pin",
    "device_csr",
    "new_device_key",
    "open_secret",
    "seal_secret",
    "sealed_offline_seed",
    "unb64url",
]

KeyType = Literal["ec-p256", "ec-p384", "ed25519"]


def new_device_key(key_type: KeyType) -> DevicePrivateKey:
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP384R1() if key_type == "ec-p384" else ec.SECP256R1())


def device_csr(key: DevicePrivateKey) -> bytes:
    """A CSR for ``key``: empty subject, no extensions (the CA names the user)."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.DER)


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

    def as_dict(self) -> dict[str, Any]:
        return {"salt": b64url(self.salt), "blob": b64url(self.blob), "kdf": attrs.asdict(self.kdf)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SealedKey:
        return cls(salt=unb64url(data["salt"]), blob=unb64url(data["blob"]),
                   kdf=KdfParams(**data["kdf"]))  # fmt: skip


def unb64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def seal_secret(secret: bytes, pin: str, kdf: KdfParams) -> str:
    """A small secret (the TOTP seed) sealed under the PIN, as base64url text."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(kdf.derive(pin.encode(), salt)).encrypt(nonce, secret, b"softtoken-totp")
    return b64url(salt + nonce + sealed)


def open_secret(sealed: str, pin: str, kdf: KdfParams) -> bytes:
    raw = unb64url(sealed)
    salt, nonce, body = raw[:16], raw[16:28], raw[28:]
    return AESGCM(kdf.derive(pin.encode(), salt)).decrypt(nonce, body, b"softtoken-totp")


def sealed_offline_seed(offline: Mapping[str, Any], pin: str, kdf: KdfParams) -> dict[str, Any]:
    """The server's offline-code (TOTP) parameters, with the seed sealed under the PIN."""
    params = {k: offline[k] for k in ("period", "digits", "algorithm")}
    return {**params, "sealed": seal_secret(str(offline["secret"]).encode(), pin, kdf)}
