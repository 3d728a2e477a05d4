"""Issue 12: OCSP nonces (RFC 8954): 1 to 32 octets are echoed; a longer one is a
``malformedRequest``, never an echo that lets a client make the responder sign its data."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from softtoken.testing import Harness, in_memory

from ...helpers.ca import make_csr

ALICE = "T05005000000201"
DER = serialization.Encoding.DER


@pytest.fixture
def h() -> Harness:
    return in_memory()


def _ask(h: Harness, nonce: bytes | None) -> ocsp.OCSPResponse:
    ca = h.softtoken.ca
    record = ca.issue(user_id=ALICE, csr=make_csr())
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        record.certificate, ca.authority.issuing, hashes.SHA256()
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return ocsp.load_der_ocsp_response(ca.ocsp_response(builder.build().public_bytes(DER)))


@pytest.mark.parametrize("size", [1, 16, 32])
def test_ocsp_nonce_of_1_to_32_octets_is_echoed(h: Harness, size: int) -> None:
    nonce = bytes(range(1, size + 1))
    answer = _ask(h, nonce)
    assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce


@pytest.mark.parametrize("size", [33, 64, 1000])
def test_ocsp_nonce_longer_than_32_octets_is_malformed(h: Harness, size: int) -> None:
    answer = _ask(h, b"n" * size)
    assert answer.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_ocsp_nonce_empty_is_malformed(h: Harness) -> None:
    answer = _ask(h, b"")
    assert answer.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_ocsp_without_a_nonce_still_answers(h: Harness) -> None:
    answer = _ask(h, None)
    assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
