"""Activation checks platform attestations through the port, under the policy's
``attestation_hardware`` (required / preferred / optional), on every storage adapter.

The Android chains here come from tests/helpers/attestation.py (a test keystore), since
a published sample cannot attest a key the test holds for a fresh activation."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from softtoken import AuthenticationError, ConfigurationError, Policy
from softtoken.authenticator._keystore import device_csr
from softtoken.lifecycle.activation import ActivationState
from softtoken.protocol import ENROLL_TYP, ActivationPayload, EnrollmentClaims, sign
from softtoken.protocol.attestation import (
    AndroidKeyAttestation,
    AppleAppAttestation,
    app_attest_client_data,
    attestation_challenge,
    device_id_for,
)
from softtoken.storage.memory import MemoryStorage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, Person, approve_registration, in_memory

from ...helpers.attestation import FakeAppAttest, FakeKeystore, key_description
from ...helpers.devices import PIN, new_phone

USER = Person().user_id
APP_ID = "ABCDE12345.th.go.cgd.softtoken"


def ready(harness: Harness) -> FakeKeystore:
    """An approved registration, and a deployment that trusts the test keystore's root."""
    approve_registration(harness)
    keystore = FakeKeystore(harness.clock.now())
    harness.softtoken.activation.attestation.register(AndroidKeyAttestation(roots=[keystore.root]))
    return keystore


def android_enrollment(
    harness: Harness,
    keystore: FakeKeystore,
    *,
    secret_for_challenge: bytes | None = None,
    **description: Any,
) -> tuple[str, str, ec.EllipticCurvePrivateKey]:
    """(activation ID, enrollment message, device key) of a phone whose keystore
    attests its key for this activation's challenge."""
    start = harness.softtoken.activation.begin(USER)
    payload = ActivationPayload.parse(start.qr_payload)
    key = ec.generate_private_key(ec.SECP256R1())
    challenge = attestation_challenge(payload.activation_id, secret_for_challenge or payload.secret)
    chain = keystore.attest(key.public_key(), key_description(challenge, **description))
    evidence = {"fmt": "android-key", "x5c": chain}
    return (
        payload.activation_id,
        signed_enrollment(harness, payload, key, evidence, "android"),
        key,
    )


def signed_enrollment(
    harness: Harness,
    payload: ActivationPayload,
    key: ec.EllipticCurvePrivateKey,
    attestation: dict[str, Any],
    platform: Literal["android", "ios"],
) -> str:
    claims = EnrollmentClaims(
        activation_id=payload.activation_id,
        secret=payload.secret,
        csr_der=device_csr(key),
        platform=platform,
        biometrics=False,
        attestation=attestation,
        issued_at=harness.clock.now(),
    )
    return sign(claims.to_claims(), key, typ=ENROLL_TYP)


def ios_enrollment(
    harness: Harness, apple: FakeAppAttest, *, bind_to: ec.EllipticCurvePrivateKey | None = None
) -> tuple[str, str, ec.EllipticCurvePrivateKey]:
    """An iPhone: a Secure Enclave device key, and an App Attest key attested for
    ``SHA-256(challenge || thumbprint of the device key)`` (of ``bind_to`` if given)."""
    start = harness.softtoken.activation.begin(USER)
    payload = ActivationPayload.parse(start.qr_payload)
    key = ec.generate_private_key(ec.SECP256R1())
    challenge = attestation_challenge(payload.activation_id, payload.secret)
    client_data = app_attest_client_data(challenge, (bind_to or key).public_key())
    key_id, attestation = apple.attest(hashlib.sha256(client_data).digest())
    evidence = {"fmt": "apple-appattest", "key_id": key_id, "attestation": attestation}
    return payload.activation_id, signed_enrollment(harness, payload, key, evidence, "ios"), key


def completion(harness: Harness) -> dict[str, object]:
    [record] = [
        r for r in harness.softtoken.audit.records() if r.entry.action == "activation.complete"
    ]
    return dict(record.entry.details)


def still_pending(harness: Harness, activation_id: str) -> None:
    status = harness.softtoken.activation.check(activation_id, user_id=USER)
    assert status.state is ActivationState.PENDING
    assert status.certificate_serial is None


def test_an_android_key_attestation_enrolls_a_hardware_backed_device(harness: Harness) -> None:
    keystore = ready(harness)
    _, message, key = android_enrollment(harness, keystore)
    verified = harness.softtoken.activation.enroll(message)
    assert verified.device_id == device_id_for(key.public_key())
    details = completion(harness)
    assert details["attestation"] == "android-key"
    assert details["attestation_trust"] == "hardware"


