"""The device protocol's messages: round trips, signatures, and parsers that raise only
ValidationError for any input."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from softtoken import AuthenticationError, ValidationError
from softtoken.protocol import (
    APPROVAL_TYP,
    ENROLL_TYP,
    ActivationPayload,
    ApprovalClaims,
    EnrollmentClaims,
    PollClaims,
    RenewalClaims,
    read,
    sign,
    verify,
)

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
KEYS: dict[str, Callable[[], ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey]] = {
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "Ed25519": ed25519.Ed25519PrivateKey.generate,
}


def payload() -> ActivationPayload:
    return ActivationPayload(
        server="https://gfmis.example.go.th/softtoken",
        activation_id="act_" + secrets.token_urlsafe(12),
        secret=secrets.token_bytes(16),
        expires_at=NOW,
    )


def test_activation_uri_round_trips_and_fits_a_small_qr_code() -> None:
    original = payload()
    uri = original.to_uri()
    assert ActivationPayload.parse(uri) == original
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(uri)
    code.make(fit=True)
    assert code.version <= 10


@given(st.text(max_size=300))
def test_any_string_is_an_activation_code_or_a_validation_error(raw: str) -> None:
    try:
        ActivationPayload.parse(raw)
    except ValidationError as error:
        assert error.code == "device_message_malformed"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda u: u.replace("v=1", "v=2"),
        lambda u: u.replace("softtoken://", "https://"),
        lambda u: u.split("&k=")[0],
        lambda u: u.replace("&e=", "&e=x"),
        lambda u: u.replace("https%3A%2F%2F", "ftp%3A%2F%2F"),
    ],
)
def test_broken_activation_codes_are_refused(mutate: Any) -> None:
    with pytest.raises(ValidationError):
        ActivationPayload.parse(mutate(payload().to_uri()))


def test_a_short_activation_secret_is_refused() -> None:
    weak = ActivationPayload(
        server="https://x.example", activation_id="act_12345678", secret=b"s" * 13, expires_at=NOW
    )
    with pytest.raises(ValidationError):
        ActivationPayload.parse(weak.to_uri())


@pytest.mark.parametrize("alg", sorted(KEYS))
def test_sign_then_verify_with_each_key_type(alg: str) -> None:
    key = KEYS[alg]()
    claims = ApprovalClaims(
        challenge_id="chl_12345678",
        nonce="bm9uY2U",
        decision="approve",
        answer="123456",
        issued_at=NOW,
    )
    token = sign(claims.to_claims(), key, typ=APPROVAL_TYP)
    message = read(token, expect_typ=APPROVAL_TYP)
    assert message.algorithm == alg
    assert message.embedded_key is not None
    verify(message, key.public_key())
    assert ApprovalClaims.from_claims(message.claims) == claims


def test_another_key_or_a_changed_payload_fails_verification() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    token = sign({"v": 1, "nonce": "YQ", "iat": 1}, key, typ="softtoken-poll+jws")
    message = read(token, expect_typ="softtoken-poll+jws")
    with pytest.raises(AuthenticationError) as caught:
        verify(message, ec.generate_private_key(ec.SECP256R1()).public_key())
    assert caught.value.code == "device_signature_invalid"
    other = sign({"v": 1, "nonce": "Yg", "iat": 1}, key, typ="softtoken-poll+jws")
    header, _, signature = token.split(".")
    forged = read(f"{header}.{other.split('.')[1]}.{signature}", expect_typ="softtoken-poll+jws")
    with pytest.raises(AuthenticationError):
        verify(forged, key.public_key())
    with pytest.raises(AuthenticationError):  # an Ed25519 key for an ES256 message
        verify(message, ed25519.Ed25519PrivateKey.generate().public_key())


def test_wrong_type_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    token = sign({"v": 1}, key, typ=APPROVAL_TYP)
    with pytest.raises(ValidationError):
        read(token, expect_typ=ENROLL_TYP)


@given(st.one_of(st.text(max_size=400), st.binary(max_size=50), st.none(), st.integers()))
@settings(max_examples=300)
def test_any_input_to_read_is_a_message_or_a_validation_error(raw: object) -> None:
    try:
        read(raw, expect_typ=APPROVAL_TYP)
    except ValidationError as error:
        assert error.code == "device_message_malformed"


claim_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "v",
                "aid",
                "secret",
                "csr",
                "platform",
                "biometrics",
                "att",
                "iat",
                "cid",
                "nonce",
                "decision",
                "answer",
                "rid",
            ]
        ),
        claim_values,
    )
)
@settings(max_examples=300)
def test_claim_parsers_raise_only_validation_errors(claims: dict[str, Any]) -> None:
    for parser in (EnrollmentClaims, ApprovalClaims, RenewalClaims, PollClaims):
        try:
            parser.from_claims(claims)
        except ValidationError as error:
            assert error.code == "device_message_malformed"
