"""Compact JWS for the device protocol (RFC 7515), on joserfc.

Device keys are ECDSA P-256 (ES256, the default), P-384 (ES384) or Ed25519 (the
fully-specified ``Ed25519`` algorithm of RFC 9864, which deprecates ``EdDSA``).
Messages a device signs before it has a certificate carry its public key in the ``jwk``
header; later messages carry the certificate chain in ``x5c``. :func:`read` parses
without trusting anything; the caller picks the key (the one in ``jwk`` for enrollment,
the certificate's for everything else, after the chain was verified) and calls
:func:`verify`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from joserfc import jwk, jws
from joserfc.errors import JoseError

from softtoken.errors import AuthenticationError, ValidationError
from softtoken.protocol._json import DEFAULT_MAX_DEPTH, JsonRefused, check_depth, loads_bounded

__all__ = [
    "ALGORITHMS",
    "DevicePrivateKey",
    "DevicePublicKey",
    "SignedMessage",
    "algorithm_for",
    "public_jwk",
    "read",
    "read_signed_with_chain",
    "sign",
    "thumbprint",
    "verify",
]

DevicePrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
DevicePublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
ALGORITHMS = ("ES256", "ES384", "Ed25519")
#: Far above any real message (a CSR and a chain of three certificates fit in 8 KiB);
#: ``Policy.message_max_bytes``'s default.
MAX_MESSAGE_BYTES = 64 * 1024

#: The group orders of the ECDSA curves (SEC 2): a signature's ``s`` must be at most
#: half of it (low-S). ECDSA accepts ``s`` and ``n - s`` alike, so without this rule
#: anyone can turn one valid message into a second, different valid one (malleability).
_ORDERS = {
    "ES256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ES384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
}


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _low_s(token: str, algorithm: str) -> str:
    """``token`` with its ECDSA signature's ``s`` replaced by ``n - s`` when it is in
    the upper half: the same signature in the one form :func:`verify` accepts."""
    order = _ORDERS.get(algorithm)
    if order is None:
        return token
    signing_input, _, encoded = token.rpartition(".")
    raw = _unb64(encoded)
    half = len(raw) // 2
    r, value = raw[:half], int.from_bytes(raw[half:], "big")
    if value <= order // 2:
        return token
    return f"{signing_input}.{_b64(r + (order - value).to_bytes(half, 'big'))}"


def _is_low_s(token: str, algorithm: str) -> bool:
    order = _ORDERS.get(algorithm)
    if order is None:
        return True
    try:
        raw = _unb64(token.rpartition(".")[2])
    except ValueError:
        return False
    half = len(raw) // 2
    return 0 < int.from_bytes(raw[half:], "big") <= order // 2


class _Registry(jws.JWSRegistry):
    # joserfc caps headers at 512 bytes; an x5c chain of three certificates is ~3 KiB.
    max_header_length = 16 * 1024


def _registry(algorithms: Sequence[str]) -> jws.JWSRegistry:
    return _Registry(algorithms=algorithms)


def algorithm_for(key: DevicePrivateKey | DevicePublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "Ed25519"
    curve = key.curve
    if isinstance(curve, ec.SECP256R1):
        return "ES256"
    if isinstance(curve, ec.SECP384R1):
        return "ES384"
    raise ValidationError("device_key_not_allowed", field="key")


def _jose_key(key: DevicePrivateKey | DevicePublicKey) -> jwk.Key:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return jwk.OKPKey.import_key(key)
    return jwk.ECKey.import_key(key)


def public_jwk(key: DevicePrivateKey | DevicePublicKey) -> dict[str, Any]:
    public = key.public_key() if hasattr(key, "private_bytes") else key  # type: ignore[union-attr]
    return dict(_jose_key(public).as_dict(private=False))


def thumbprint(key: DevicePrivateKey | DevicePublicKey) -> str:
    """The RFC 7638 thumbprint of the public key, base64url: a stable device key ID."""
    public = key.public_key() if hasattr(key, "private_bytes") else key  # type: ignore[union-attr]
    return _jose_key(public).thumbprint()


def sign(
    claims: Mapping[str, Any],
    key: DevicePrivateKey,
    *,
    typ: str,
    chain: Sequence[x509.Certificate] = (),
) -> str:
    """Sign ``claims`` as compact JWS. With ``chain`` the header carries ``x5c`` (leaf
    first); without it, the public key as ``jwk``."""
    header: dict[str, Any] = {"alg": algorithm_for(key), "typ": typ}
    if chain:
        header["x5c"] = [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain
        ]
    else:
        header["jwk"] = public_jwk(key)
    payload = json.dumps(dict(claims), separators=(",", ":"), sort_keys=True).encode()
    token = jws.serialize_compact(header, payload, _jose_key(key), registry=_registry(ALGORITHMS))
    # ECDSA gives a high s half the time; the protocol takes only the low one (RFC 7518
    # leaves it open, the server closes it: see ``verify``).
    return _low_s(token, header["alg"])


@attrs.frozen(kw_only=True)
class SignedMessage:
    """A parsed, not yet verified, compact JWS."""

    token: str
    typ: str
    algorithm: str
    claims: Mapping[str, Any]
    chain: tuple[x509.Certificate, ...]
    embedded_key: DevicePublicKey | None
    #: joserfc's parsed form, kept so verification does not parse again.
    parsed: Any = attrs.field(repr=False, eq=False)


def _malformed(detail: str) -> ValidationError:
    return ValidationError("device_message_malformed", field="message", detail=detail)


def _chain(header: Mapping[str, Any]) -> tuple[x509.Certificate, ...]:
    raw = header.get("x5c")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw or len(raw) > 4:  # noqa: PLR2004 - leaf + CAs
        raise _malformed("x5c must be a list of one to four certificates")
    try:
        return tuple(
            x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in raw
        )
    except (ValueError, TypeError):
        raise _malformed("x5c holds something that is not a certificate") from None


def _embedded(header: Mapping[str, Any]) -> DevicePublicKey | None:
    raw = header.get("jwk")
    if raw is None:
        return None
    if not isinstance(raw, dict) or "d" in raw:
        raise _malformed("jwk must be a public key")
    try:
        key = jwk.import_key(raw)
    except (JoseError, ValueError, TypeError, KeyError):
        raise _malformed("jwk is not a usable key") from None
    public = key.public_key
    if not isinstance(public, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise _malformed("jwk is not an EC or Ed25519 key")
    return public


def read(
    token: object,
    *,
    expect_typ: str,
    max_bytes: int = MAX_MESSAGE_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> SignedMessage:
    """Parse a compact JWS of type ``expect_typ`` without verifying it. The whole
    message is at most ``max_bytes`` and its header and payload nest at most
    ``max_depth`` deep (``Policy.message_max_bytes``, ``Policy.json_max_depth``),
    checked before any JSON is parsed. A ``crit`` header is refused: the protocol
    defines no extension, and an empty list is invalid (RFC 7515 4.1.11).

    Raises:
        ValidationError: ``device_message_malformed`` for anything that is not one.
    """
    if not isinstance(token, str) or len(token) > max_bytes or token.count(".") != 2:  # noqa: PLR2004
        raise _malformed("not a compact JWS")
    try:
        encoded_header, encoded_payload, _ = token.split(".")
        # joserfc parses the header itself: its nesting is checked here first.
        check_depth(_unb64(encoded_header), max_depth=max_depth)
        payload = _unb64(encoded_payload)
        check_depth(payload, max_depth=max_depth)
    except JsonRefused as refused:
        raise _malformed(str(refused)) from None
    except (ValueError, UnicodeError):
        raise _malformed("not a compact JWS") from None
    try:
        parsed = jws.extract_compact(token.encode("ascii"), registry=_registry(ALGORITHMS))
        header = parsed.headers()
        claims = loads_bounded(parsed.payload, max_bytes=max_bytes, max_depth=max_depth)
    except (JoseError, ValueError, TypeError, UnicodeError):
        raise _malformed("not a compact JWS") from None
    if header.get("typ") != expect_typ:
        raise _malformed(f"expected a {expect_typ} message")
    if header.get("alg") not in ALGORITHMS:
        raise _malformed("unsupported algorithm")
    if "crit" in header:
        raise _malformed("crit: this protocol defines no JWS extension")
    if not isinstance(claims, dict):
        raise _malformed("the payload is not a JSON object")
    return SignedMessage(
        token=token,
        typ=expect_typ,
        algorithm=str(header["alg"]),
        claims=claims,
        chain=_chain(header),
        embedded_key=_embedded(header),
        parsed=parsed,
    )


def verify(message: SignedMessage, key: DevicePublicKey) -> None:
    """Check the signature with ``key``; the algorithm must be the key's own, and an
    ECDSA signature must be low-S (``s`` at most half the curve order).

    Raises:
        AuthenticationError: ``device_signature_invalid``.
    """
    try:
        expected = algorithm_for(key)
    except ValidationError:
        raise AuthenticationError("device_signature_invalid") from None
    if message.algorithm != expected:
        raise AuthenticationError("device_signature_invalid", detail="algorithm mismatch")
    if not _is_low_s(message.token, expected):
        raise AuthenticationError("device_signature_invalid", detail="high-S ECDSA signature")
    try:
        valid = jws.validate_compact(message.parsed, _jose_key(key), registry=_registry([expected]))
    except (JoseError, ValueError, TypeError):
        valid = False
    if not valid:
        raise AuthenticationError("device_signature_invalid")


def read_signed_with_chain(
    token: object,
    *,
    expect_typ: str,
    trust: Callable[[x509.Certificate], None],
    max_bytes: int = MAX_MESSAGE_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> tuple[SignedMessage, x509.Certificate]:
    """Parse a message that carries its certificate chain, check the leaf with ``trust``
    (the CA's chain check, which raises when the leaf is not ours), then the signature
    with the leaf's key. Returns the message and the leaf.

    Raises:
        ValidationError: ``device_message_malformed``.
        AuthenticationError: ``device_signature_invalid`` and whatever ``trust`` raises.
    """
    signed = read(token, expect_typ=expect_typ, max_bytes=max_bytes, max_depth=max_depth)
    if not signed.chain:
        raise AuthenticationError("device_signature_invalid", detail="no x5c header")
    leaf = signed.chain[0]
    trust(leaf)
    key = leaf.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise AuthenticationError("device_signature_invalid", detail="not a device key")
    verify(signed, key)
    return signed, leaf
