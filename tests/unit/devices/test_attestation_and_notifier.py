"""Device attestation (the Nexus reference adapter) and the push-notifier port."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from softtoken import AuthenticationError, ValidationError
from softtoken.protocol import thumbprint
from softtoken.protocol._jws import DevicePublicKey
from softtoken.protocol.attestation import AttestationResult, NexusAttestation
from softtoken.testing import Person, approve_registration, in_memory

from ...helpers.devices import PIN, new_phone

NOW = datetime(2026, 1, 5, tzinfo=UTC)
CHALLENGE = bytes(32)


def key() -> DevicePublicKey:
    return ec.generate_private_key(ec.SECP256R1()).public_key()


def test_software_attestation_links_the_device_id_to_the_key() -> None:
    nexus = NexusAttestation()
    public = key()
    device_id = thumbprint(public)[:22]
    result = nexus.verify(
        {"fmt": "software", "device_id": device_id},
        public_key=public,
        platform="android",
        challenge=CHALLENGE,
        now=NOW,
    )
    assert result == AttestationResult(format="software", trust="software", device_id=device_id)
    with pytest.raises(AuthenticationError) as caught:
        nexus.verify(
            {"fmt": "software", "device_id": "someone-else"},
            public_key=public,
            platform="android",
            challenge=CHALLENGE,
            now=NOW,
        )
    assert caught.value.code == "attestation_invalid"


def test_unknown_formats_and_required_hardware_are_refused() -> None:
    public = key()
    with pytest.raises(ValidationError) as unknown:
        NexusAttestation().verify(
            {"fmt": "tpm"}, public_key=public, platform="android", challenge=CHALLENGE, now=NOW
        )
    assert unknown.value.code == "attestation_format_unsupported"
    strict = NexusAttestation(require_hardware=True)
    with pytest.raises(AuthenticationError) as soft_key:
        strict.verify(
            {"fmt": "software", "device_id": thumbprint(public)[:22]},
            public_key=public,
            platform="ios",
            challenge=CHALLENGE,
            now=NOW,
        )
    assert soft_key.value.code == "attestation_not_hardware"


class _HardwareStub:
    """A platform verifier as a deployment would register one (here it trusts all)."""

    format = "android-key"

    def verify(
        self,
        evidence: Mapping[str, Any],
        *,
        public_key: DevicePublicKey,  # noqa: ARG002 - the protocol's signature
        platform: str,
        challenge: bytes,  # noqa: ARG002 - the protocol's signature
        now: datetime,  # noqa: ARG002 - the protocol's signature
    ) -> AttestationResult:
        assert platform == "android"
        return AttestationResult(
            format=self.format, trust="hardware", device_id=str(evidence["device_id"])
        )


def test_a_registered_platform_verifier_satisfies_required_hardware() -> None:
    strict = NexusAttestation(require_hardware=True)
    strict.register(_HardwareStub())
    result = strict.verify(
        {"fmt": "android-key", "device_id": "hw-device-1"},
        public_key=key(),
        platform="android",
        challenge=CHALLENGE,
        now=NOW,
    )
    assert result.trust == "hardware"


def test_a_deployment_that_requires_hardware_refuses_the_reference_device() -> None:
    harness = in_memory()
    approve_registration(harness)
    soft = harness.softtoken
    soft.activation.attestation.require_hardware = True
    phone = new_phone()
    start = soft.activation.begin(Person().user_id)
    with pytest.raises(AuthenticationError) as caught:
        soft.activation.enroll(phone.enroll(phone.scan(start.qr_payload), pin=PIN))
    assert caught.value.code == "attestation_not_hardware"


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Mapping[str, object]]] = []

    def notify(self, device_id: str, message: Mapping[str, object]) -> None:
        self.sent.append((device_id, message))


def test_the_push_notifier_wakes_the_device_with_what_the_poll_would_show() -> None:
    from softtoken.testing import soft_token_user

    harness = in_memory()
    phone = soft_token_user(harness)
    recorder = _Recorder()
    harness.softtoken.push_login.notifier = recorder
    challenge = harness.softtoken.push_login.begin(Person().user_id, Person().password)
    [(device_id, message)] = recorder.sent
    assert message["cid"] == challenge.challenge_id
    assert harness.softtoken.push_login.pending_for_device(phone.certificate_serial) == [message]
    assert device_id == phone.device_id


def test_refused_device_messages_are_logged_without_their_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = in_memory()
    token = "eyJhbGciOiJFUzI1NiJ9.eyJzZWNyZXQiOiJ4In0.c2ln"
    with caplog.at_level("WARNING", logger="softtoken"), pytest.raises(ValidationError):
        harness.softtoken.push_login.respond(token)
    [record] = caplog.records
    assert record.getMessage() == "login.push_answer refused: device_message_malformed"
    assert token not in caplog.text


def test_optional_hardware_lets_unknown_formats_enroll_as_software_but_not_bad_software() -> None:
    public = key()
    result = NexusAttestation().verify(
        {"fmt": "tpm"},
        public_key=public,
        platform="android",
        challenge=CHALLENGE,
        now=NOW,
        requirement="optional",
    )
    assert (result.trust, result.refused) == ("software", "attestation_format_unsupported")
    assert result.device_id == thumbprint(public)[:22]
    with pytest.raises(AuthenticationError) as caught:
        NexusAttestation().verify(
            {"fmt": "software", "device_id": "someone-else"},
            public_key=public,
            platform="android",
            challenge=CHALLENGE,
            now=NOW,
            requirement="optional",
        )
    assert caught.value.code == "attestation_invalid"
