"""The reference adapter of the attestation port: a registry of verifiers by format,
and the policy's ``attestation_hardware`` applied to what they prove."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from softtoken.errors import AuthenticationError, ValidationError
from softtoken.protocol._jws import DevicePublicKey
from softtoken.protocol.attestation._android import AndroidKeyAttestation
from softtoken.protocol.attestation._port import (
    AttestationResult,
    AttestationVerifier,
    HardwareRequirement,
    SoftwareAttestation,
    device_id_for,
)

__all__ = ["NexusAttestation"]


def _default_verifiers() -> dict[str, AttestationVerifier]:
    return {"software": SoftwareAttestation(), "android-key": AndroidKeyAttestation()}


class NexusAttestation:
    """The reference adapter for the manual's authenticator app: a registry of
    verifiers by format (``software`` and ``android-key`` to start with).
    ``require_hardware=True`` acts as the ``required`` policy whatever the policy says."""

    def __init__(
        self,
        verifiers: Mapping[str, AttestationVerifier] | None = None,
        *,
        require_hardware: bool = False,
    ) -> None:
        self._verifiers = _default_verifiers()
        self._verifiers.update(verifiers or {})
        self.require_hardware = require_hardware

    def register(self, verifier: AttestationVerifier) -> None:
        self._verifiers[verifier.format] = verifier

    @property
    def formats(self) -> tuple[str, ...]:
        """The ``fmt`` values a verifier is registered for."""
        return tuple(sorted(self._verifiers))

    def verify(
        self,
        evidence: Mapping[str, Any],
        *,
        public_key: DevicePublicKey,
        platform: str,
        challenge: bytes,
        now: datetime,
        requirement: HardwareRequirement = "preferred",
    ) -> AttestationResult:
        """Raises:
        ValidationError: ``attestation_format_unsupported``.
        AuthenticationError: ``attestation_invalid`` and the verifiers' other
            ``attestation_*`` codes, or ``attestation_not_hardware`` when hardware is
            required.
        """
        if self.require_hardware:
            requirement = "required"
        fmt = evidence.get("fmt")
        verifier = self._verifiers.get(fmt) if isinstance(fmt, str) else None
        lenient = requirement == "optional" and fmt != "software"
        try:
            if verifier is None:
                unsupported = ValidationError("attestation_format_unsupported", field="attestation")
                raise unsupported  # handled below like a verifier's refusal
            result = verifier.verify(
                evidence, public_key=public_key, platform=platform, challenge=challenge, now=now
            )
        except (AuthenticationError, ValidationError) as exc:
            if not lenient:
                raise
            # The key itself is proven by the enrollment's signature: enroll it as the
            # software key it may be, and keep why the hardware claim failed.
            return AttestationResult(
                format=str(fmt)[:32],
                trust="software",
                device_id=device_id_for(public_key),
                refused=exc.code,
            )
        if requirement == "required" and result.trust != "hardware":
            raise AuthenticationError("attestation_not_hardware")
        return result
