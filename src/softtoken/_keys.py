"""The deployment's server secrets (a keyring), and the keys derived from them per purpose.

Each secret derives, through HKDF, an independent key per use: one that leaks (say the
outbox's) tells nothing of another (the audit chain's). The current key writes; every
value records its key's ID, so older keys open and verify what they wrote until
``softtoken keys reseal`` moves it (docs/privacy.md, "Keyring").
"""

from __future__ import annotations

import base64
import functools
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from hashlib import sha256
from pathlib import Path

import attrs
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from softtoken.errors import ConfigurationError

__all__ = [
    "KEY_ID",
    "LEGACY_KEY_ID",
    "Keyring",
    "ServerKeys",
    "keyring_from_env",
    "keyring_from_file",
    "macs_equal",
    "split_key_id",
]

MIN_SECRET_BYTES = 32
#: The key ID of the single ``secret_key`` (``SOFTTOKEN_SECRET_KEY``), and of values
#: written before the keyring existed (a MAC with no ``<kid>:`` in front).
LEGACY_KEY_ID = "k0"
KEY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,15}")
KEYRING_FORMAT = "softtoken-keyring/v1"


@functools.lru_cache(maxsize=256)
def _derive(secret: bytes, purpose: str) -> bytes:
    # Cached: every sealed column derives its purpose's key, and a lookup derives the
    # index key of every key of the ring. The secrets are in this process anyway.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"softtoken/{purpose}/v1".encode()
    ).derive(secret)


def check_key_id(key_id: object) -> str:
    """``key_id`` if it is 1 to 16 of ``a-z 0-9 -``, starting with a letter or digit.

    Raises:
        ConfigurationError: ``invalid_key_id``.
    """
    if not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
        raise ConfigurationError("invalid_key_id", detail=f"{key_id!r}"[:40])
    return key_id


def split_key_id(stored: str) -> tuple[str, str]:
    """``(key ID, rest)`` of a stored ``<kid>:<value>``; a value with no key ID in front
    was written before the keyring existed, under :data:`LEGACY_KEY_ID`."""
    kid, sep, rest = stored.partition(":")
    return (kid, rest) if sep else (LEGACY_KEY_ID, stored)


def macs_equal(stored: str, given: str) -> bool:
    """Whether a stored MAC and one just computed agree, in constant time; a legacy MAC
    (no key ID) counts as written under :data:`LEGACY_KEY_ID`."""
    (k1, m1), (k2, m2) = split_key_id(stored), split_key_id(given)
    return hmac.compare_digest(m1, m2) and k1 == k2


