"""The attestation port: what the enrollment message proves about the app and its key.

Each format (``fmt`` in the enrollment's ``att`` object) has a verifier. The reference
Nexus adapter always knows the ``software`` format: the key lives in the app's own
storage, and the evidence only names the device ID, which must match the key's
thumbprint. Platform formats plug in by registering a verifier for their ``fmt``
(``android-key`` is registered by default; ``apple-appattest`` needs the app's team and
bundle IDs, so a deployment registers it).

Every verifier gets the activation's attestation challenge (:func:`attestation_challenge`,
which the app computes from the QR code too) and ``now``, so an attestation made for
another activation, or checked against expired certificates, is refused.

How much hardware matters is the policy's ``attestation_hardware``:

* ``required``: only a verified hardware attestation enrolls a device;
* ``preferred`` (default): a hardware attestation that is sent must verify; software keys
  are accepted and recorded as such;
* ``optional``: a hardware attestation that does not verify, or of a format nobody
  registered, is recorded with its error and the key enrolls as a software key (the key
  itself is still proven by the enrollment's signature).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, Protocol

import attrs

from softtoken.errors import AuthenticationError
from softtoken.protocol._jws import DevicePublicKey, thumbprint

__all__ = [
    "DEVICE_ID_LENGTH",
    "AttestationResult",
    "AttestationVerifier",
    "HardwareRequirement",
    "SoftwareAttestation",
    "attestation_challenge",
    "device_id_for",
]

Trust = Literal["software", "hardware"]
HardwareRequirement = Literal["required", "preferred", "optional"]
#: The device ID is the start of the key's RFC 7638 thumbprint (132 bits of base64url).
DEVICE_ID_LENGTH = 22
_CHALLENGE_LABEL = b"softtoken attestation challenge v1\x00"


def device_id_for(public_key: DevicePublicKey) -> str:
    return thumbprint(public_key)[:DEVICE_ID_LENGTH]


def attestation_challenge(activation_id: str, secret: bytes) -> bytes:
    """The 32 bytes a device attests to: SHA-256 over a fixed label, the activation ID,
    a zero byte and the QR code's secret. Only the phone that scanned this QR code knows
    them, and the bytes name one activation, so an attestation cannot be replayed."""
    return hashlib.sha256(_CHALLENGE_LABEL + activation_id.encode() + b"\x00" + secret).digest()


@attrs.frozen(kw_only=True)
class AttestationResult:
    """What was proven. ``security_level`` names the hardware (``trusted_environment``,
    ``strong_box``, ``secure_enclave``) when ``trust`` is ``hardware``; ``refused`` is the
    error code of a hardware attestation the ``optional`` policy let through as software."""

    format: str
    trust: Trust
    device_id: str
    security_level: str | None = None
    refused: str | None = None


class AttestationVerifier(Protocol):
    """Checks one attestation format's evidence for the key the device enrolls."""

    @property
    def format(self) -> str: ...

    def verify(
        self,
        evidence: Mapping[str, Any],
        *,
        public_key: DevicePublicKey,
        platform: str,
        challenge: bytes,
        now: datetime,
    ) -> AttestationResult:
        """Return what was proven, or raise ``AuthenticationError`` (``attestation_*``)."""
        ...


class SoftwareAttestation:
    """A software key: nothing is proven but the device ID's link to the key."""

    format = "software"

    def verify(
        self,
        evidence: Mapping[str, Any],
        *,
        public_key: DevicePublicKey,
        platform: str,  # noqa: ARG002 - software keys look the same on every platform
        challenge: bytes,  # noqa: ARG002 - a software key proves nothing about the activation
        now: datetime,  # noqa: ARG002 - no certificates to date
    ) -> AttestationResult:
        device_id = evidence.get("device_id")
        # Exactly the documented ID (issue 12, L4: any prefix, even the empty one, passed).
        if not isinstance(device_id, str) or device_id != device_id_for(public_key):
            raise AuthenticationError(
                "attestation_invalid",
                detail=f"device_id must be the first {DEVICE_ID_LENGTH} characters of the "
                "key's thumbprint",
            )
        return AttestationResult(format=self.format, trust="software", device_id=device_id)
