"""The messages of the device protocol (``docs/protocol.md``), as records with strict
parsers. Device -> server messages are compact JWS (see ``_jws``); server -> device
answers are JSON objects the portal returns over TLS.

Every parser takes untrusted input and raises
:class:`~softtoken.errors.ValidationError` (``device_message_malformed``) for anything
but the documented shape; nothing else escapes (property-tested).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from softtoken.errors import ValidationError

__all__ = [
    "ACTIVATION_SCHEME",
    "APPROVAL_TYP",
    "ENROLL_TYP",
    "POLL_TYP",
    "PROTOCOL_VERSION",
    "RENEWAL_TYP",
    "ActivationPayload",
    "ApprovalClaims",
    "EnrollmentClaims",
    "PollClaims",
    "RenewalClaims",
    "b64url",
    "ca_key_pin",
    "unb64url",
]

PROTOCOL_VERSION = 1
ACTIVATION_SCHEME = "softtoken"
ENROLL_TYP = "softtoken-enroll+jws"
APPROVAL_TYP = "softtoken-approval+jws"
RENEWAL_TYP = "softtoken-renewal+jws"
POLL_TYP = "softtoken-poll+jws"

_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _bad(detail: str) -> ValidationError:
    return ValidationError("device_message_malformed", field="message", detail=detail)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: object, *, what: str, max_bytes: int = 16_384) -> bytes:
    if not isinstance(text, str) or len(text) > max_bytes * 2 or not _B64URL.fullmatch(text):
        raise _bad(f"{what} must be base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _bad(f"{what} must be base64url") from None


def _id(value: object, what: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise _bad(f"{what} must be 8 to 64 URL-safe characters")
    return value


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**40:
        raise _bad(f"{what} must be a whole number")
    return value


def _version(claims: Mapping[str, Any]) -> None:
    if claims.get("v") != PROTOCOL_VERSION:
        raise _bad(f"protocol version must be {PROTOCOL_VERSION}")


def _time(value: object, what: str) -> datetime:
    return datetime.fromtimestamp(_int(value, what), UTC)


@attrs.frozen(kw_only=True)
class ActivationPayload:
    """What the activation QR code carries (manual chapter 2 step 5):
    ``softtoken://activate?v=1&s=<server>&a=<activation id>&k=<secret>&e=<expiry>``."""

    server: str
    activation_id: str
    secret: bytes = attrs.field(repr=False)
    expires_at: datetime
    #: ``p``: the root CA's key pin (:func:`ca_key_pin`), which the app keeps and checks
    #: against the root of every certificate chain the server sends; None in codes made
    #: before pins were added.
    ca_pin: str | None = None

    def to_uri(self) -> str:
        pin = f"&p={self.ca_pin}" if self.ca_pin else ""
        return (
            f"{ACTIVATION_SCHEME}://activate?v={PROTOCOL_VERSION}"
            f"&s={quote(self.server, safe='')}&a={self.activation_id}"
            f"&k={b64url(self.secret)}&e={int(self.expires_at.timestamp())}{pin}"
        )

    @classmethod
    def parse(cls, uri: object) -> ActivationPayload:
        if not isinstance(uri, str) or len(uri) > 1024:  # noqa: PLR2004
            raise _bad("not an activation code")
        parts = urlsplit(uri)
        if parts.scheme != ACTIVATION_SCHEME or parts.netloc != "activate":
            raise _bad("not an activation code")
        query = parse_qs(parts.query, strict_parsing=False)
        values = {k: v[0] for k, v in query.items() if len(v) == 1}
        if values.get("v") != str(PROTOCOL_VERSION):
            raise _bad(f"activation code version must be {PROTOCOL_VERSION}")
        server = values.get("s", "")
        if not server.startswith(("https://", "http://")):
            raise _bad("the activation code names no server")
        expiry = values.get("e", "")
        if not expiry.isascii() or not expiry.isdigit() or len(expiry) > 12:  # noqa: PLR2004
            raise _bad("the activation code has no expiry")
        secret = unb64url(values.get("k"), what="secret", max_bytes=64)
        if len(secret) < 14:  # noqa: PLR2004 - 112 bits
            raise _bad("the activation secret is too short")
        pin = values.get("p")
        if pin is not None and (len(pin) != 43 or len(unb64url(pin, what="pin")) != 32):  # noqa: PLR2004
            raise _bad("the CA pin must be a base64url SHA-256")
        return cls(
            server=server,
            activation_id=_id(values.get("a"), "activation id"),
            secret=secret,
            expires_at=datetime.fromtimestamp(int(expiry), UTC),
            ca_pin=pin,
        )


def ca_key_pin(certificate: x509.Certificate) -> str:
    """The pin of a CA certificate's key: SHA-256 of its DER SubjectPublicKeyInfo,
    base64url without padding (the ``pin-sha256`` of RFC 7469, URL-safe). It survives a
    re-issued certificate for the same key."""
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b64url(hashlib.sha256(spki).digest())


Platform = Literal["android", "ios", "reference"]


