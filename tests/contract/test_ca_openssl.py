"""openssl as an independent client: every certificate and CRL passes
``openssl verify -crl_check`` and every OCSP response ``openssl ocsp``, on every storage
adapter, with the CA's key from an encrypted PEM file, an RSA CA, and a delegated
OCSP responder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from softtoken._clock import FakeClock
from softtoken.ca import CaConfig, PemSigner, create_authority_files
from softtoken.ports import Storage
from softtoken.testing import Harness, in_memory

from ..helpers.ca import OPENSSL, device_key, make_csr, openssl, openssl_ocsp, openssl_verify

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command (not found)")

ALICE = "T05005000000201"
DER = Encoding.DER


@pytest.fixture
def live(storage: Storage) -> Harness:
    # openssl checks times against the real clock, so this CA lives in the present.
    return in_memory(storage=storage, clock=FakeClock(datetime.now(UTC)))


def _verify(h: Harness, tmp: Path, leaf: x509.Certificate, *, crl: bool = True) -> str:
    ca = h.softtoken.ca
    result = openssl_verify(
        tmp,
        root=ca.authority.root,
        issuing=ca.authority.issuing,
        leaf=leaf,
        crl=ca.crl() if crl else None,
    )
    return result.stdout + result.stderr


def _ocsp(h: Harness, tmp: Path, leaf: x509.Certificate) -> str:
    ca = h.softtoken.ca
    result = openssl_ocsp(
        tmp, ca.ocsp_response, root=ca.authority.root, issuing=ca.authority.issuing, leaf=leaf
    )
    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr + result.stdout
    return result.stdout


@pytest.mark.parametrize("kind", ["ec-p256", "ec-p384", "ed25519"])
def test_issued_certificates_and_crl_verify(live: Harness, tmp_path: Path, kind: str) -> None:
    rec = live.softtoken.ca.issue(user_id=ALICE, csr=make_csr(device_key(kind)))
    out = _verify(live, tmp_path, rec.certificate)
    assert ": OK" in out, out


def test_revoked_and_superseded_fail_crl_check_and_ocsp(live: Harness, tmp_path: Path) -> None:
    ca = live.softtoken.ca
    lost = ca.issue(user_id=ALICE, csr=make_csr())
    old = ca.issue(user_id=ALICE, csr=make_csr())
    good = ca.issue(user_id=ALICE, csr=make_csr())
    new = ca.renew(old.serial, user_id=ALICE)
    ca.revoke(lost.serial, reason="lost_phone")
    for rec in (lost, old):
        out = _verify(live, tmp_path, rec.certificate)
        assert "certificate revoked" in out, out
    for rec in (good, new):
        assert ": OK" in _verify(live, tmp_path, rec.certificate)
    assert "Cert Status: revoked" in (text := _ocsp(live, tmp_path, lost.certificate))
    assert "keyCompromise (0x1)" in text
    assert "superseded (0x4)" in _ocsp(live, tmp_path, old.certificate)
    assert "Cert Status: good" in _ocsp(live, tmp_path, good.certificate)


def test_crl_content(live: Harness, tmp_path: Path) -> None:
    ca = live.softtoken.ca
    recs = [ca.issue(user_id=ALICE, csr=make_csr()) for _ in range(3)]
    for rec, reason in zip(
        recs, ["holder_resigned", "privilege_withdrawn", "suspended"], strict=True
    ):
        ca.revoke(rec.serial, reason=reason)
    crl = ca.crl()
    assert crl.next_update_utc == crl.last_update_utc + live.softtoken.policy.crl_next_update
    assert crl.is_signature_valid(ca.authority.issuing.public_key())  # type: ignore[arg-type]
    reasons = {
        r.serial_number: r.extensions.get_extension_for_class(x509.CRLReason).value.reason
        for r in crl
    }
    assert reasons == {
        recs[0].serial_number: x509.ReasonFlags.cessation_of_operation,
        recs[1].serial_number: x509.ReasonFlags.privilege_withdrawn,
        recs[2].serial_number: x509.ReasonFlags.certificate_hold,
    }
    (tmp_path / "crl.der").write_bytes(ca.crl_der())
    text = openssl("crl", "-inform", "DER", "-in", tmp_path / "crl.der", "-noout", "-text")
    assert text.returncode == 0
    assert "Certificate Hold" in text.stdout
    assert "X509v3 CRL Number" in text.stdout
    assert "Authority Key Identifier" in text.stdout
    # Lifting the hold takes the entry off the next CRL.
    ca.release_hold(recs[2].serial)
    assert ": OK" in _verify(live, tmp_path, recs[2].certificate)


def test_unknown_unauthorized_and_malformed_ocsp(live: Harness) -> None:
    ca = live.softtoken.ca
    other = in_memory(clock=live.clock)
    foreign = other.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    # A request about another CA's certificate: unauthorized.
    about_foreign = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            foreign.certificate,
            other.softtoken.ca.authority.issuing,
            hashes.SHA1(),  # noqa: S303 - openssl's default in OCSP requests; only an identifier
        )
        .build()
    )
    answer = ocsp.load_der_ocsp_response(ca.ocsp_response(about_foreign.public_bytes(DER)))
    assert answer.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED
    # Garbage: malformedRequest, never an exception.
    for junk in (b"", b"\x30\x00junk", b"\x00" * 10_000):
        bad = ocsp.load_der_ocsp_response(ca.ocsp_response(junk))
        assert bad.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    # Our issuer, a serial we never issued: unknown.
    ours = ca.issue(user_id=ALICE, csr=make_csr())
    real = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(ours.certificate, ca.authority.issuing, hashes.SHA256())
        .build()
    )
    never = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            real.issuer_name_hash, real.issuer_key_hash, ours.serial_number + 1, hashes.SHA256()
        )
        .build()
    )
    unknown = ocsp.load_der_ocsp_response(ca.ocsp_response(never.public_bytes(DER)))
    assert unknown.certificate_status is ocsp.OCSPCertStatus.UNKNOWN
    good = ocsp.load_der_ocsp_response(ca.ocsp_response(real.public_bytes(DER)))
    assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert good.serial_number == ours.serial_number


def test_delegated_responder(live: Harness, tmp_path: Path) -> None:
    ca = live.softtoken.ca
    responder = ca.authority.issue_ocsp_responder(PemSigner.generate(), now=live.clock.now())
    delegated = in_memory(
        storage=live.softtoken.storage,
        clock=live.clock,
        authority=attrs.evolve(ca.authority, ocsp_responder=responder),
    )
    rec = delegated.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    text = _ocsp(delegated, tmp_path, rec.certificate)
    assert "Cert Status: good" in text
    assert "OCSP Signing" in text
    delegated.softtoken.ca.revoke(rec.serial, reason="app_deleted")
    assert "superseded (0x4)" in _ocsp(delegated, tmp_path, rec.certificate)


@pytest.mark.parametrize("key_type", ["ec-p384", "rsa-3072"])
def test_ca_from_encrypted_pem_files(tmp_path: Path, key_type: str) -> None:
    now = datetime.now(UTC)
    paths = create_authority_files(
        tmp_path / "ca",
        name="Portal",
        passphrase=b"correct horse",
        now=now,
        organization="CGD",
        key_type=key_type,
    )
    assert b"ENCRYPTED" in paths["issuing-key"].read_bytes()
    assert oct(paths["issuing-key"].stat().st_mode & 0o777) == "0o600"
    config = CaConfig(
        root_certificate=str(paths["root"]),
        issuing_certificate=str(paths["issuing"]),
        key_file=str(paths["issuing-key"]),
        key_passphrase=b"correct horse",
        crl_url="https://portal.example/ca/crl",
        ocsp_url="https://portal.example/ca/ocsp",
    )
    h = in_memory(clock=FakeClock(now), authority=config.load())
    rec = h.softtoken.ca.issue(user_id=ALICE, csr=make_csr())
    assert ": OK" in _verify(h, tmp_path, rec.certificate)
    h.softtoken.ca.revoke(rec.serial, reason="lost_phone")
    assert "certificate revoked" in _verify(h, tmp_path, rec.certificate)
    assert "Cert Status: revoked" in _ocsp(h, tmp_path, rec.certificate)
