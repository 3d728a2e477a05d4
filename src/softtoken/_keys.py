"""The deployment's server secret, and the keys derived from it for each purpose.

One secret in the configuration; HKDF derives an independent key per use, so a key
that leaks from one use (say the outbox) tells nothing of another (the audit chain).
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from softtoken.errors import ConfigurationError, TamperingDetected

__all__ = ["Sealer", "ServerKeys"]

MIN_SECRET_BYTES = 32


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"softtoken/{purpose}/v1".encode()
    ).derive(secret)


class Sealer:
    """AES-256-GCM for data that must not rest in clear (outbox messages)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, *, context: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, *, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], context)
        except (InvalidTag, ValueError):
            raise TamperingDetected("audit_chain_broken", detail="sealed data") from None


@attrs.frozen(repr=False)
class ServerKeys:
    """Keys derived from the deployment's secret; never logged (``repr`` hides them)."""

    outbox: bytes
    audit: bytes
    otp: bytes
    tokens: bytes
    #: Keyed pseudonyms of people in audit records (``softtoken.audit._pseudonyms``).
    pseudonyms: bytes
    #: The ID of the key these were derived from; MACs record it (issue 17 item 2).
    key_id: str = "k1"

    @classmethod
    def from_secret(cls, secret: bytes) -> ServerKeys:
        if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                detail=f"the server secret must be at least {MIN_SECRET_BYTES} random bytes"
            )
        return cls(
            outbox=_derive(secret, "outbox"),
            audit=_derive(secret, "audit"),
            otp=_derive(secret, "otp"),
            tokens=_derive(secret, "tokens"),
            pseudonyms=_derive(secret, "pseudonyms"),
        )

    def for_key_id(self, key_id: str) -> ServerKeys:
        """The keys of ``key_id``: a single key knows only itself (a keyring, issue 17
        item 2, also opens older keys).

        Raises:
            ConfigurationError: ``key_unknown`` for any other key ID.
        """
        if key_id != self.key_id:
            raise ConfigurationError("key_unknown", detail=f"key ID {key_id!r}")
        return self

    def mac(self, key: bytes, *parts: str | bytes) -> str:
        """HMAC-SHA256 over length-prefixed parts (no ambiguity between ``a|bc``, ``ab|c``)."""
        h = hmac.new(key, digestmod=sha256)
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            h.update(len(data).to_bytes(4, "big") + data)
        return h.hexdigest()

    def __repr__(self) -> str:
        return "ServerKeys(<hidden>)"
