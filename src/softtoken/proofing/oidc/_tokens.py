"""The pure checks of the code flow: the browser's callback, PKCE, the ID token.

Nothing here does I/O: the provider's answers, the keys and ``now`` come in; claims come
out, or a typed error naming the first check that failed. The ID token checks follow
OpenID Connect Core 1.0 section 3.1.3.7, in an order that reads nothing from a token
before its signature is verified: shape, algorithm, signature (joserfc), issuer,
audience, expiry and issue time (joserfc's claims registry), authorized party, age, nonce.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from joserfc import jwt
from joserfc.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from softtoken.errors import (
    AuthenticationError,
    ProviderUnavailable,
    StateError,
    ValidationError,
)

__all__ = [
    "MAX_TOKEN_BYTES",
    "check_id_token",
    "digest",
    "pkce_pair",
    "read_callback",
    "redeemed_code",
    "text_claim",
    "token_key_id",
]

MAX_TOKEN_BYTES = 16 * 1024
_MAX_CALLBACK_BYTES = 8 * 1024
_PKCE_LABEL = b"softtoken-oidc-pkce\x00"
#: Authorization errors (RFC 6749 4.1.2.1; Core 3.1.2.6) that mean the provider is
#: down for now rather than that the request was wrong.
_UNAVAILABLE = frozenset({"server_error", "temporarily_unavailable"})


def digest(value: str) -> str:
    """What the portal keeps instead of a ``state`` or ``nonce``: SHA-256, hex."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def pkce_pair(key: bytes, state: str) -> tuple[str, str]:
    """The PKCE ``code_verifier`` for ``state`` and its S256 ``code_challenge``
    (RFC 7636 4.1-4.2). The verifier is an HMAC of the state under a key only the portal
    holds: 256 bits the browser never sees, so the portal need not store it."""
    verifier = _b64(hmac.new(key, _PKCE_LABEL + state.encode("utf-8"), hashlib.sha256).digest())
    challenge = _b64(hashlib.sha256(verifier.encode("ascii")).digest())
    return verifier, challenge


def _malformed(detail: str, field: str = "callback") -> ValidationError:
    return ValidationError("proofing_malformed", field=field, detail=detail)


def read_callback(evidence: object) -> dict[str, str]:
    """The authorization response's parameters from what the portal passed in: a mapping
    (the request's query parameters), a query string, or the whole callback URL.

    Raises:
        ValidationError: ``proofing_malformed`` (no ``state``, a parameter twice, too long).
    """
    if isinstance(evidence, bytes):
        evidence = evidence.decode("utf-8", "replace")
    if isinstance(evidence, str):
        if len(evidence) > _MAX_CALLBACK_BYTES:
            raise _malformed("callback too long")
        query = urlsplit(evidence).query if "?" in evidence else evidence.lstrip("?")
        pairs: list[tuple[str, object]] = list(parse_qsl(query, keep_blank_values=True))
    elif isinstance(evidence, Mapping):
        pairs = [(str(k), v) for k, v in evidence.items()]
    else:
        raise _malformed("not the callback's parameters")
    params: dict[str, str] = {}
    for name, raw in pairs:
        # A framework's multi-dict gives lists: one value each, or the request is refused.
        value = raw[0] if isinstance(raw, list | tuple) and len(raw) == 1 else raw
        if not isinstance(value, str) or name in params or len(value) > _MAX_CALLBACK_BYTES:
            raise _malformed(f"parameter {name!r} is not one text value")
        params[name] = value
    if not params.get("state"):
        raise _malformed("no state")
    return params


def redeemed_code(params: Mapping[str, str], *, issuer: str, iss_required: bool) -> str:
    """The authorization code of a callback, after its error and ``iss`` checks.

    Raises:
        StateError: ``proofing_access_denied`` (the person said no or cancelled).
        ProviderUnavailable: the provider reported ``server_error`` or
            ``temporarily_unavailable``.
        AuthenticationError: ``proofing_provider_error`` (any other error),
            ``proofing_wrong_issuer`` (RFC 9207: an answer from another provider).
        ValidationError: ``proofing_malformed`` (no code).
    """
    error = params.get("error")
    iss = params.get("iss")
    if iss is not None and iss != issuer:
        raise AuthenticationError("proofing_wrong_issuer", detail="callback iss parameter")
    if error is not None:
        detail = f"{error}: {params.get('error_description', '')}"[:200]
        if error == "access_denied":
            raise StateError("proofing_access_denied", detail=detail)
        if error in _UNAVAILABLE:
            raise ProviderUnavailable(detail=detail)
        raise AuthenticationError("proofing_provider_error", detail=detail)
    if iss is None and iss_required:
        raise AuthenticationError("proofing_wrong_issuer", detail="callback without iss")
    code = params.get("code")
    if not code:
        raise _malformed("no code")
    return code


