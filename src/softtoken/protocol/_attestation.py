"""Device attestation: what the enrollment message says about the app and its key.

Each format (``fmt`` in the enrollment's ``att`` object) has a verifier. The reference
Nexus adapter ships the ``software`` format: the key lives in the app's own storage, and
the evidence only names the device ID, which must be exactly the first
:data:`DEVICE_ID_LENGTH` characters of the key's RFC 7638 thumbprint (issue 12, L4: any
prefix, even the empty one, used to pass). Platform
formats plug in by registering a verifier for their ``fmt``:

* ``android-key``: Android key attestation (a certificate chain from the key's own
  attestation extension up to Google's roots; check the challenge, the package name and
  ``KeyMint`` security level);
* ``apple-appattest``: Apple App Attest (a CBOR attestation object, verified against
  Apple's App Attestation root and the app ID).

A deployment that must refuse software keys sets ``NexusAttestation(require_hardware=True)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

import attrs

from softtoken.errors import AuthenticationError, ValidationError
from softtoken.protocol._jws import DevicePublicKey, thumbprint

__all__ = [
    "DEVICE_ID_LENGTH",
    "AttestationResult",
    "AttestationVerifier",
    "NexusAttestation",
    "SoftwareAttestation",
    "device_id_for",
]

#: The device ID: this many characters of the key's base64url thumbprint (132 bits).
DEVICE_ID_LENGTH = 22


def device_id_for(public_key: DevicePublicKey) -> str:
    """The documented device ID of a key (``docs/protocol.md``, enrollment ``att``)."""
    return thumbprint(public_key)[:DEVICE_ID_LENGTH]


Trust = Literal["software", "hardware"]


@attrs.frozen(kw_only=True)
class AttestationResult:
    format: str
    trust: Trust
    device_id: str


class AttestationVerifier(Protocol):
    """Checks one attestation format's evidence for the key the device enrolls."""

    format: str

    def verify(
        self, evidence: Mapping[str, Any], *, public_key: DevicePublicKey, platform: str
    ) -> AttestationResult:
        """Return what was proven, or raise ``AuthenticationError``
        (``attestation_invalid``)."""
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
    ) -> AttestationResult:
        device_id = evidence.get("device_id")
        if not isinstance(device_id, str) or device_id != device_id_for(public_key):
            raise AuthenticationError(
                "attestation_invalid",
                detail=f"device_id must be the first {DEVICE_ID_LENGTH} characters of the "
                "key's thumbprint",
            )
        return AttestationResult(format=self.format, trust="software", device_id=device_id)


class NexusAttestation:
    """The reference adapter for the manual's authenticator app: a registry of
    verifiers by format, software keys accepted unless ``require_hardware``."""

    def __init__(
        self,
        verifiers: Mapping[str, AttestationVerifier] | None = None,
        *,
        require_hardware: bool = False,
    ) -> None:
        self._verifiers: dict[str, AttestationVerifier] = {"software": SoftwareAttestation()}
        self._verifiers.update(verifiers or {})
        self.require_hardware = require_hardware

    def register(self, verifier: AttestationVerifier) -> None:
        self._verifiers[verifier.format] = verifier

    def verify(
        self, evidence: Mapping[str, Any], *, public_key: DevicePublicKey, platform: str
    ) -> AttestationResult:
        """Raises:
        ValidationError: ``attestation_format_unsupported``.
        AuthenticationError: ``attestation_invalid``, or ``attestation_not_hardware``
            when hardware is required.
        """
        fmt = evidence.get("fmt")
        verifier = self._verifiers.get(fmt) if isinstance(fmt, str) else None
        if verifier is None:
            raise ValidationError("attestation_format_unsupported", field="attestation")
        result = verifier.verify(evidence, public_key=public_key, platform=platform)
        if self.require_hardware and result.trust != "hardware":
            raise AuthenticationError("attestation_not_hardware")
        return result
