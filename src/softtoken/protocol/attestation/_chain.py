"""Certificate chains of platform attestations: decoding, checking to a pinned root, and
Google's attestation status list.

Both platforms hand the server a chain, leaf first, that ends at (Android) or just below
(Apple) a root the server pins. The checks are the same: every certificate parses, is
valid at ``now``, is signed by the next one (``verify_directly_issued_by``: the issuer
name and the signature, done by ``cryptography``), every issuer is a CA, and the top of
the chain is a pinned root or is signed by one. Roots are pinned by their public key, as
Google asks ("the root certificate is signed with the Google attestation root key"): a
re-issued root with the same key is the same root.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning

from softtoken.errors import AuthenticationError, ConfigurationError

__all__ = [
    "MAX_CHAIN_LENGTH",
    "StatusList",
    "decode_chain",
    "load_roots",
    "spki",
    "verify_chain",
]

#: Android chains are 3 to 5 certificates (leaf, attestation key, intermediates, root);
#: Apple's are 2. Anything longer is not an attestation.
MAX_CHAIN_LENGTH = 8
#: A DER certificate above this is not one a secure element produced.
_MAX_CERTIFICATE_BYTES = 8 * 1024

RootsSource = bytes | str | os.PathLike[str] | Sequence[x509.Certificate]


def _invalid(detail: str) -> AuthenticationError:
    return AuthenticationError("attestation_invalid", detail=detail)


def spki(key: object) -> bytes:
    """The DER SubjectPublicKeyInfo of a public key: how two keys are compared."""
    return key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_roots(source: RootsSource | None, *, packaged: str) -> tuple[x509.Certificate, ...]:
    """Root certificates from PEM bytes, a PEM file's path, or certificates; ``None``
    means the file shipped in the package under ``roots/<packaged>``.

    Raises:
        ConfigurationError: ``attestation_roots_invalid`` (no certificate in the source).
    """
    if source is None:
        data = resources.files(__package__).joinpath("roots", packaged).read_bytes()
    elif isinstance(source, bytes):
        data = source
    elif isinstance(source, str | os.PathLike):
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ConfigurationError("attestation_roots_invalid", detail=str(exc)) from None
    else:
        roots = tuple(source)
        if not roots:
            raise ConfigurationError("attestation_roots_invalid", detail="no root certificate")
        return roots
    try:
        roots = tuple(x509.load_pem_x509_certificates(data))
    except ValueError as exc:
        raise ConfigurationError("attestation_roots_invalid", detail=str(exc)) from None
    return roots


def decode_chain(value: object, *, encoding: str = "base64") -> list[x509.Certificate]:
    """A JSON ``x5c``-style list (standard base64 of DER, RFC 7515 4.1.6), or a list of
    DER byte strings (``encoding="der"``, as in CBOR), into certificates, leaf first."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_CHAIN_LENGTH:
        raise _invalid(f"the chain must be a list of 1 to {MAX_CHAIN_LENGTH} certificates")
    chain: list[x509.Certificate] = []
    for item in value:
        if encoding == "der":
            if not isinstance(item, bytes):
                raise _invalid("a certificate is not a byte string")
            der = item
        else:
            if not isinstance(item, str) or len(item) > _MAX_CERTIFICATE_BYTES * 2:
                raise _invalid("a certificate is not a base64 string")
            try:
                der = base64.b64decode(item, validate=True)
            except (binascii.Error, ValueError):
                raise _invalid("a certificate is not base64") from None
        if len(der) > _MAX_CERTIFICATE_BYTES:
            raise _invalid("a certificate is too large")
        try:
            # What cryptography still loads with a deprecation warning (a serial number
            # that is not positive, RFC 5280 4.1.2.2) is malformed here, not a warning.
            with warnings.catch_warnings():
                warnings.simplefilter("error", CryptographyDeprecationWarning)
                cert = x509.load_der_x509_certificate(der)
                # cryptography parses some fields only when they are read: read every
                # field the checks use now, so a malformed one is refused as malformed.
                _ = (cert.subject, cert.issuer, cert.extensions, cert.public_key())
                _ = (cert.not_valid_before_utc, cert.not_valid_after_utc, cert.serial_number)
        except (
            ValueError,
            UnsupportedAlgorithm,
            x509.InvalidVersion,
            CryptographyDeprecationWarning,
        ) as exc:
            raise _invalid(f"a certificate does not parse: {exc}") from None
        chain.append(cert)
    return chain


