"""Android Key Attestation against real attestations made on Pixel phones and published
with py_webauthn (tests/vectors/attestation/README.md), and mutated copies of them that
must be refused, each with its own code.

The samples are WebAuthn ``android-key`` attestations: the keystore attested the
credential's key for the challenge ``SHA-256(clientDataJSON)``. That is the same
KeyDescription and chain an app gets from ``KeyStore.getCertificateChain``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from softtoken import AuthenticationError, ConfigurationError
from softtoken.protocol.attestation import (
    AndroidKeyAttestation,
    SecurityLevel,
    StatusList,
    key_description,
)

HERE = Path(__file__).parent / "attestation" / "android"
PIXEL_8A = "pixel-8a-2025-01"  # chains to Google's RSA root (root 2)
PIXEL_2026 = "pixel-2026-04-key-attestation-ca1"  # chains to the ECDSA root (root 5)
APPLE_ROOT = (
    Path(__file__).parents[2]
    / "src/softtoken/protocol/attestation/roots/apple-app-attestation-root.pem"
)


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@attrs.frozen(kw_only=True)
class Sample:
    der: list[bytes]
    challenge: bytes
    when: datetime

    @property
    def x5c(self) -> list[str]:
        return [base64.b64encode(d).decode() for d in self.der]

    @property
    def chain(self) -> list[x509.Certificate]:
        return [x509.load_der_x509_certificate(d) for d in self.der]

    @property
    def key(self) -> ec.EllipticCurvePublicKey:
        key = self.chain[0].public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        return key


def sample(name: str = PIXEL_8A) -> Sample:
    data = json.loads((HERE / f"{name}.json").read_text())
    statement = cbor2.loads(b64url(data["attestationObject"]))["attStmt"]
    return Sample(
        der=list(statement["x5c"]),
        challenge=hashlib.sha256(b64url(data["clientDataJSON"])).digest(),
        when=datetime.fromisoformat(data["verifiedAt"]),
    )


def check(verifier: AndroidKeyAttestation, s: Sample, **changes: Any) -> Any:
    return verifier.verify(
        {"fmt": "android-key", "x5c": changes.get("x5c", s.x5c)},
        public_key=changes.get("key", s.key),
        platform=changes.get("platform", "android"),
        challenge=changes.get("challenge", s.challenge),
        now=changes.get("when", s.when),
    )


def refused(code: str, verifier: AndroidKeyAttestation, s: Sample, **changes: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        check(verifier, s, **changes)
    assert caught.value.code == code, caught.value.detail


@pytest.mark.parametrize("name", [PIXEL_8A, PIXEL_2026])
def test_each_published_attestation_verifies_to_the_shipped_google_roots(name: str) -> None:
    result = check(AndroidKeyAttestation(require_verified_boot=True), sample(name))
    assert result.trust == "hardware"
    assert result.security_level == "trusted_environment"
    assert result.format == "android-key"


def test_the_key_description_of_a_pixel_8a() -> None:
    description = key_description(sample().chain[0])
    assert description.attestation_version == 300  # KeyMint 3
    assert description.keymaster_version == 300
    assert description.attestation_security_level is SecurityLevel.TRUSTED_ENVIRONMENT
    assert description.keymaster_security_level is SecurityLevel.TRUSTED_ENVIRONMENT
    assert description.attestation_challenge == sample().challenge
    assert description.hardware_enforced.origin == 0  # generated in the keystore
    root = description.hardware_enforced.root_of_trust
    assert root is not None
    assert (root.device_locked, root.verified_boot_state) == (True, 0)
    assert "com.google.android.gms" in description.software_enforced.package_names


def test_a_flipped_byte_in_the_leaf_signature_is_refused() -> None:
    s = sample()
    leaf = bytearray(s.der[0])
    leaf[-5] ^= 0x01  # inside the ECDSA signature, the last field of the certificate
    refused("attestation_signature_invalid", AndroidKeyAttestation(), s, x5c=[
        base64.b64encode(bytes(leaf)).decode(), *s.x5c[1:]
    ])  # fmt: skip


def test_another_challenge_is_refused() -> None:
    s = sample()
    other = hashlib.sha256(b"another activation").digest()
    refused("attestation_challenge_mismatch", AndroidKeyAttestation(), s, challenge=other)


def test_another_key_than_the_enrolled_one_is_refused() -> None:
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    refused("attestation_key_mismatch", AndroidKeyAttestation(), sample(), key=other)


def test_a_chain_to_a_different_root_is_refused() -> None:
    verifier = AndroidKeyAttestation(roots=APPLE_ROOT.read_bytes())
    refused("attestation_untrusted_root", verifier, sample())


def test_a_chain_cut_below_the_root_is_refused_unless_its_top_is_signed_by_a_root() -> None:
    s = sample()
    # Without the root the top is Droid CA2, which the pinned root signed: still fine.
    assert check(AndroidKeyAttestation(), s, x5c=s.x5c[:4]).trust == "hardware"
    # Cut further, the top (Droid CA3) is signed by no pinned root.
    refused("attestation_untrusted_root", AndroidKeyAttestation(), s, x5c=s.x5c[:3])


def test_certificates_out_of_order_are_refused() -> None:
    s = sample()
    swapped = [s.x5c[0], s.x5c[2], s.x5c[1], *s.x5c[3:]]
    refused("attestation_signature_invalid", AndroidKeyAttestation(), s, x5c=swapped)


def test_outside_the_certificates_validity_is_refused() -> None:
    s = sample()
    # An intermediate of the Pixel 8a chain expired on 2025-02-02.
    later = s.when + timedelta(days=60)
    refused("attestation_certificate_expired", AndroidKeyAttestation(), s, when=later)


def test_a_revoked_serial_in_googles_status_format_is_refused() -> None:
    s = sample()
    serial = format(s.chain[1].serial_number, "x")  # the device's attestation key
    other = {
        "entries": {
            "c35747a084470c3135aeefe2b8d40cd6": {"status": "REVOKED", "reason": "KEY_COMPROMISE"}
        }
    }
    unrelated = StatusList.from_json(json.dumps(other))
    assert check(AndroidKeyAttestation(status_list=unrelated), s).trust == "hardware"
    revoked = {"entries": {serial: {"status": "REVOKED", "reason": "KEY_COMPROMISE"}}}
    verifier = AndroidKeyAttestation(status_list=StatusList.from_json(json.dumps(revoked)))
    refused("attestation_revoked", verifier, s)
    suspended = {"entries": {serial.upper(): {"status": "SUSPENDED", "reason": "SOFTWARE_FLAW"}}}
    verifier = AndroidKeyAttestation(status_list=StatusList.from_json(json.dumps(suspended)))
    refused("attestation_revoked", verifier, s)


def test_the_status_list_is_read_from_a_file(tmp_path: Path) -> None:
    s = sample()
    listing = tmp_path / "status.json"
    serial = format(s.chain[2].serial_number, "x")
    listing.write_text(json.dumps({"entries": {serial: {"status": "REVOKED"}}}))
    refused("attestation_revoked", AndroidKeyAttestation(status_list=str(listing)), s)


def test_another_package_name_is_refused() -> None:
    s = sample()
    assert check(AndroidKeyAttestation(package_names=["com.google.android.gms"]), s)
    verifier = AndroidKeyAttestation(package_names=["th.go.cgd.softtoken"])
    refused("attestation_app_mismatch", verifier, s)
    refused("attestation_app_mismatch", AndroidKeyAttestation(signature_digests=[bytes(32)]), s)


def test_evidence_from_another_platform_or_without_a_chain_is_refused() -> None:
    s = sample()
    refused("attestation_invalid", AndroidKeyAttestation(), s, platform="ios")
    refused("attestation_invalid", AndroidKeyAttestation(), s, x5c=[])
    refused("attestation_invalid", AndroidKeyAttestation(), s, x5c=["not base64!"])
    refused("attestation_invalid", AndroidKeyAttestation(), s, x5c=["AAAA"])


def test_unreadable_roots_and_status_lists_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as roots:
        AndroidKeyAttestation(roots=b"no certificate here")
    assert roots.value.code == "attestation_roots_invalid"
    bad = tmp_path / "status.json"
    bad.write_text('{"serials": []}')
    with pytest.raises(ConfigurationError) as status:
        AndroidKeyAttestation(status_list=str(bad))
    assert status.value.code == "attestation_status_list_invalid"
