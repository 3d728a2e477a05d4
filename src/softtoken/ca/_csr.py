"""Checking a device's certificate signing request (PKCS#10), as a pure function.

A CSR is accepted only when it is readable, small, self-signed by the key it carries
(proof of possession), carries a key type the policy allows, and asks for no
extensions (the CA alone chooses them; a CSR asking for ``CA:TRUE`` or a server name
is refused outright rather than silently trimmed). The CSR's subject is ignored: the
certificate's subject is the user ID the portal names.
"""

from __future__ import annotations

import hashlib

import attrs
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from softtoken.errors import ValidationError
from softtoken.policy import Policy

__all__ = [
    "MAX_CSR_BYTES",
    "CheckedCsr",
    "DevicePublicKey",
    "check_device_key",
    "device_key_type",
    "key_fingerprint",
    "parse_csr",
]

#: A P-384 or RSA-4096 CSR in PEM is well under 4 KiB; anything near this is not a CSR.
MAX_CSR_BYTES = 16 * 1024

DevicePublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey

#: What cryptography raises on bytes it cannot read; anything else would be our bug.
_UNREADABLE = (
    ValueError,
    TypeError,
    UnsupportedAlgorithm,
    x509.DuplicateExtension,
    x509.InvalidVersion,
    x509.UnsupportedGeneralNameType,
)


@attrs.frozen(kw_only=True)
class CheckedCsr:
    """A CSR that passed every check, and what the CA needs from it."""

    csr: x509.CertificateSigningRequest
    public_key: DevicePublicKey
    key_type: str
    key_fingerprint: str


def device_key_type(public_key: object) -> str | None:
    """``ec-p256``, ``ec-p384``, ``ed25519``, ``rsa-<bits>``, or None for anything else."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "ec-p256", "secp384r1": "ec-p384"}.get(public_key.curve.name)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa-{public_key.key_size}"
    return None


def check_device_key(public_key: object, policy: Policy, *, field: str = "csr") -> str:
    """The key's type if ``policy`` allows it for a device (standards: P-256 or Ed25519,
    P-384 allowed; RSA only when ``allow_rsa_device_keys`` and ``rsa_min_bits``).

    Raises:
        ValidationError: ``csr_key_not_allowed`` (``detail`` says which type).
    """
    kind = device_key_type(public_key)
    if kind is not None and kind.startswith("rsa-"):
        assert isinstance(public_key, rsa.RSAPublicKey)  # noqa: S101 - from device_key_type
        if policy.allow_rsa_device_keys and public_key.key_size >= policy.rsa_min_bits:
            return kind
    elif kind is not None and kind in policy.device_key_types:
        return kind
    raise ValidationError("csr_key_not_allowed", field=field, detail=f"key type {kind or 'other'}")


def key_fingerprint(public_key: DevicePublicKey) -> str:
    """SHA-256 of the SubjectPublicKeyInfo, in hex: the same key always gives the same
    fingerprint, whatever certificate or CSR carries it."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def _load(data: bytes) -> x509.CertificateSigningRequest:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_csr(data)
    return x509.load_der_x509_csr(data)


def parse_csr(data: object, *, policy: Policy) -> CheckedCsr:
    """Read and check a CSR given as PEM (``str`` or ``bytes``) or DER (``bytes``).

    Raises:
        ValidationError: on field ``csr``, with code ``csr_too_large``,
            ``csr_malformed``, ``csr_bad_signature``, ``csr_key_not_allowed`` or
            ``csr_extensions_not_allowed``.
    """
    if isinstance(data, str):
        if len(data) > MAX_CSR_BYTES:
            raise ValidationError("csr_too_large", field="csr")
        try:
            data = data.encode("ascii")
        except UnicodeEncodeError:
            raise ValidationError("csr_malformed", field="csr", detail="not ASCII PEM") from None
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValidationError("csr_malformed", field="csr", detail="give PEM or DER bytes")
    raw = bytes(data)
    if len(raw) > MAX_CSR_BYTES:
        raise ValidationError("csr_too_large", field="csr")
    try:
        csr = _load(raw)
        public_key = csr.public_key()
        signature_ok = csr.is_signature_valid
        extensions = csr.extensions
    except _UNREADABLE as error:
        raise ValidationError("csr_malformed", field="csr", detail=type(error).__name__) from None
    if not isinstance(public_key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
                      | rsa.RSAPublicKey):  # fmt: skip
        raise ValidationError("csr_key_not_allowed", field="csr", detail="key type other")
    # Refuse the key before trusting its signature: a weak key proves nothing.
    kind = check_device_key(public_key, policy)
    if not signature_ok:
        raise ValidationError("csr_bad_signature", field="csr")
    if len(extensions) > 0:
        names = ", ".join(e.oid.dotted_string for e in extensions)
        raise ValidationError("csr_extensions_not_allowed", field="csr", detail=names)
    return CheckedCsr(
        csr=csr, public_key=public_key, key_type=kind, key_fingerprint=key_fingerprint(public_key)
    )
