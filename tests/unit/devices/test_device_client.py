"""The reference authenticator: PIN rules, the wrong-PIN lock, biometrics, persistence."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from softtoken import AuthenticationError, Policy, StateError, ValidationError
from softtoken.authenticator import Device, KdfParams, check_pin
from softtoken.protocol import ENROLL_TYP, ActivationPayload, EnrollmentClaims, read, verify

PIN = "480271"
FAST = KdfParams.for_tests()


def device(**kwargs: object) -> Device:
    return Device.create(pin=PIN, confirm_pin=PIN, kdf=FAST, **kwargs)  # type: ignore[arg-type]


def activation() -> ActivationPayload:
    return ActivationPayload(
        server="https://gfmis.example.go.th/st",
        activation_id="act_" + secrets.token_urlsafe(9),
        secret=secrets.token_bytes(16),
        expires_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "pin", ["123456", "000000", "654321", "901234", "111111", "121212", "112233", "123123"]
)
def test_trivial_pins_are_refused(pin: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_pin(pin)
    assert caught.value.code == "pin_trivial"


@pytest.mark.parametrize("pin", ["48027", "4802719", "48027a", "๔๘๐๒๗๑", ""])
def test_pins_are_exactly_six_ascii_digits(pin: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_pin(pin)
    assert caught.value.code == "pin_invalid"


def test_pin_must_be_confirmed() -> None:
    with pytest.raises(ValidationError) as caught:
        Device.create(pin=PIN, confirm_pin="480272", kdf=FAST)
    assert caught.value.code == "pin_confirmation_mismatch"


def test_enrollment_is_signed_with_the_new_key_and_carries_a_csr() -> None:
    phone = device(biometrics=True)
    token = phone.enroll(activation(), pin=PIN, now=datetime(2026, 1, 5, tzinfo=UTC))
    message = read(token, expect_typ=ENROLL_TYP)
    assert message.embedded_key is not None
    verify(message, message.embedded_key)
    claims = EnrollmentClaims.from_claims(message.claims)
    assert claims.biometrics is True
    assert claims.attestation["fmt"] == "software"
    assert claims.csr_der


def test_tenth_wrong_pin_locks_and_a_right_pin_resets_the_count() -> None:
    phone = device()
    policy = Policy()
    for _ in range(policy.device_max_wrong_pins - 1):
        with pytest.raises(AuthenticationError):
            phone.enroll(activation(), pin="480272")
    phone.enroll(activation(), pin=PIN)
    assert phone.wrong_pins == 0
    for _ in range(policy.device_max_wrong_pins - 1):
        with pytest.raises(AuthenticationError):
            phone.enroll(activation(), pin="480272")
    with pytest.raises(StateError) as caught:
        phone.enroll(activation(), pin="480272")
    assert caught.value.code == "device_locked"
    with pytest.raises(StateError):
        phone.enroll(activation(), pin=PIN)  # locked: the officer procedure of chapter 7


def test_biometrics_unlock_only_when_enabled() -> None:
    with pytest.raises(StateError) as caught:
        device().enroll(activation(), biometric=True)
    assert caught.value.code == "biometrics_not_enabled"
    device(biometrics=True).enroll(activation(), biometric=True)


def test_state_survives_json_and_the_pin_still_unlocks() -> None:
    phone = device(biometrics=True)
    with pytest.raises(AuthenticationError):
        phone.enroll(activation(), pin="480272")
    again = Device.from_json(phone.to_json())
    assert again.wrong_pins == 1
    again.enroll(activation(), pin=PIN)
    with pytest.raises(ValidationError):
        Device.from_json("{not json")


def test_change_pin() -> None:
    phone = device()
    phone.change_pin(old_pin=PIN, new_pin="739104", confirm_pin="739104")
    phone.enroll(activation(), pin="739104")
    with pytest.raises(AuthenticationError):
        phone.enroll(activation(), pin=PIN)


def test_challenges_need_an_activated_device() -> None:
    with pytest.raises(StateError) as caught:
        device().approve({"cid": "chl_12345678"}, pin=PIN)
    assert caught.value.code == "device_not_activated"
