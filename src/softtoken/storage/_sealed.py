"""The stored form of sealed values, with the ID of the key that sealed them:
``st1:<kid>:<base64>`` for text, ``b"st1:<kid>:" + blob`` for bytes, and
:class:`KeyedSealer`, which seals under the current key and opens under the recorded one
(docs/privacy.md, "Sealed at rest")."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from softtoken._keys import KEY_ID, LEGACY_KEY_ID, ServerKeys
from softtoken.errors import TamperingDetected

__all__ = ["KeyedSealer", "Sealer", "parse_sealed_bytes", "parse_sealed_text"]

_SEALED_TEXT = re.compile(r"st1:([a-z0-9][a-z0-9-]{0,15}):([A-Za-z0-9+/]+={0,2})")


def parse_sealed_text(stored: object) -> tuple[str, bytes]:
    """``(key ID, nonce + ciphertext)`` of ``st1:<kid>:<base64>``.

    Raises:
        TamperingDetected: ``sealed_value_broken`` for anything else.
    """
    found = _SEALED_TEXT.fullmatch(stored) if isinstance(stored, str) else None
    if found is None:
        raise TamperingDetected("sealed_value_broken", detail="not a sealed value")
    try:
        blob = base64.b64decode(found.group(2), validate=True)
    except ValueError:
        raise TamperingDetected("sealed_value_broken", detail="not base64") from None
    if len(blob) < 28:  # noqa: PLR2004 - a 12-byte nonce and a 16-byte tag at least
        raise TamperingDetected("sealed_value_broken", detail="too short")
    return found.group(1), blob


def parse_sealed_bytes(stored: bytes) -> tuple[str, bytes]:
    """``(key ID, nonce + ciphertext)`` of ``b"st1:<kid>:" + blob``; a blob without
    that prefix was sealed before the keyring existed, under :data:`LEGACY_KEY_ID`."""
    if not stored.startswith(b"st1:"):
        return LEGACY_KEY_ID, stored
    kid, sep, blob = stored[4:].partition(b":")
    if not sep or not KEY_ID.fullmatch(kid.decode("ascii", "replace")):
        raise TamperingDetected("sealed_value_broken", detail="bad key ID")
    return kid.decode("ascii"), blob


class Sealer:
    """AES-256-GCM for data that must not rest in clear (outbox messages)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, *, context: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, *, context: bytes, code: str = "audit_chain_broken") -> bytes:
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], context)
        except (InvalidTag, ValueError):
            raise TamperingDetected(code, detail="sealed data") from None


class KeyedSealer:
    """Seals under the current key and records its ID; opens under the recorded one.
    ``key_of`` picks the purpose's key from a key's :class:`ServerKeys`."""

    def __init__(
        self, keys: ServerKeys, key_of: Callable[[ServerKeys], bytes], *, code: str
    ) -> None:
        self._keys, self._key_of, self._code = keys, key_of, code

    def seal(self, plaintext: bytes, *, context: bytes) -> bytes:
        blob = Sealer(self._key_of(self._keys)).seal(plaintext, context=context)
        return f"st1:{self._keys.key_id}:".encode() + blob

    def open(self, stored: bytes, *, context: bytes) -> bytes:
        kid, blob = parse_sealed_bytes(stored)
        key = self._key_of(self._keys.for_key_id(kid))
        return Sealer(key).open(blob, context=context, code=self._code)

    def seal_text(self, plaintext: str, *, context: bytes) -> str:
        blob = Sealer(self._key_of(self._keys)).seal(plaintext.encode(), context=context)
        return f"st1:{self._keys.key_id}:{base64.b64encode(blob).decode()}"

    def open_text(self, stored: object, *, context: bytes) -> str:
        kid, blob = parse_sealed_text(stored)
        key = self._key_of(self._keys.for_key_id(kid))
        return Sealer(key).open(blob, context=context, code=self._code).decode()
