"""Certificate profiles (RFC 5280), as pure functions that return unsigned builders.

* Device certificate: subject ``CN=<user ID>`` (never the citizen ID), a random serial,
  validity from the policy (2 years, manual chapter 6) capped at the issuing CA's own end,
  ``keyUsage`` digitalSignature (critical), ``extendedKeyUsage`` clientAuth, subject and
  authority key identifiers, and the CRL distribution point and OCSP URL when the
  deployment publishes them.
* CA certificates: a self-signed root and an issuing CA under it (``pathLen`` 0).
* Delegated OCSP responder: ``extendedKeyUsage`` OCSPSigning and ``id-pkix-ocsp-nocheck``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPublicKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from softtoken._clock import utc

__all__ = [
    "ca_certificate_builder",
    "device_certificate_builder",
    "device_subject",
    "ocsp_responder_builder",
    "random_serial",
]


def random_serial(bits: int) -> int:
    """A positive serial of ``bits`` random bits (64 to 159: at least 64 bits of entropy,
    at most 20 octets once DER-encoded, RFC 5280 4.1.2.2)."""
    if not 64 <= bits <= 159:  # noqa: PLR2004
        msg = "serial bits must be between 64 and 159"
        raise ValueError(msg)
    while True:
        serial = secrets.randbits(bits)
        if serial:
            return serial


def _key_usage(*, digital_signature: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def device_subject(user_id: str, organization: str | None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, user_id)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _organization(name: x509.Name) -> str | None:
    found = name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(found[0].value) if found else None


def _end_entity(
    builder: x509.CertificateBuilder,
    *,
    public_key: CertificatePublicKeyTypes,
    issuer: x509.Certificate,
    serial: int,
    now: datetime,
    validity: timedelta,
) -> x509.CertificateBuilder:
    now = utc(now)
    not_after = min(now + validity, issuer.not_valid_after_utc)
    issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        builder.issuer_name(issuer.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
            critical=False,
        )
    )


def device_certificate_builder(
    *,
    user_id: str,
    public_key: CertificatePublicKeyTypes,
    issuer: x509.Certificate,
    serial: int,
    now: datetime,
    validity: timedelta,
    crl_url: str | None = None,
    ocsp_url: str | None = None,
) -> x509.CertificateBuilder:
    """The unsigned device certificate for ``user_id``'s key; the CA signs it."""
    builder = _end_entity(
        x509.CertificateBuilder().subject_name(
            device_subject(user_id, _organization(issuer.subject))
        ),
        public_key=public_key,
        issuer=issuer,
        serial=serial,
        now=now,
        validity=validity,
    )
    builder = builder.add_extension(_key_usage(digital_signature=True), critical=True)
    builder = builder.add_extension(
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
    )
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    if ocsp_url:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    return builder


def ca_certificate_builder(
    *,
    subject: x509.Name,
    public_key: CertificateIssuerPublicKeyTypes,
    issuer: x509.Certificate | None,
    serial: int,
    now: datetime,
    validity: timedelta,
    path_length: int | None,
) -> x509.CertificateBuilder:
    """A CA certificate: self-signed when ``issuer`` is None, else issued by ``issuer``."""
    now = utc(now)
    issuer_name = subject if issuer is None else issuer.subject
    not_after = now + validity
    if issuer is None:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key)
    else:
        not_after = min(not_after, issuer.not_valid_after_utc)
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(digital_signature=True, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(aki, critical=False)
    )


def ocsp_responder_builder(
    *,
    public_key: CertificatePublicKeyTypes,
    issuer: x509.Certificate,
    serial: int,
    now: datetime,
    validity: timedelta,
) -> x509.CertificateBuilder:
    """A delegated OCSP responder (RFC 6960 4.2.2.2), issued by the issuing CA. It
    carries ``id-pkix-ocsp-nocheck``: clients do not check its own revocation, so keep
    its validity short (days) and rotate it."""
    cn = f"{issuer.subject.rfc4514_string()} OCSP responder"[:64]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = _end_entity(
        x509.CertificateBuilder().subject_name(name),
        public_key=public_key,
        issuer=issuer,
        serial=serial,
        now=now,
        validity=validity,
    )
    return (
        builder.add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
    )
