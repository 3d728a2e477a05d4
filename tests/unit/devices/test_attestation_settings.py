"""Configuring attestation: ``Config.attestation`` (or ``SOFTTOKEN_ATTESTATION_*``)
decides which verifiers activation uses, with which roots and status list; a file that
cannot be read stops the portal from starting, not a phone from enrolling."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest

from softtoken import ConfigurationError, Policy, build
from softtoken._wiring import Config
from softtoken.protocol.attestation import AttestationSettings, NexusAttestation


def formats(settings: AttestationSettings) -> tuple[str, ...]:
    config = Config(
        secret_key=secrets.token_bytes(32),
        storage_url="memory://",
        policy=Policy.for_tests(),
        attestation=settings,
    )
    attestation = build(config, allow_test_policy=True).activation.attestation
    assert isinstance(attestation, NexusAttestation)
    return attestation.formats


def test_android_is_there_by_default_and_apple_once_an_app_id_is_set() -> None:
    assert formats(AttestationSettings()) == ("android-key", "software")
    apple = AttestationSettings(apple_app_id="ABCDE12345.th.go.cgd.softtoken")
    assert formats(apple) == ("android-key", "apple-appattest", "software")


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    status.write_text('{"entries": {}}')
    env = {
        "SOFTTOKEN_SECRET_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SOFTTOKEN_ATTESTATION_ANDROID_STATUS_LIST": str(status),
        "SOFTTOKEN_ATTESTATION_ANDROID_PACKAGES": "th.go.cgd.softtoken, th.go.cgd.beta",
        "SOFTTOKEN_ATTESTATION_ANDROID_VERIFIED_BOOT": "1",
        "SOFTTOKEN_ATTESTATION_APPLE_APP_ID": "ABCDE12345.th.go.cgd.softtoken",
        "SOFTTOKEN_ATTESTATION_APPLE_ENVIRONMENT": "development",
    }
    settings = Config.from_env(env).attestation
    assert settings == AttestationSettings(
        android_status_list=str(status),
        android_package_names=("th.go.cgd.softtoken", "th.go.cgd.beta"),
        android_require_verified_boot=True,
        apple_app_id="ABCDE12345.th.go.cgd.softtoken",
        apple_environment="development",
    )
    assert "apple-appattest" in settings.build().formats
    with pytest.raises(ConfigurationError):
        AttestationSettings.from_env({"SOFTTOKEN_ATTESTATION_APPLE_ENVIRONMENT": "staging"})


def test_unreadable_files_and_a_bad_app_id_stop_the_start(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("not json")
    with pytest.raises(ConfigurationError) as status:
        AttestationSettings(android_status_list=str(broken)).build()
    assert status.value.code == "attestation_status_list_invalid"
    not_pem = tmp_path / "roots.pem"
    not_pem.write_text("no certificates")
    with pytest.raises(ConfigurationError) as roots:
        AttestationSettings(google_roots=str(not_pem)).build()
    assert roots.value.code == "attestation_roots_invalid"
    with pytest.raises(ConfigurationError):
        AttestationSettings(apple_app_id="no-dot-here").build()
    missing = str(tmp_path / "missing")
    for settings, code in (
        (AttestationSettings(android_status_list=missing), "attestation_status_list_invalid"),
        (AttestationSettings(google_roots=missing), "attestation_roots_invalid"),
        (AttestationSettings(apple_app_id="A.b", apple_roots=missing), "attestation_roots_invalid"),
    ):
        with pytest.raises(ConfigurationError) as caught:
            settings.build()
        assert caught.value.code == code
