"""The Pao Tang identity assertion: a compact JWS (ES256) the wallet sends to the
portal's callback after the person scanned the QR code and confirmed in the app.

Claims (all required unless marked optional)::

    iss                  the provider, equal to the configured issuer
    aud                  the portal's client ID at the provider
    nonce                the one-time nonce of the QR code
    iat, exp             seconds since the epoch; exp - iat at most 10 minutes
    jti                  the provider's transaction ID (the evidence reference)
    sub                  the proven 13-digit citizen ID
    given_name, family_name            names in Thai, as on the ID card
    given_name_en, family_name_en      names in English (optional)
    ial                  "ial1", "ial2" or "ial3" (optional; absent means ial1, the
                         lowest: an assurance nobody stated is never assumed)
    verification_status  "verified", or "awaiting_verification" (manual chapter 1 D)

:func:`check_assertion` is pure: the token, the keys, what was expected and ``now`` in;
a :class:`VerifiedIdentity` out, or a typed error naming the first check that failed.
The checks run in this order so that nothing is read from an unauthenticated token:
shape, signature, issuer, audience, nonce, times, wallet status, citizen ID.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import AuthenticationError, StateError, ValidationError
from softtoken.proofing._result import AssuranceLevel, VerifiedIdentity
from softtoken.protocol._json import DEFAULT_MAX_DEPTH, JsonRefused, loads_bounded

__all__ = [
    "ALGORITHMS",
    "MAX_ASSERTION_BYTES",
    "check_assertion",
    "nonce_digest",
    "unverified_claims",
]

ALGORITHMS = ("ES256",)
MAX_ASSERTION_BYTES = 16 * 1024
_MAX_LIFETIME = timedelta(minutes=10)


def nonce_digest(nonce: str) -> str:
    """What the portal keeps instead of the nonce: SHA-256, hex."""
    return hashlib.sha256(nonce.encode("utf-8")).hexdigest()


def _malformed(detail: str) -> ValidationError:
    return ValidationError("proofing_malformed", field="assertion", detail=detail)


def _b64(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise _malformed("not base64url") from None


def _split(token: object) -> tuple[dict[str, object], dict[str, object]]:
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    if not isinstance(token, str) or len(token) > MAX_ASSERTION_BYTES:
        raise _malformed("not a compact JWS")
    parts = token.strip().split(".")
    if len(parts) != 3:  # noqa: PLR2004 - header, payload, signature
        raise _malformed("not a compact JWS")
    try:
        # Depth checked before parsing: hostile nesting must not raise RecursionError.
        header, claims = (
            loads_bounded(_b64(part), max_bytes=MAX_ASSERTION_BYTES, max_depth=DEFAULT_MAX_DEPTH)
            for part in parts[:2]
        )
    except JsonRefused as refused:
        raise _malformed(str(refused)) from None
    except (UnicodeDecodeError, ValueError):
        raise _malformed("header or claims are not JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _malformed("header or claims are not JSON objects")
    return header, claims


def unverified_claims(token: object) -> dict[str, object]:
    """The claims, *not* authenticated: only to find which proofing a token is for."""
    return _split(token)[1]


def _verify_signature(token: str, header: Mapping[str, object], keys: Sequence[ECKey]) -> None:
    if header.get("alg") not in ALGORITHMS:
        raise AuthenticationError("proofing_bad_signature", detail="algorithm not allowed")
    kid = header.get("kid")
    candidates = [k for k in keys if kid is None or k.kid is None or k.kid == kid]
    for key in candidates:
        try:
            jws.deserialize_compact(token, key, algorithms=list(ALGORITHMS))
        except JoseError:
            continue
        return
    raise AuthenticationError("proofing_bad_signature")


def _text(claims: Mapping[str, object], name: str, *, optional: bool = False) -> str | None:
    value = claims.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:  # noqa: PLR2004
        raise _malformed(f"claim {name!r} missing or not text")
    return value.strip()


def _seconds(claims: Mapping[str, object], name: str) -> datetime:
    value = claims.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _malformed(f"claim {name!r} missing or not an integer")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise _malformed(f"claim {name!r} out of range") from None


def check_assertion(
    token: object,
    *,
    keys: Sequence[ECKey],
    issuer: str,
    audience: str,
    nonce_sha256: str,
    citizen_id: CitizenId,
    provider: str,
    now: datetime,
    leeway: timedelta = timedelta(seconds=60),
) -> VerifiedIdentity:
    """Check a Pao Tang assertion and return who it proves.

    Raises:
        ValidationError: ``proofing_malformed``.
        AuthenticationError: ``proofing_bad_signature`` (forged or another key),
            ``proofing_wrong_issuer``, ``proofing_wrong_audience``,
            ``proofing_nonce_mismatch``, ``proofing_assertion_expired``.
        StateError: ``proofing_wallet_unverified`` (the holder is "awaiting further
            verification": finish it in the app or at a bank branch),
            ``proofing_citizen_mismatch`` (another person than the one entered at step 1).
    """
    header, claims = _split(token)
    assert isinstance(token, str | bytes)  # noqa: S101 - _split refused anything else
    _verify_signature(token if isinstance(token, str) else token.decode(), header, keys)
    if claims.get("iss") != issuer:
        raise AuthenticationError("proofing_wrong_issuer")
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and aud == [audience])):
        raise AuthenticationError("proofing_wrong_audience")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce_digest(nonce), nonce_sha256):
        raise AuthenticationError("proofing_nonce_mismatch")
    issued, expires = _seconds(claims, "iat"), _seconds(claims, "exp")
    if expires - issued > _MAX_LIFETIME or issued > now + leeway:
        raise _malformed("iat/exp out of bounds")
    if now >= expires + leeway:
        raise AuthenticationError("proofing_assertion_expired")
    status = claims.get("verification_status")
    if status == "awaiting_verification":
        raise StateError("proofing_wallet_unverified")
    if status != "verified":
        raise _malformed("verification_status is not known")
    sub = _text(claims, "sub")
    if sub != citizen_id.value:
        raise StateError("proofing_citizen_mismatch")
    # A missing level is the lowest one: assuming IAL2 let an assertion that said nothing
    # pass ``approve_when_assured(IAL2)`` (issue 12, L7).
    raw_level = claims.get("ial")
    try:
        level = AssuranceLevel.IAL1 if raw_level is None else AssuranceLevel(str(raw_level))
    except ValueError:
        raise _malformed("ial is not known") from None
    first, last = _text(claims, "given_name"), _text(claims, "family_name")
    assert first is not None  # noqa: S101 - guaranteed above
    assert last is not None  # noqa: S101 - guaranteed above
    return VerifiedIdentity(
        citizen_id=citizen_id,
        first_name=first,
        last_name=last,
        first_name_en=_text(claims, "given_name_en", optional=True),
        last_name_en=_text(claims, "family_name_en", optional=True),
        assurance_level=level,
        provider=provider,
        evidence_reference=f"{provider}:{_text(claims, 'jti')}",
        verified_at=now,
    )