def _signed_by(subject: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        subject.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    return constraints.ca


def _check_validity(cert: x509.Certificate, now: datetime, what: str) -> None:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise AuthenticationError(
            "attestation_certificate_expired",
            detail=f"{what} is valid from {cert.not_valid_before_utc:%Y-%m-%d} "
            f"to {cert.not_valid_after_utc:%Y-%m-%d}",
        )


def verify_chain(
    chain: Sequence[x509.Certificate], roots: Iterable[x509.Certificate], *, now: datetime
) -> x509.Certificate:
    """Check ``chain`` (leaf first) up to one of ``roots``; return the root it reached.

    Raises:
        AuthenticationError: ``attestation_certificate_expired`` (a certificate is not
            valid at ``now``), ``attestation_signature_invalid`` (a link does not verify,
            or an issuer is not a CA), ``attestation_untrusted_root``.
    """
    for position, cert in enumerate(chain):
        _check_validity(cert, now, f"certificate {position}")
    for position, (subject, issuer) in enumerate(itertools.pairwise(chain)):
        if not _is_ca(issuer) or not _signed_by(subject, issuer):
            raise AuthenticationError(
                "attestation_signature_invalid",
                detail=f"certificate {position} is not signed by certificate {position + 1}",
            )
    top = chain[-1]
    pinned = {spki(root.public_key()): root for root in roots}
    if spki(top.public_key()) in pinned:
        # The chain carries a copy of a pinned root: its self-signature must hold.
        if not _signed_by(top, top):
            raise AuthenticationError("attestation_signature_invalid", detail="root signature")
        return pinned[spki(top.public_key())]
    for root in pinned.values():
        if _is_ca(root) and _signed_by(top, root):
            _check_validity(root, now, "the root")
            return root
    raise AuthenticationError("attestation_untrusted_root", detail=f"top issuer {top.issuer}")


@attrs.frozen(kw_only=True)
class StatusList:
    """Google's attestation status list ("certificate revocation status list"): the JSON
    file Google publishes, ``{"entries": {"<serial in lowercase hex>": {"status":
    "REVOKED" | "SUSPENDED", "reason": ...}}}``. Any listed serial in a chain refuses it:
    Google asks servers not to trust a suspended key either."""

    entries: Mapping[str, str]

    @classmethod
    def from_json(cls, data: bytes | str) -> StatusList:
        """Raises:
        ConfigurationError: ``attestation_status_list_invalid``.
        """
        try:
            document = json.loads(data)
            raw = document["entries"]
            entries = {
                str(serial).lower().lstrip("0") or "0": str(entry.get("status", "REVOKED"))
                for serial, entry in raw.items()
            }
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigurationError(
                "attestation_status_list_invalid", detail=f"not Google's status format: {exc}"
            ) from None
        return cls(entries=entries)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> StatusList:
        """The status list saved from Google's status endpoint, read from ``path``."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigurationError("attestation_status_list_invalid", detail=str(exc)) from None
        return cls.from_json(data)

    def check(self, chain: Sequence[x509.Certificate]) -> None:
        """Raises:
        AuthenticationError: ``attestation_revoked``.
        """
        for position, cert in enumerate(chain):
            serial = format(cert.serial_number, "x")
            status = self.entries.get(serial)
            if status is not None:
                raise AuthenticationError(
                    "attestation_revoked",
                    detail=f"certificate {position} (serial {serial}) is {status}",
                )