class Keyring:
    """Key ID -> secret (at least 32 random bytes each), with exactly one current key.

    A retired key (:meth:`without`) leaves only what verifies the audit records it
    wrote: its audit and pseudonym keys, derived one way from the secret. Audit records
    are never rewritten (later records and checkpoints kept elsewhere chain to their
    hashes), so the log keeps verifying after a retirement, while the secret, and with
    it every sealed value, MAC and blind index it could open, is gone.

    Args:
        secrets: the keys; IDs are 1 to 16 of ``a-z 0-9 -``.
        current: the ID of the key that writes.
        retired: key ID -> (audit key, pseudonym key) of keys retired before.

    Raises:
        ConfigurationError: ``invalid_key_id``, ``invalid_configuration`` (a short
            secret, an empty ring), ``key_unknown`` (``current`` is not in the ring).
    """

    __slots__ = ("_current", "_retired", "_secrets")

    def __init__(
        self,
        secrets: Mapping[str, bytes],
        *,
        current: str,
        retired: Mapping[str, tuple[bytes, bytes]] | None = None,
    ) -> None:
        if not isinstance(secrets, Mapping) or not secrets:
            raise ConfigurationError(detail="a keyring needs at least one key")
        for kid, secret in secrets.items():
            check_key_id(kid)
            if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
                raise ConfigurationError(
                    detail=f"key {kid}: at least {MIN_SECRET_BYTES} random bytes"
                )
        check_key_id(current)
        if current not in secrets:
            raise ConfigurationError("key_unknown", detail=f"current key {current}")
        retired = dict(retired or {})
        for kid, pair in retired.items():
            check_key_id(kid)
            if kid in secrets or len(pair) != 2 or any(len(k) != 32 for k in pair):  # noqa: PLR2004
                raise ConfigurationError(detail=f"retired key {kid}: two 32-byte keys")
        self._secrets = dict(secrets)
        self._current = current
        self._retired = retired

    @classmethod
    def single(cls, secret: bytes) -> Keyring:
        """The one ``secret_key`` as a ring of one key, :data:`LEGACY_KEY_ID`."""
        return cls({LEGACY_KEY_ID: secret}, current=LEGACY_KEY_ID)

    @property
    def current(self) -> str:
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._secrets)

    @property
    def retired_ids(self) -> tuple[str, ...]:
        return tuple(self._retired)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._secrets

    def audit_keys(self, key_id: str) -> tuple[bytes, bytes] | None:
        """The (audit, pseudonyms) keys of a retired key; None for any other."""
        return self._retired.get(key_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._secrets)

    def secret(self, key_id: str) -> bytes:
        """Raises ConfigurationError ``key_unknown`` when the ring lacks ``key_id``."""
        try:
            return self._secrets[key_id]
        except (KeyError, TypeError):
            raise ConfigurationError("key_unknown", detail=f"key {key_id!r}"[:40]) from None

    def rotated(self, *, key_id: str | None = None, secret: bytes | None = None) -> Keyring:
        """A ring with one more key (random unless given), made current."""
        if key_id is None:
            n = len(self._secrets)
            while f"k{n}" in self._secrets:
                n += 1
            key_id = f"k{n}"
        if key_id in self._secrets or key_id in self._retired:
            raise ConfigurationError("invalid_key_id", detail=f"{key_id} exists")
        made = secrets.token_bytes(32) if secret is None else secret
        return Keyring({**self._secrets, key_id: made}, current=key_id, retired=self._retired)

    def without(self, key_id: str) -> Keyring:
        """The ring less ``key_id``'s secret (never the current one's); what verifies
        the audit records it wrote stays."""
        secret = self.secret(key_id)
        if key_id == self._current:
            raise ConfigurationError("key_is_current", detail=key_id)
        kept = (_derive(secret, "audit"), _derive(secret, "pseudonyms"))
        return Keyring(
            {k: v for k, v in self._secrets.items() if k != key_id},
            current=self._current,
            retired={**self._retired, key_id: kept},
        )

    def to_json(self) -> str:
        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode()

        keys = {k: b64(v) for k, v in self._secrets.items()}
        data: dict[str, object] = {"format": KEYRING_FORMAT, "current": self._current, "keys": keys}
        if self._retired:
            data["retired"] = {
                k: {"audit": b64(a), "pseudonyms": b64(p)} for k, (a, p) in self._retired.items()
            }
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Raises ConfigurationError ``invalid_keyring`` for anything but the format
        :meth:`to_json` writes (docs/privacy.md, "Keyring file")."""
        try:
            data = json.loads(text)
            keys = {
                str(k): base64.b64decode(str(v), validate=True) for k, v in data["keys"].items()
            }
            current = str(data["current"])
            known = data.get("format") == KEYRING_FORMAT
            retired = {
                str(k): (_unb64(v["audit"]), _unb64(v["pseudonyms"]))
                for k, v in data.get("retired", {}).items()
            }
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigurationError("invalid_keyring") from None
        if not known:
            raise ConfigurationError("invalid_keyring", detail="unknown format")
        return cls(keys, current=current, retired=retired)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Keyring:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigurationError("invalid_keyring", detail=type(error).__name__) from None
        return cls.from_json(text)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the ring readable by its owner only (0600), replacing the file at once,
        so a reader never sees half a ring."""
        target = Path(path)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(self.to_json())
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def __repr__(self) -> str:
        return f"Keyring(current={self._current!r}, key_ids={self.key_ids!r})"


def _unb64(text: object) -> bytes:
    return base64.b64decode(str(text), validate=True)


def keyring_from_env(environ: Mapping[str, str]) -> Keyring:
    """``SOFTTOKEN_KEYRING_FILE`` (a keyring file) or else ``SOFTTOKEN_SECRET_KEY``
    (base64; a ring of one key, :data:`LEGACY_KEY_ID`).

    Raises:
        ConfigurationError: neither is set, or the one set is unusable.
    """
    path = environ.get("SOFTTOKEN_KEYRING_FILE")
    if path:
        return Keyring.load(path)
    raw = environ.get("SOFTTOKEN_SECRET_KEY")
    if not raw:
        raise ConfigurationError(detail="SOFTTOKEN_SECRET_KEY is not set")
    return Keyring.single(_base64_secret(raw, "SOFTTOKEN_SECRET_KEY"))


