"""CSR checks: what is accepted, each way a CSR is refused, and garbage never escapes
the error tree."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softtoken.ca import MAX_CSR_BYTES, key_fingerprint, parse_csr
from softtoken.errors import SoftTokenError, ValidationError
from softtoken.policy import Policy

from ...helpers.ca import device_key, make_csr

POLICY = Policy.for_tests()
RSA_POLICY = Policy.for_tests(allow_rsa_device_keys=True)
GOOD_DER = make_csr(pem=False)


@pytest.mark.parametrize("kind", ["ec-p256", "ec-p384", "ed25519"])
def test_default_key_types_are_accepted(kind: str) -> None:
    key = device_key(kind)
    checked = parse_csr(make_csr(key), policy=POLICY)
    assert checked.key_type == kind
    assert checked.key_fingerprint == key_fingerprint(key.public_key())


def test_der_and_str_pem_are_accepted() -> None:
    assert parse_csr(GOOD_DER, policy=POLICY).key_type == "ec-p256"
    assert parse_csr(make_csr().decode(), policy=POLICY).key_type == "ec-p256"


def _code(data: object, policy: Policy = POLICY) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_csr(data, policy=policy)
    assert caught.value.field == "csr"
    return caught.value.code


def test_p521_and_small_rsa_are_refused() -> None:
    assert _code(make_csr(device_key("ec-p521"))) == "csr_key_not_allowed"
    assert _code(make_csr(device_key("rsa-2048")), RSA_POLICY) == "csr_key_not_allowed"


def test_rsa_only_when_enabled() -> None:
    csr = make_csr(device_key("rsa-3072"))
    assert _code(csr) == "csr_key_not_allowed"
    assert parse_csr(csr, policy=RSA_POLICY).key_type == "rsa-3072"


def test_policy_can_narrow_key_types() -> None:
    narrow = Policy.for_tests(device_key_types=("ec-p256",))
    assert _code(make_csr(device_key("ed25519")), narrow) == "csr_key_not_allowed"


def test_wrong_signature_is_refused() -> None:
    # Flip a bit in the signature (the last bytes of the DER).
    tampered = bytearray(GOOD_DER)
    tampered[-3] ^= 0x01
    assert _code(bytes(tampered)) in {"csr_bad_signature", "csr_malformed"}


def test_signature_by_another_key_never_passes() -> None:
    # DER ECDSA signatures vary by a byte or two; about half the pairs match in length,
    # so 100 tries leave a chance of about 1e-30 of never finding one.
    for _ in range(100):
        one, other = x509.load_der_x509_csr(GOOD_DER), x509.load_der_x509_csr(make_csr(pem=False))
        if len(one.signature) == len(other.signature):
            assert _code(GOOD_DER.replace(one.signature, other.signature)) == "csr_bad_signature"
            return
    pytest.fail("no two signatures of equal length in 100 tries")


def test_extension_requests_are_refused() -> None:
    for extension in (
        x509.BasicConstraints(ca=True, path_length=None),
        x509.SubjectAlternativeName([x509.DNSName("portal.example")]),
    ):
        assert _code(make_csr(extensions=[extension])) == "csr_extensions_not_allowed"


def test_garbage_and_huge_inputs() -> None:
    assert _code(b"") == "csr_malformed"
    assert _code(b"\x30\x03\x02\x01\x01") == "csr_malformed"
    fake_pem = b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
    assert _code(fake_pem) == "csr_malformed"
    assert _code("ใบรับรอง") == "csr_malformed"
    assert _code(12345) == "csr_malformed"
    assert _code(b"0" * (MAX_CSR_BYTES + 1)) == "csr_too_large"
    assert _code("A" * (MAX_CSR_BYTES + 1)) == "csr_too_large"


def test_a_certificate_is_not_a_csr() -> None:
    from softtoken.testing import in_memory

    cert = in_memory().softtoken.ca.authority.issuing.public_bytes(serialization.Encoding.PEM)
    assert _code(cert) == "csr_malformed"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2048), st.text(max_size=512)))
def test_hypothesis_garbage_stays_in_the_error_tree(data: object) -> None:
    with pytest.raises(SoftTokenError):
        parse_csr(data, policy=POLICY)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=len(GOOD_DER) - 1), st.integers(1, 255), st.integers(0, 8)
)
def test_hypothesis_mutated_csr_is_refused_or_unchanged(
    position: int, xor: int, truncate: int
) -> None:
    data = bytearray(GOOD_DER)
    data[position] ^= xor
    mutated = bytes(data[: len(data) - truncate])
    try:
        checked = parse_csr(mutated, policy=POLICY)
    except SoftTokenError:
        return
    # Only a change that leaves the signed content intact may pass (e.g. the unused
    # bits of an encoding); the key must then be the original one.
    original = x509.load_der_x509_csr(GOOD_DER).public_key()
    assert checked.key_fingerprint == key_fingerprint(original)  # type: ignore[arg-type]
