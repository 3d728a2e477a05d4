"""Apple App Attest against real attestation objects (a development and a production
key of the example app V8H6LQ9448.io.uebelacker.AppAttestExample) published with
node-app-attest (tests/vectors/attestation/README.md), and mutated copies of them that
must be refused, each with its own code."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from softtoken import AuthenticationError
from softtoken.protocol.attestation import AppleAppAttestation, app_attest_client_data

HERE = Path(__file__).parent / "attestation" / "apple"
TEAM_ID, BUNDLE_ID = "V8H6LQ9448", "io.uebelacker.AppAttestExample"
#: Each sample at a time inside its credCert's validity (issued 2024-02-03 and -06).
SAMPLES = {
    "development": datetime(2024, 2, 4, tzinfo=UTC),
    "production": datetime(2024, 2, 7, tzinfo=UTC),
}


def sample(environment: str = "development") -> dict[str, Any]:
    data = dict(json.loads((HERE / f"node-app-attest-{environment}.json").read_text()))
    data["environment"] = environment
    return data


def verifier(data: dict[str, Any], **changes: Any) -> AppleAppAttestation:
    settings = {
        "team_id": TEAM_ID,
        "bundle_id": BUNDLE_ID,
        "environment": data["environment"],
        **changes,
    }
    return AppleAppAttestation(**settings)


def when(data: dict[str, Any]) -> datetime:
    return SAMPLES[data["environment"]]


def check(data: dict[str, Any], **changes: Any) -> Any:
    """The sample through ``verify_object``; the app hashed the challenge as its client
    data, as Apple's guide and node-app-attest do."""
    obj = changes.pop("attestation", base64.b64decode(data["attestation"]))
    key_id = changes.pop("key_id", base64.b64decode(data["keyId"]))
    client_data = changes.pop("client_data", base64.b64decode(data["challenge"]))
    now = changes.pop("now", when(data))
    return verifier(data, **changes).verify_object(
        obj, key_id=key_id, client_data_hash=hashlib.sha256(client_data).digest(), now=now
    )


def refused(code: str, data: dict[str, Any], **changes: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        check(data, **changes)
    assert caught.value.code == code, caught.value.detail


def rewrite(data: dict[str, Any], change: Any) -> bytes:
    """The sample's attestation object, decoded, changed by ``change``, encoded again."""
    document = cbor2.loads(base64.b64decode(data["attestation"]))
    change(document)
    return bytes(cbor2.dumps(document))


@pytest.mark.parametrize("environment", sorted(SAMPLES))
def test_each_published_attestation_verifies_at_its_time(environment: str) -> None:
    data = sample(environment)
    statement = check(data)
    assert statement.key_id == base64.b64decode(data["keyId"])
    assert statement.environment == environment
    assert statement.receipt
    assert isinstance(statement.public_key, ec.EllipticCurvePublicKey)


def test_a_flipped_byte_in_the_cred_cert_signature_is_refused() -> None:
    def flip(document: dict[str, Any]) -> None:
        cert = bytearray(document["attStmt"]["x5c"][0])
        cert[-5] ^= 0x01
        document["attStmt"]["x5c"][0] = bytes(cert)

    refused("attestation_signature_invalid", sample(), attestation=rewrite(sample(), flip))


def test_another_client_data_is_refused_by_the_nonce() -> None:
    refused("attestation_challenge_mismatch", sample(), client_data=b"another challenge")


def test_changed_authenticator_data_is_refused_by_the_nonce() -> None:
    def counter(document: dict[str, Any]) -> None:
        auth = bytearray(document["authData"])
        auth[36] = 1  # the counter's last byte
        document["authData"] = bytes(auth)

    refused("attestation_challenge_mismatch", sample(), attestation=rewrite(sample(), counter))


def test_another_app_id_is_refused() -> None:
    refused("attestation_app_mismatch", sample(), bundle_id="io.uebelacker.OtherApp")
    refused("attestation_app_mismatch", sample(), team_id="ABCDE12345")


def test_a_key_of_the_other_environment_is_refused() -> None:
    refused("attestation_app_mismatch", sample("development"), environment="production")
    refused("attestation_app_mismatch", sample("production"), environment="development")


def test_another_key_id_is_refused() -> None:
    refused("attestation_key_mismatch", sample(), key_id=hashlib.sha256(b"other").digest())


def test_outside_the_cred_cert_validity_is_refused() -> None:
    data = sample()  # credCert valid from 2024-02-03 20:27 to 2025-01-08 06:21 UTC
    refused("attestation_certificate_expired", data, now=datetime(2025, 1, 9, tzinfo=UTC))
    refused("attestation_certificate_expired", data, now=datetime(2024, 2, 3, tzinfo=UTC))


def test_a_chain_to_a_different_root_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not Apple")])
    data = sample()
    other = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(when(data) - timedelta(days=1))
        .not_valid_after(when(data) + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA384())
    )
    refused("attestation_untrusted_root", data, roots=[other])


def test_the_wrong_format_or_garbage_is_refused() -> None:
    data = sample()

    def packed(document: dict[str, Any]) -> None:
        document["fmt"] = "packed"

    refused("attestation_invalid", data, attestation=rewrite(data, packed))
    refused("attestation_invalid", data, attestation=b"\xff\x00garbage")
    refused("attestation_invalid", data, attestation=cbor2.dumps([1, 2, 3]))


def test_the_port_binds_the_activation_challenge_and_the_enrolled_key() -> None:
    # The sample's app attested its own challenge, not an activation: through the port
    # (which derives the client data from the challenge and the device key) it is refused.
    data = sample()
    device_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    evidence = {
        "fmt": "apple-appattest",
        "attestation": data["attestation"],
        "key_id": data["keyId"],
    }
    with pytest.raises(AuthenticationError) as caught:
        verifier(data).verify(
            evidence, public_key=device_key, platform="ios", challenge=b"\x00" * 32, now=when(data)
        )
    assert caught.value.code == "attestation_challenge_mismatch"
    client_data = app_attest_client_data(b"\x00" * 32, device_key)
    assert client_data.startswith(b"\x00" * 32)
    assert len(client_data) == 32 + 43  # the challenge, then the base64url thumbprint
    with pytest.raises(AuthenticationError) as android:
        verifier(data).verify(
            evidence, public_key=device_key, platform="android", challenge=b"", now=when(data)
        )
    assert android.value.code == "attestation_invalid"