def keyring_from_file(path: str | os.PathLike[str]) -> Keyring:
    """A keyring file, or a file holding one base64 secret (``--secret-key-file``)."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigurationError("invalid_keyring", detail=type(error).__name__) from None
    if text.startswith("{"):
        return Keyring.from_json(text)
    return Keyring.single(_base64_secret(text, str(path)))


def _base64_secret(raw: str, name: str) -> bytes:
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        raise ConfigurationError(detail=f"{name} is not base64") from None


@attrs.frozen(repr=False)
class ServerKeys:
    """Keys derived from one secret of the deployment's keyring; never logged (``repr``
    hides them). ``key_id`` names that secret; :meth:`for_key_id` gives an older one's."""

    outbox: bytes
    audit: bytes
    otp: bytes
    tokens: bytes
    #: Keyed pseudonyms of people in audit records (``softtoken.audit._pseudonyms``).
    pseudonyms: bytes
    key_id: str = LEGACY_KEY_ID
    keyring: Keyring | None = attrs.field(default=None, eq=False)
    _secret: bytes = attrs.field(default=b"", eq=False)
    # The ring's other keys, made once: verify asks for a record's key record by record.
    _others: dict[str, ServerKeys] = attrs.field(factory=dict, eq=False, init=False)

    @classmethod
    def from_secret(cls, secret: bytes) -> ServerKeys:
        if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                detail=f"the server secret must be at least {MIN_SECRET_BYTES} random bytes"
            )
        return cls.from_keyring(Keyring.single(secret))

    @classmethod
    def from_keyring(cls, keyring: Keyring, key_id: str | None = None) -> ServerKeys:
        """The keys of ``key_id`` (the current key by default)."""
        kid = keyring.current if key_id is None else key_id
        secret = keyring.secret(kid)
        return cls(
            outbox=_derive(secret, "outbox"),
            audit=_derive(secret, "audit"),
            otp=_derive(secret, "otp"),
            tokens=_derive(secret, "tokens"),
            pseudonyms=_derive(secret, "pseudonyms"),
            key_id=kid,
            keyring=keyring,
            secret=secret,
        )

    def for_key_id(self, key_id: str) -> ServerKeys:
        """The keys of an older (or this) key of the ring, to open or verify what it wrote.

        Raises:
            ConfigurationError: ``key_unknown`` when the ring lacks ``key_id``.
        """
        if key_id == self.key_id:
            return self
        if self.keyring is None or key_id not in self.keyring:  # a retired key opens nothing
            raise ConfigurationError("key_unknown", detail=f"key {key_id!r}"[:40])
        if key_id not in self._others:
            self._others[key_id] = ServerKeys.from_keyring(self.keyring, key_id)
        return self._others[key_id]

    def all_key_ids(self) -> tuple[str, ...]:
        """Every key ID of the ring, this one first."""
        others = () if self.keyring is None else self.keyring.key_ids
        return (self.key_id, *(k for k in others if k != self.key_id))

    def derived(self, purpose: str) -> bytes:
        """A key of its own for ``purpose`` (sealing one kind of personal data, a blind
        index), derived from this key's secret."""
        return _derive(self._secret, purpose)

    def for_stored(self, stored: str | None) -> ServerKeys:
        """The keys that wrote the MAC ``stored`` (``<kid>:<mac>``; legacy without a key
        ID). A key since retired gives this key: the MAC then just does not match, as a
        code from before the retirement should not (``keys retire`` waits for live ones)."""
        if stored is None:
            return self
        kid = split_key_id(stored)[0]
        if kid != self.key_id and (self.keyring is None or kid not in self.keyring):
            return self
        return self.for_key_id(kid)

    def tagged_mac(self, key: bytes, *parts: str | bytes) -> str:
        """:meth:`mac` as stored: ``<key ID>:<hex>``, so a rotation still verifies it."""
        return f"{self.key_id}:{self.mac(key, *parts)}"

    def for_audit(self, key_id: str) -> ServerKeys:
        """The keys that verify audit records, heads and checkpoints made under
        ``key_id``: a key of the ring, or one retired since (then only its audit and
        pseudonym keys are real; the rest are random, so nothing else it made opens).

        Raises:
            ConfigurationError: ``key_unknown`` when the ring never had ``key_id``.
        """
        kept = None if self.keyring is None else self.keyring.audit_keys(key_id)
        if kept is None:
            return self.for_key_id(key_id)
        if key_id not in self._others:
            fresh = secrets.token_bytes(32)
            self._others[key_id] = ServerKeys(outbox=fresh, audit=kept[0], otp=fresh, tokens=fresh,
                pseudonyms=kept[1], key_id=key_id, secret=fresh)  # fmt: skip
        return self._others[key_id]

    def for_unnamed(self) -> ServerKeys:
        """The keys of what names no key ID, written before keys had IDs (a ``v1``
        audit head, format 1 audit records, old checkpoints): the ring's
        :data:`LEGACY_KEY_ID` when it has one, else these."""
        ring = self.keyring
        if ring is not None and (LEGACY_KEY_ID in ring or ring.audit_keys(LEGACY_KEY_ID)):
            return self.for_audit(LEGACY_KEY_ID)
        return self

    def mac(self, key: bytes, *parts: str | bytes) -> str:
        """HMAC-SHA256 over length-prefixed parts (no ambiguity between ``a|bc``, ``ab|c``)."""
        h = hmac.new(key, digestmod=sha256)
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            h.update(len(data).to_bytes(4, "big") + data)
        return h.hexdigest()

    def __repr__(self) -> str:
        return f"ServerKeys(key_id={self.key_id!r}, <hidden>)"
