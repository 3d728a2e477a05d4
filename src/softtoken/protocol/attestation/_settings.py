"""The deployment's attestation settings: which verifiers the Nexus adapter gets, with
which roots, status list and app identities (``Config.attestation``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

from softtoken.errors import ConfigurationError
from softtoken.protocol.attestation._android import AndroidKeyAttestation
from softtoken.protocol.attestation._apple import AppleAppAttestation
from softtoken.protocol.attestation._nexus import NexusAttestation

__all__ = ["AttestationSettings"]

_ENV = "SOFTTOKEN_ATTESTATION_"


@attrs.frozen(kw_only=True)
class AttestationSettings:
    """Args:
    google_roots: a PEM file of Google hardware attestation roots; None uses the roots
        shipped in the package.
    android_status_list: Google's attestation status list (JSON) saved to a file; the
        portal should refresh it daily. None: revoked attestation keys go unnoticed.
    android_package_names: when not empty, the Android app must be one of these.
    android_require_verified_boot: refuse unlocked bootloaders and unverified boots.
    apple_app_id: ``<team ID>.<bundle ID>``; None leaves App Attest unregistered.
    apple_environment: ``production`` or ``development`` App Attest keys.
    apple_roots: a PEM file with Apple's App Attestation root; None uses the shipped one.
    """

    google_roots: str | None = None
    android_status_list: str | None = None
    android_package_names: tuple[str, ...] = ()
    android_require_verified_boot: bool = False
    apple_app_id: str | None = None
    apple_environment: Literal["production", "development"] = "production"
    apple_roots: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AttestationSettings:
        """Read ``SOFTTOKEN_ATTESTATION_GOOGLE_ROOTS``, ``_ANDROID_STATUS_LIST``,
        ``_ANDROID_PACKAGES`` (comma separated), ``_ANDROID_VERIFIED_BOOT`` (``1``),
        ``_APPLE_APP_ID``, ``_APPLE_ENVIRONMENT`` and ``_APPLE_ROOTS``."""
        environment = env.get(f"{_ENV}APPLE_ENVIRONMENT", "production")
        if environment not in ("production", "development"):
            raise ConfigurationError(detail=f"{_ENV}APPLE_ENVIRONMENT: production or development")
        packages = env.get(f"{_ENV}ANDROID_PACKAGES", "")
        return cls(
            google_roots=env.get(f"{_ENV}GOOGLE_ROOTS") or None,
            android_status_list=env.get(f"{_ENV}ANDROID_STATUS_LIST") or None,
            android_package_names=tuple(p.strip() for p in packages.split(",") if p.strip()),
            android_require_verified_boot=env.get(f"{_ENV}ANDROID_VERIFIED_BOOT") == "1",
            apple_app_id=env.get(f"{_ENV}APPLE_APP_ID") or None,
            apple_environment=environment,  # type: ignore[arg-type] # checked above
            apple_roots=env.get(f"{_ENV}APPLE_ROOTS") or None,
        )

    def build(self) -> NexusAttestation:
        """The Nexus adapter with the verifiers these settings describe.

        Raises:
            ConfigurationError: ``attestation_roots_invalid``,
                ``attestation_status_list_invalid``, or an App ID without a dot.
        """
        nexus = NexusAttestation()
        nexus.register(
            AndroidKeyAttestation(
                roots=self.google_roots,
                status_list=self.android_status_list,
                package_names=self.android_package_names,
                require_verified_boot=self.android_require_verified_boot,
            )
        )
        if self.apple_app_id is not None:
            team_id, dot, bundle_id = self.apple_app_id.partition(".")
            if not dot or not team_id or not bundle_id:
                raise ConfigurationError(detail="apple_app_id: <team ID>.<bundle ID>")
            nexus.register(
                AppleAppAttestation(
                    team_id=team_id,
                    bundle_id=bundle_id,
                    environment=self.apple_environment,
                    roots=self.apple_roots,
                )
            )
        return nexus
