"""The checks no published sample can reach (a real device never produces such evidence):
made with the test keystore and the test App Attest service."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from softtoken import AuthenticationError
from softtoken.protocol.attestation import AndroidKeyAttestation, AppleAppAttestation

from ...helpers.attestation import FakeAppAttest, FakeKeystore, key_description

NOW = datetime(2026, 1, 5, tzinfo=UTC)
CHALLENGE = hashlib.sha256(b"an activation").digest()
APP_ID = "ABCDE12345.th.go.cgd.softtoken"
CLIENT_DATA_HASH = hashlib.sha256(b"client data").digest()


def android(
    keystore: FakeKeystore,
    key: ec.EllipticCurvePrivateKey,
    packages: tuple[str, ...] = (),
    **description: Any,
) -> str:
    chain = keystore.attest(key.public_key(), key_description(CHALLENGE, **description))
    verifier = AndroidKeyAttestation(
        roots=[keystore.root], require_verified_boot=True, package_names=packages
    )
    result = verifier.verify(
        {"fmt": "android-key", "x5c": chain},
        public_key=key.public_key(),
        platform="android",
        challenge=CHALLENGE,
        now=NOW,
    )
    return result.trust


def android_refused(code: str, keystore: FakeKeystore, **description: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        android(keystore, ec.generate_private_key(ec.SECP256R1()), **description)
    assert caught.value.code == code, caught.value.detail


def test_a_test_keystore_chain_verifies() -> None:
    assert android(FakeKeystore(NOW), ec.generate_private_key(ec.SECP256R1())) == "hardware"


def test_the_package_name_is_read_from_the_attestation_application_id() -> None:
    keystore = FakeKeystore(NOW)
    key = ec.generate_private_key(ec.SECP256R1())
    assert android(keystore, key, ("th.go.cgd.softtoken",), package="th.go.cgd.softtoken")
    android_refused("attestation_app_mismatch", keystore, packages=("th.go.cgd.softtoken",),
                    package="com.example.clone")  # fmt: skip


def test_an_issuer_that_is_not_a_ca_is_refused() -> None:
    android_refused("attestation_signature_invalid", FakeKeystore(NOW, ca_constraints=False))


def test_software_security_level_an_imported_key_and_an_unlocked_device_are_refused() -> None:
    keystore = FakeKeystore(NOW)
    android_refused("attestation_not_hardware", keystore, level=0)
    android_refused("attestation_invalid", keystore, origin=2)  # KeyOrigin IMPORTED
    android_refused("attestation_not_hardware", keystore, locked=False)


def apple(service: FakeAppAttest, **changes: Any) -> object:
    key_id, attestation = service.attest(CLIENT_DATA_HASH, **changes)
    team, bundle = APP_ID.split(".", 1)
    verifier = AppleAppAttestation(team_id=team, bundle_id=bundle, roots=[service.root])
    return verifier.verify_object(
        base64.b64decode(attestation),
        key_id=base64.b64decode(key_id),
        client_data_hash=CLIENT_DATA_HASH,
        now=NOW,
    )


def apple_refused(code: str, service: FakeAppAttest, **changes: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        apple(service, **changes)
    assert caught.value.code == code, caught.value.detail


def test_a_test_app_attest_object_verifies() -> None:
    assert apple(FakeAppAttest(NOW, app_id=APP_ID))


def test_a_counter_that_is_not_zero_is_refused() -> None:
    apple_refused("attestation_invalid", FakeAppAttest(NOW, app_id=APP_ID), counter=1)


def test_a_credential_id_that_is_not_the_key_id_is_refused() -> None:
    service = FakeAppAttest(NOW, app_id=APP_ID)
    apple_refused("attestation_key_mismatch", service, credential_id=bytes(32))


def test_a_development_key_is_refused_in_production() -> None:
    apple_refused("attestation_app_mismatch", FakeAppAttest(NOW, app_id=APP_ID, development=True))


def test_another_app_is_refused() -> None:
    apple_refused("attestation_app_mismatch", FakeAppAttest(NOW, app_id="ABCDE12345.other.app"))
