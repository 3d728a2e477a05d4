"""Apple App Attest: the ``apple-appattest`` verifier.

An iOS app makes an App Attest key (``DCAppAttestService.generateKey``) and asks Apple to
attest it for a ``clientDataHash`` of its choosing (``attestKey``). It gets back a CBOR
attestation object: ``{"fmt": "apple-appattest", "attStmt": {"x5c": [credCert,
intermediate], "receipt": ...}, "authData": ...}``. The server follows Apple's
"Validating apps that connect to your server", steps 1 to 9:

1. ``x5c`` chains to Apple's App Attestation root CA (shipped in the package);
2-4. ``nonce = SHA-256(authData || clientDataHash)`` equals the credCert extension
   1.2.840.113635.100.8.2 (``SEQUENCE { [1] EXPLICIT OCTET STRING }``);
5. the key ID is the SHA-256 of credCert's public key (the uncompressed EC point);
6. ``authData.rpIdHash`` is SHA-256 of ``<team ID>.<bundle ID>`` (the App ID);
7. the counter is 0;
8. the aaguid is ``appattestdevelop`` (development) or ``appattest`` and seven zero bytes
   (production);
9. the credential ID is the key ID.

An App Attest key signs only assertions, never a JWS, so it is not the device key the
enrollment certifies. The app binds the two by attesting for the client data
``challenge || <the device key's RFC 7638 thumbprint>``: see :func:`app_attest_client_data`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import attrs
import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyasn1.codec.der import decoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import univ

from softtoken.errors import AuthenticationError
from softtoken.protocol._jws import DevicePublicKey, thumbprint
from softtoken.protocol.attestation._chain import (
    RootsSource,
    decode_chain,
    load_roots,
    verify_chain,
)
from softtoken.protocol.attestation._port import AttestationResult, device_id_for

__all__ = [
    "NONCE_OID",
    "AppAttestStatement",
    "AppleAppAttestation",
    "app_attest_client_data",
]

NONCE_OID = x509.ObjectIdentifier("1.2.840.113635.100.8.2")
_AAGUIDS = {"development": b"appattestdevelop", "production": b"appattest" + bytes(7)}
#: An attestation object is about 5.5 KB; far larger is not one.
_MAX_OBJECT_BYTES = 64 * 1024
_RP_ID_HASH, _FLAGS, _COUNTER, _AAGUID, _CRED_LEN = 32, 1, 4, 16, 2
_CHAIN_LENGTH = 2

Environment = Literal["development", "production"]


def _invalid(detail: str) -> AuthenticationError:
    return AuthenticationError("attestation_invalid", detail=detail)


def app_attest_client_data(challenge: bytes, public_key: DevicePublicKey) -> bytes:
    """What the app passes to ``attestKey`` as client data (hashed with SHA-256): the
    activation's attestation challenge followed by the enrolling key's thumbprint, so
    the attestation vouches for this activation *and* this device key."""
    return challenge + thumbprint(public_key).encode("ascii")


@attrs.frozen(kw_only=True)
class AppAttestStatement:
    """What a verified attestation object proves: the App Attest key (to check later
    assertions with), its ID, the receipt (for Apple's fraud metric service) and the
    environment it was made in."""

    key_id: bytes
    public_key: ec.EllipticCurvePublicKey
    receipt: bytes = attrs.field(repr=False)
    environment: Environment


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str) or len(value) > _MAX_OBJECT_BYTES * 2:
        raise _invalid(f"{what} is not a base64 string")
    try:
        # Apple's APIs hand over standard base64; URL-safe is accepted too.
        return base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(f"{what} is not base64") from None


def _nonce_of(cert: x509.Certificate) -> bytes:
    try:
        extension = cert.extensions.get_extension_for_oid(NONCE_OID).value
    except x509.ExtensionNotFound:
        raise _invalid("credCert has no nonce extension") from None
    assert isinstance(extension, x509.UnrecognizedExtension)  # noqa: S101 - not parsed by cryptography
    try:
        value, rest = decoder.decode(extension.value)
        inner = value[0]
    except (PyAsn1Error, ValueError, TypeError, IndexError):
        raise _invalid("the nonce extension is malformed") from None
    # Decoded without a schema, the SEQUENCE comes back as a SequenceOf.
    shaped = isinstance(value, univ.Sequence | univ.SequenceOf) and len(value) == 1
    tag = inner.tagSet[-1]
    if rest or not shaped or not isinstance(inner, univ.OctetString) or tag.tagId != 1:
        raise _invalid("the nonce extension is malformed")
    return bytes(inner)


class AppleAppAttestation:
    """The ``apple-appattest`` verifier. Evidence: ``{"fmt": "apple-appattest",
    "key_id": <base64 key ID>, "attestation": <base64 CBOR attestation object>}``.

    Args:
        team_id: the Apple Developer team ID (10 characters).
        bundle_id: the app's bundle ID; with the team ID it makes the App ID.
        environment: ``production`` (App Store, TestFlight) or ``development``.
        roots: Apple's App Attestation root CA; by default the file shipped in the package.
    """

    format = "apple-appattest"

    def __init__(
        self,
        *,
        team_id: str,
        bundle_id: str,
        environment: Environment = "production",
        roots: RootsSource | None = None,
    ) -> None:
        self.app_id = f"{team_id}.{bundle_id}"
        self.environment: Environment = environment
        self.roots = load_roots(roots, packaged="apple-app-attestation-root.pem")

    def verify(
        self,
        evidence: Mapping[str, Any],
        *,
        public_key: DevicePublicKey,
        platform: str,
        challenge: bytes,
        now: datetime,
    ) -> AttestationResult:
        """Raises: as :meth:`verify_object`; ``attestation_invalid`` for evidence that is
        not this format or comes from another platform."""
        if platform != "ios":
            raise _invalid(f"apple-appattest evidence from platform {platform!r}")
        client_data = app_attest_client_data(challenge, public_key)
        self.verify_object(
            _b64(evidence.get("attestation"), "attestation"),
            key_id=_b64(evidence.get("key_id"), "key_id"),
            client_data_hash=hashlib.sha256(client_data).digest(),
            now=now,
        )
        return AttestationResult(
            format=self.format,
            trust="hardware",
            device_id=device_id_for(public_key),
            security_level="secure_enclave",
        )

    def verify_object(
        self, attestation: bytes, *, key_id: bytes, client_data_hash: bytes, now: datetime
    ) -> AppAttestStatement:
        """Check an attestation object (steps 1 to 9 above).

        Raises:
            AuthenticationError: ``attestation_invalid``, ``attestation_certificate_expired``,
                ``attestation_signature_invalid``, ``attestation_untrusted_root``,
                ``attestation_challenge_mismatch`` (the nonce), ``attestation_key_mismatch``
                (the key ID), ``attestation_app_mismatch`` (the App ID or environment).
        """
        statement, auth_data = self._decode(attestation)
        chain = decode_chain(statement.get("x5c"), encoding="der")
        if len(chain) != _CHAIN_LENGTH:
            raise _invalid("x5c must hold credCert and the intermediate")
        verify_chain(chain, self.roots, now=now)
        credential = chain[0]
        nonce = hashlib.sha256(auth_data + client_data_hash).digest()
        if not hmac.compare_digest(_nonce_of(credential), nonce):
            raise AuthenticationError("attestation_challenge_mismatch")
        key = credential.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise _invalid("credCert does not hold an EC key")
        point = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        if not hmac.compare_digest(hashlib.sha256(point).digest(), key_id):
            raise AuthenticationError("attestation_key_mismatch", detail="key ID")
        self._check_auth_data(auth_data, key_id)
        receipt = statement.get("receipt")
        if not isinstance(receipt, bytes):
            raise _invalid("attStmt has no receipt")
        return AppAttestStatement(
            key_id=key_id, public_key=key, receipt=receipt, environment=self.environment
        )

    @staticmethod
    def _decode(attestation: bytes) -> tuple[Mapping[str, Any], bytes]:
        if len(attestation) > _MAX_OBJECT_BYTES:
            raise _invalid("the attestation object is too large")
        try:
            document = cbor2.loads(attestation)
        except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError):
            raise _invalid("the attestation object is not CBOR") from None
        if not isinstance(document, dict) or document.get("fmt") != "apple-appattest":
            raise _invalid("fmt is not apple-appattest")
        statement, auth_data = document.get("attStmt"), document.get("authData")
        if not isinstance(statement, dict) or not isinstance(auth_data, bytes):
            raise _invalid("attStmt or authData missing")
        return statement, auth_data

    def _check_auth_data(self, auth_data: bytes, key_id: bytes) -> None:
        # The layout (WebAuthn 6.1): the RP ID hash, 32 bytes; flags, 1; the counter, 4;
        # then the attested credential data: aaguid, 16; the ID length, 2; the ID.
        head = _RP_ID_HASH + _FLAGS + _COUNTER + _AAGUID + _CRED_LEN
        if len(auth_data) < head:
            raise _invalid("authData is too short")
        rp_id_hash = auth_data[:_RP_ID_HASH]
        if not hmac.compare_digest(rp_id_hash, hashlib.sha256(self.app_id.encode()).digest()):
            raise AuthenticationError("attestation_app_mismatch", detail="App ID")
        at = _RP_ID_HASH + _FLAGS
        if int.from_bytes(auth_data[at : at + _COUNTER], "big") != 0:
            raise _invalid("the counter of a new key is not 0")
        at += _COUNTER
        if auth_data[at : at + _AAGUID] != _AAGUIDS[self.environment]:
            raise AuthenticationError(
                "attestation_app_mismatch", detail=f"not a {self.environment} key"
            )
        at += _AAGUID
        length = int.from_bytes(auth_data[at : at + _CRED_LEN], "big")
        at += _CRED_LEN
        if not hmac.compare_digest(auth_data[at : at + length], key_id):
            raise AuthenticationError("attestation_key_mismatch", detail="credential ID")