@attrs.frozen(kw_only=True)
class EnrollmentClaims:
    """The new device's enrollment: proves the QR secret and possession of the key in
    the CSR (the JWS is signed with that key, whose JWK rides in the header)."""

    activation_id: str
    secret: bytes = attrs.field(repr=False)
    csr_der: bytes
    platform: Platform
    biometrics: bool
    attestation: Mapping[str, Any]
    issued_at: datetime

    def to_claims(self) -> dict[str, Any]:
        return {
            "v": PROTOCOL_VERSION,
            "aid": self.activation_id,
            "secret": b64url(self.secret),
            "csr": b64url(self.csr_der),
            "platform": self.platform,
            "biometrics": self.biometrics,
            "att": dict(self.attestation),
            "iat": int(self.issued_at.timestamp()),
        }

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> EnrollmentClaims:
        _version(claims)
        platform = claims.get("platform")
        if platform not in ("android", "ios", "reference"):
            raise _bad("platform must be android, ios or reference")
        biometrics = claims.get("biometrics")
        if not isinstance(biometrics, bool):
            raise _bad("biometrics must be true or false")
        attestation = claims.get("att")
        if not isinstance(attestation, dict) or not isinstance(attestation.get("fmt"), str):
            raise _bad("att must be an object with a fmt")
        return cls(
            activation_id=_id(claims.get("aid"), "aid"),
            secret=unb64url(claims.get("secret"), what="secret", max_bytes=64),
            csr_der=unb64url(claims.get("csr"), what="csr"),
            platform=platform,
            biometrics=biometrics,
            attestation=attestation,
            issued_at=_time(claims.get("iat"), "iat"),
        )


Decision = Literal["approve", "decline"]


@attrs.frozen(kw_only=True)
class ApprovalClaims:
    """The person's answer to a login challenge, signed with the device key."""

    challenge_id: str
    nonce: str
    decision: Decision
    #: ``select``: the picture ID chosen; ``enter``: the code typed; ``confirm``: None.
    answer: str | None
    issued_at: datetime

    def to_claims(self) -> dict[str, Any]:
        return {
            "v": PROTOCOL_VERSION,
            "cid": self.challenge_id,
            "nonce": self.nonce,
            "decision": self.decision,
            "answer": self.answer,
            "iat": int(self.issued_at.timestamp()),
        }

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> ApprovalClaims:
        _version(claims)
        decision = claims.get("decision")
        if decision not in ("approve", "decline"):
            raise _bad("decision must be approve or decline")
        answer = claims.get("answer")
        if answer is not None and (not isinstance(answer, str) or len(answer) > 64):  # noqa: PLR2004
            raise _bad("answer must be a short string or null")
        nonce = claims.get("nonce")
        unb64url(nonce, what="nonce", max_bytes=64)
        assert isinstance(nonce, str)  # noqa: S101 - checked just above
        return cls(
            challenge_id=_id(claims.get("cid"), "cid"),
            nonce=nonce,
            decision=decision,
            answer=answer,
            issued_at=_time(claims.get("iat"), "iat"),
        )


RenewalDecision = Literal["accept", "decline"]


@attrs.frozen(kw_only=True)
class RenewalClaims:
    """The person's answer to "Update Profile", signed with the device's current key:
    ``accept`` (with a CSR when the policy asks for a new key, which the CSR then
    proves) or ``decline``. The decision is required: no decision is no renewal."""

    renewal_id: str
    nonce: str
    decision: RenewalDecision
    csr_der: bytes | None
    issued_at: datetime

    def to_claims(self) -> dict[str, Any]:
        return {
            "v": PROTOCOL_VERSION,
            "rid": self.renewal_id,
            "nonce": self.nonce,
            "decision": self.decision,
            "csr": None if self.csr_der is None else b64url(self.csr_der),
            "iat": int(self.issued_at.timestamp()),
        }

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> RenewalClaims:
        _version(claims)
        decision = claims.get("decision")
        if decision not in ("accept", "decline"):
            raise _bad("decision must be accept or decline")
        csr = claims.get("csr")
        nonce = claims.get("nonce")
        unb64url(nonce, what="nonce", max_bytes=64)
        assert isinstance(nonce, str)  # noqa: S101 - checked just above
        return cls(
            renewal_id=_id(claims.get("rid"), "rid"),
            nonce=nonce,
            decision=decision,
            csr_der=None if csr is None else unb64url(csr, what="csr"),
            issued_at=_time(claims.get("iat"), "iat"),
        )


@attrs.frozen(kw_only=True)
class PollClaims:
    """A device asks what waits for it (challenges, renewals, revocation)."""

    nonce: str
    issued_at: datetime

    def to_claims(self) -> dict[str, Any]:
        return {"v": PROTOCOL_VERSION, "nonce": self.nonce, "iat": int(self.issued_at.timestamp())}

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> PollClaims:
        _version(claims)
        nonce = claims.get("nonce")
        unb64url(nonce, what="nonce", max_bytes=64)
        assert isinstance(nonce, str)  # noqa: S101 - checked just above
        return cls(nonce=nonce, issued_at=_time(claims.get("iat"), "iat"))
