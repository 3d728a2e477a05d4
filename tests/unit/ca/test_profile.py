"""The device certificate profile, serials, and the reason table of standards.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from softtoken.ca import SELF_REVOCATION_REASONS, RevocationReason
from softtoken.ca._profile import device_certificate_builder, random_serial
from softtoken.testing import make_test_authority

from ...helpers.ca import device_key

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _issue(**kwargs: object) -> x509.Certificate:
    authority = make_test_authority(now=NOW)
    key = device_key()
    fields: dict[str, object] = {
        "user_id": "T05005000000201",
        "public_key": key.public_key(),
        "issuer": authority.issuing,
        "serial": random_serial(159),
        "now": NOW,
        "validity": timedelta(days=730),
        "crl_url": "https://portal.example/ca/crl",
        "ocsp_url": "https://portal.example/ca/ocsp",
        **kwargs,
    }
    return authority.key.sign_certificate(device_certificate_builder(**fields))  # type: ignore[arg-type]


def test_device_profile() -> None:
    cert = _issue()
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "T05005000000201"
    assert cert.not_valid_before_utc == NOW
    assert cert.not_valid_after_utc == NOW + timedelta(days=730)
    ext = cert.extensions
    ku = ext.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert ku.value.digital_signature
    assert not ku.value.key_cert_sign
    assert list(ext.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    assert ext.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert ext.get_extension_for_class(x509.SubjectKeyIdentifier).value == (
        x509.SubjectKeyIdentifier.from_public_key(cert.public_key())
    )
    assert ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    crldp = ext.get_extension_for_class(x509.CRLDistributionPoints).value
    assert crldp[0].full_name == [x509.UniformResourceIdentifier("https://portal.example/ca/crl")]
    aia = ext.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert aia[0].access_method == AuthorityInformationAccessOID.OCSP
    assert aia[0].access_location.value == "https://portal.example/ca/ocsp"


def test_no_urls_no_extensions() -> None:
    ext = _issue(crl_url=None, ocsp_url=None).extensions
    with pytest.raises(x509.ExtensionNotFound):
        ext.get_extension_for_class(x509.CRLDistributionPoints)
    with pytest.raises(x509.ExtensionNotFound):
        ext.get_extension_for_class(x509.AuthorityInformationAccess)


def test_validity_is_capped_at_the_issuing_ca() -> None:
    cert = _issue(validity=timedelta(days=365 * 50))
    assert cert.not_valid_after_utc <= make_test_authority(now=NOW).issuing.not_valid_after_utc


@pytest.mark.parametrize("bits", [64, 100, 159])
def test_random_serials_fit_rfc5280(bits: int) -> None:
    serials = {random_serial(bits) for _ in range(200)}
    assert len(serials) == 200  # no repeats: they are random
    assert all(0 < s < 2**bits for s in serials)
    # the top bit is set in about half: the full width is used (entropy, not a counter)
    assert 50 < sum(s >> (bits - 1) for s in serials) < 150
    assert all(len(s.to_bytes((s.bit_length() + 8) // 8, "big")) <= 20 for s in serials)


@pytest.mark.parametrize("bits", [63, 160])
def test_serial_bits_out_of_range(bits: int) -> None:
    with pytest.raises(ValueError):
        random_serial(bits)


# standards.md, "RFC 5280 reason codes for the manual's cases"
TABLE = [
    (RevocationReason.OWN_DATA_CHANGED, "affiliationChanged", 3),
    (RevocationReason.HOLDER_TRANSFERRED, "affiliationChanged", 3),
    (RevocationReason.HOLDER_RESIGNED, "cessationOfOperation", 5),
    (RevocationReason.EMAIL_CHANGED, "superseded", 4),
    (RevocationReason.NEW_PHONE, "superseded", 4),
    (RevocationReason.LOST_PHONE, "keyCompromise", 1),
    (RevocationReason.FORGOT_PIN, "superseded", 4),
    (RevocationReason.APP_DELETED, "superseded", 4),
    (RevocationReason.PRIVILEGE_WITHDRAWN, "privilegeWithdrawn", 9),
    (RevocationReason.SUSPENDED, "certificateHold", 6),
    (RevocationReason.RENEWED, "superseded", 4),
]


@pytest.mark.parametrize(("reason", "name", "code"), TABLE)
def test_reason_codes(reason: RevocationReason, name: str, code: int) -> None:
    assert reason.crl_reason.value == name
    assert reason.rfc5280_code == code


def test_every_reason_is_in_the_table() -> None:
    assert {r for r, _, _ in TABLE} == set(RevocationReason)


def test_self_revocation_reasons_cover_chapter_5() -> None:
    assert set(SELF_REVOCATION_REASONS) == {
        RevocationReason.OWN_DATA_CHANGED,
        RevocationReason.HOLDER_RESIGNED,
        RevocationReason.HOLDER_TRANSFERRED,
        RevocationReason.EMAIL_CHANGED,
        RevocationReason.NEW_PHONE,
    }