def _parts(token: object) -> tuple[str, dict[str, object]]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
        raise _malformed("the ID token is not a compact JWS", field="id_token")
    parts = token.split(".")
    if len(parts) != 3:  # noqa: PLR2004 - header, payload, signature (a JWE has 5)
        raise _malformed("the ID token is not a compact JWS", field="id_token")
    try:
        raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _malformed("the ID token's header is not JSON", field="id_token") from None
    if not isinstance(header, dict):
        raise _malformed("the ID token's header is not a JSON object", field="id_token")
    return token, header


def token_key_id(token: object) -> str | None:
    """The ``kid`` an ID token names, read before any check (to pick or fetch keys)."""
    kid = _parts(token)[1].get("kid")
    return kid if isinstance(kid, str) else None


_CLAIM_CODES = {"iss": "proofing_wrong_issuer", "aud": "proofing_wrong_audience"}


def check_id_token(
    token: object,
    *,
    keys: KeySet,
    algorithms: tuple[str, ...],
    issuer: str,
    client_id: str,
    nonce_sha256: str,
    now: datetime,
    skew: timedelta,
    max_age: timedelta,
) -> dict[str, object]:
    """Check an ID token (Core 3.1.3.7) and return its claims.

    Raises:
        ValidationError: ``proofing_malformed``.
        AuthenticationError: ``proofing_bad_signature`` (forged, another key, an
            algorithm not allowed, ``none``), ``proofing_wrong_issuer``,
            ``proofing_wrong_audience`` (another client, extra audiences, ``azp``),
            ``proofing_assertion_expired`` (``exp`` passed, or issued longer ago than
            ``max_age``), ``proofing_nonce_mismatch``.
    """
    text, header = _parts(token)
    if header.get("alg") not in algorithms:
        raise AuthenticationError("proofing_bad_signature", detail="algorithm not allowed")
    try:
        decoded = jwt.decode(text, keys, algorithms=list(algorithms))
    except InvalidKeyIdError:
        raise AuthenticationError("proofing_bad_signature", detail="unknown key") from None
    except JoseError as error:
        raise AuthenticationError("proofing_bad_signature", detail=error.error) from None
    claims: dict[str, object] = dict(decoded.claims)
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=int(skew.total_seconds()),
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise AuthenticationError("proofing_assertion_expired") from None
    except (ClaimError, MissingClaimError) as error:
        code = _CLAIM_CODES.get(error.claim)
        if code is None:
            raise _malformed(error.description, field="id_token") from None
        raise AuthenticationError(code) from None
    _check_audience(claims, client_id)
    issued = claims["iat"]
    assert isinstance(issued, int | float)  # noqa: S101 - the registry checked it
    if now.timestamp() - issued > (max_age + skew).total_seconds():
        raise AuthenticationError("proofing_assertion_expired", detail="iat too old")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(digest(nonce), nonce_sha256):
        raise AuthenticationError("proofing_nonce_mismatch")
    return claims


def _check_audience(claims: Mapping[str, object], client_id: str) -> None:
    # Core 3.1.3.7 items 3-5: the client must be the audience, with no audience it does
    # not trust; azp, when present, must be the client.
    aud = claims["aud"]
    audiences = [aud] if isinstance(aud, str) else aud
    assert isinstance(audiences, list)  # noqa: S101 - the registry checked it
    if any(a != client_id for a in audiences):
        raise AuthenticationError("proofing_wrong_audience", detail="an untrusted audience")
    azp = claims.get("azp")
    if azp is not None and azp != client_id:
        raise AuthenticationError("proofing_wrong_audience", detail="azp is another client")


def text_claim(claims: Mapping[str, object], name: str, *, optional: bool = False) -> str | None:
    """A claim that must be a short non-empty text (or absent when ``optional``)."""
    value = claims.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:  # noqa: PLR2004
        raise _malformed(f"claim {name!r} missing or not text", field="claims")
    return value.strip()