def test_an_attestation_made_for_another_activation_is_refused_and_nothing_changes(
    harness: Harness,
) -> None:
    keystore = ready(harness)
    activation_id, message, _ = android_enrollment(
        harness, keystore, secret_for_challenge=b"another QR code's secret"
    )
    with pytest.raises(AuthenticationError) as caught:
        harness.softtoken.activation.enroll(message)
    assert caught.value.code == "attestation_challenge_mismatch"
    still_pending(harness, activation_id)


def test_a_software_level_attestation_is_refused_even_when_hardware_is_only_preferred(
    harness: Harness,
) -> None:
    keystore = ready(harness)
    activation_id, message, _ = android_enrollment(harness, keystore, level=0)
    with pytest.raises(AuthenticationError) as caught:
        harness.softtoken.activation.enroll(message)
    assert caught.value.code == "attestation_not_hardware"
    still_pending(harness, activation_id)


def test_an_imported_key_is_refused(harness: Harness) -> None:
    keystore = ready(harness)
    activation_id, message, _ = android_enrollment(harness, keystore, origin=2)
    with pytest.raises(AuthenticationError) as caught:
        harness.softtoken.activation.enroll(message)
    assert caught.value.code == "attestation_invalid"
    still_pending(harness, activation_id)


def _with_policy(storage: MemoryStorage | SqlStorage, mode: str) -> Harness:
    return in_memory(storage=storage, policy=Policy.for_tests(attestation_hardware=mode))


def test_required_hardware_refuses_a_software_key_and_accepts_an_attested_one(
    storage: MemoryStorage | SqlStorage,
) -> None:
    harness = _with_policy(storage, "required")
    keystore = ready(harness)
    phone = new_phone()
    start = harness.softtoken.activation.begin(USER)
    with pytest.raises(AuthenticationError) as caught:
        harness.softtoken.activation.enroll(phone.enroll(phone.scan(start.qr_payload), pin=PIN))
    assert caught.value.code == "attestation_not_hardware"
    still_pending(harness, start.activation_id)
    _, message, _ = android_enrollment(harness, keystore)
    assert harness.softtoken.activation.enroll(message).certificate_serial


def test_optional_hardware_enrolls_a_failed_attestation_as_a_software_key(
    storage: MemoryStorage | SqlStorage,
) -> None:
    harness = _with_policy(storage, "optional")
    keystore = ready(harness)
    _, message, key = android_enrollment(harness, keystore, secret_for_challenge=b"other")
    verified = harness.softtoken.activation.enroll(message)
    assert verified.device_id == device_id_for(key.public_key())
    details = completion(harness)
    assert details["attestation_trust"] == "software"
    assert details["attestation_refused"] == "attestation_challenge_mismatch"


def test_the_hardware_policy_default_is_preferred_and_other_words_are_refused() -> None:
    assert Policy().attestation_hardware == "preferred"
    with pytest.raises(ConfigurationError):
        Policy(attestation_hardware="sometimes")  # type: ignore[arg-type]


def ready_for_ios(harness: Harness) -> FakeAppAttest:
    approve_registration(harness)
    apple = FakeAppAttest(harness.clock.now(), app_id=APP_ID)
    team, bundle = APP_ID.split(".", 1)
    harness.softtoken.activation.attestation.register(
        AppleAppAttestation(team_id=team, bundle_id=bundle, roots=[apple.root])
    )
    return apple


def test_an_app_attest_attestation_enrolls_an_iphone(harness: Harness) -> None:
    apple = ready_for_ios(harness)
    _, message, key = ios_enrollment(harness, apple)
    verified = harness.softtoken.activation.enroll(message)
    assert verified.device_id == device_id_for(key.public_key())
    details = completion(harness)
    assert (details["attestation"], details["attestation_trust"]) == ("apple-appattest", "hardware")


def test_an_app_attest_attestation_bound_to_another_device_key_is_refused(
    harness: Harness,
) -> None:
    apple = ready_for_ios(harness)
    other = ec.generate_private_key(ec.SECP256R1())
    activation_id, message, _ = ios_enrollment(harness, apple, bind_to=other)
    with pytest.raises(AuthenticationError) as caught:
        harness.softtoken.activation.enroll(message)
    assert caught.value.code == "attestation_challenge_mismatch"
    still_pending(harness, activation_id)
