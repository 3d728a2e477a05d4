"""OCSP (RFC 6960) responses for the issuing CA's certificates, as pure functions.

A portal serves them at the OCSP URL written into every device certificate: it passes
the request body (``application/ocsp-request``) to ``soft.ca.ocsp_response`` and returns
the bytes (``application/ocsp-response``). A request that cannot be read, or whose nonce
is outside RFC 8954's 1 to 32 octets, gets a signed-nothing ``malformedRequest`` answer;
a request about another CA gets ``unauthorized``; a serial this CA never issued is
``unknown``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp

from softtoken._clock import utc
from softtoken.ca._authority import CertificateAuthority
from softtoken.ca._records import CertificateRecord, CertificateStatus
from softtoken.ca._revocation import RevocationReason

__all__ = [
    "MAX_OCSP_REQUEST_BYTES",
    "build_ocsp_response",
    "is_for_issuer",
    "parse_ocsp_request",
    "request_nonce",
    "unsuccessful",
]

MAX_OCSP_REQUEST_BYTES = 8 * 1024


def unsuccessful(status: ocsp.OCSPResponseStatus) -> ocsp.OCSPResponse:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status)


def request_nonce(request: ocsp.OCSPRequest) -> x509.OCSPNonce | None:
    return next((e.value for e in request.extensions if isinstance(e.value, x509.OCSPNonce)), None)


def parse_ocsp_request(data: bytes, *, max_nonce_bytes: int = 32) -> ocsp.OCSPRequest | None:
    """The request, or None when it is not one this responder can read (too large,
    garbage, or several certificates in one request, which cryptography refuses), or its
    nonce is empty or longer than ``max_nonce_bytes``: RFC 8954 2.1 allows 1 to 32
    octets, and echoing a longer one would sign whatever a client chose to send."""
    if not isinstance(data, bytes | bytearray) or len(data) > MAX_OCSP_REQUEST_BYTES:
        return None
    try:
        request = ocsp.load_der_ocsp_request(bytes(data))
        _ = (request.serial_number, request.hash_algorithm, request.extensions)
    except (ValueError, TypeError, x509.DuplicateExtension):
        return None
    except Exception:  # noqa: BLE001 - UnsupportedAlgorithm for an exotic hash
        return None
    nonce = request_nonce(request)
    if nonce is not None and not 1 <= len(nonce.nonce) <= max_nonce_bytes:
        return None
    return request


def _key_bits(certificate: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING value, which the OCSP key hash covers."""
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    msg = "CA keys are EC or RSA"
    raise TypeError(msg)


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def is_for_issuer(request: ocsp.OCSPRequest, issuer: x509.Certificate) -> bool:
    """Whether the request asks about a certificate of ``issuer`` (its name and key hashes,
    in the request's own hash algorithm)."""
    algorithm = request.hash_algorithm
    return request.issuer_name_hash == _digest(
        algorithm, issuer.subject.public_bytes()
    ) and request.issuer_key_hash == _digest(algorithm, _key_bits(issuer))


def build_ocsp_response(
    request: ocsp.OCSPRequest,
    record: CertificateRecord | None,
    *,
    authority: CertificateAuthority,
    now: datetime,
    next_update: timedelta,
) -> ocsp.OCSPResponse:
    """A signed answer about ``record`` (None: never issued here, ``unknown``).

    Revoked certificates are ``revoked`` with their reason; superseded ones are
    ``revoked`` with ``superseded``, as on the CRL; active ones (expired included, OCSP
    does not speak of validity) are ``good``. Signed by the delegated responder when the
    authority has one, else by the issuing CA. A nonce in the request is echoed.
    """
    now = utc(now)
    status, revoked_at, reason = ocsp.OCSPCertStatus.GOOD, None, None
    if record is None:
        status = ocsp.OCSPCertStatus.UNKNOWN
    elif record.status is CertificateStatus.REVOKED:
        status, revoked_at = ocsp.OCSPCertStatus.REVOKED, record.revoked_at
        reason = record.revocation_reason
    elif record.status is CertificateStatus.SUPERSEDED:
        status, revoked_at = ocsp.OCSPCertStatus.REVOKED, record.superseded_at
        reason = RevocationReason.RENEWED
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=request.hash_algorithm,
        cert_status=status,
        this_update=now,
        next_update=now + next_update,
        revocation_time=revoked_at,
        revocation_reason=reason.crl_reason if reason else None,
    )
    responder = authority.ocsp_responder
    signer_cert = responder.certificate if responder else authority.issuing
    if responder is not None:
        builder = builder.certificates([responder.certificate])
    nonce = request_nonce(request)  # its length was checked by parse_ocsp_request
    if nonce is not None:
        builder = builder.add_extension(nonce, critical=False)
    key = responder.key if responder else authority.key
    return key.sign_ocsp(builder, signer_cert)
