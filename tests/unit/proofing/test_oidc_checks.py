"""The OpenID Connect adapter's pure checks, one refusal at a time, with ID tokens signed
here (the real provider's tokens are in tests/scenarios/test_chapter2_thaid.py)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from softtoken.errors import (
    AuthenticationError,
    ConfigurationError,
    ProviderUnavailable,
    SoftTokenError,
    StateError,
    ValidationError,
)
from softtoken.proofing import AssuranceLevel
from softtoken.proofing.oidc import (
    HttpResponse,
    OidcConfig,
    ProviderMetadata,
    check_id_token,
    pkce_pair,
    thaid,
)
from softtoken.proofing.oidc._tokens import digest, read_callback, redeemed_code

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ISSUER = "https://idp.example.go.th"
CLIENT = "new-gfmis-thai"
NONCE = "n-0S6_WzA2Mj"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
PUBLIC = KeySet([RSAKey.import_key(KEY.as_dict(private=False))])


def claims(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "user-1",
        "iat": int(NOW.timestamp()) - 5,
        "exp": int(NOW.timestamp()) + 600,
        "nonce": NONCE,
        "acr": "urn:thaid:ial2.3",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(body: dict[str, object], *, key: object = KEY, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": "k1"}, body, key, algorithms=[alg])  # type: ignore[arg-type]


def check(token: object) -> dict[str, object]:
    return check_id_token(
        token,
        keys=PUBLIC,
        algorithms=("RS256", "ES256"),
        issuer=ISSUER,
        client_id=CLIENT,
        nonce_sha256=digest(NONCE),
        now=NOW,
        skew=timedelta(seconds=60),
        max_age=timedelta(minutes=10),
    )


def test_a_good_id_token_passes() -> None:
    assert check(signed(claims()))["sub"] == "user-1"
    assert check(signed(claims(aud=[CLIENT], azp=CLIENT)))["sub"] == "user-1"


def _unsigned(body: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(body)}."


OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
MAC = OctKey.import_key(b"a-client-secret-the-portal-also-holds-0123")


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (_unsigned(claims()), "proofing_bad_signature"),  # alg none
        (signed(claims(), key=MAC, alg="HS256"), "proofing_bad_signature"),
        (signed(claims(), key=OTHER_KEY), "proofing_bad_signature"),  # same kid, other key
        (signed(claims(iss="https://evil.example")), "proofing_wrong_issuer"),
        (signed(claims(aud="other-portal")), "proofing_wrong_audience"),
        (signed(claims(aud=[CLIENT, "other-portal"], azp=CLIENT)), "proofing_wrong_audience"),
        (signed(claims(azp="other-portal")), "proofing_wrong_audience"),
        (signed(claims(exp=int(NOW.timestamp()) - 61)), "proofing_assertion_expired"),
        (signed(claims(iat=int(NOW.timestamp()) - 12 * 60)), "proofing_assertion_expired"),
        (signed(claims(iat=int(NOW.timestamp()) + 120)), "proofing_malformed"),
        (signed(claims(nonce="another")), "proofing_nonce_mismatch"),
        (signed(claims(nonce=None)), "proofing_nonce_mismatch"),
        (signed(claims(sub=None)), "proofing_malformed"),
        ("a.b.c.d.e", "proofing_malformed"),  # a JWE: not accepted
        (None, "proofing_malformed"),
    ],
)
def test_id_token_refusals(token: object, code: str) -> None:
    with pytest.raises(SoftTokenError) as caught:
        check(token)
    assert caught.value.code == code


def test_pkce_s256_pair_rfc7636() -> None:
    verifier, challenge = pkce_pair(b"k" * 32, "state-1")
    assert len(verifier) == 43  # 256 bits, base64url without padding
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert challenge == expected.rstrip(b"=").decode()
    assert pkce_pair(b"k" * 32, "state-1") == (verifier, challenge)
    assert pkce_pair(b"k" * 32, "state-2")[0] != verifier
    assert pkce_pair(b"x" * 32, "state-1")[0] != verifier


def test_callback_parameters_in_every_shape() -> None:
    want = {"code": "c", "state": "s"}
    assert read_callback({"code": "c", "state": "s"}) == want
    assert read_callback({"code": ["c"], "state": ["s"]}) == want
    assert read_callback("code=c&state=s") == want
    assert read_callback("https://portal.example/cb?code=c&state=s") == want
    for bad in ("code=c", "code=c&state=s&state=t", {"state": ["s", "t"]}, 42, "x" * 9000):
        with pytest.raises(ValidationError) as caught:
            read_callback(bad)
        assert caught.value.code == "proofing_malformed"


def test_authorization_errors_become_proofing_errors() -> None:
    def code_of(params: dict[str, str], *, iss_required: bool = False) -> str:
        with pytest.raises(SoftTokenError) as caught:
            redeemed_code({"state": "s", **params}, issuer=ISSUER, iss_required=iss_required)
        return caught.value.code

    with pytest.raises(StateError):
        redeemed_code({"state": "s", "error": "access_denied"}, issuer=ISSUER, iss_required=False)
    with pytest.raises(ProviderUnavailable):
        redeemed_code({"error": "temporarily_unavailable"}, issuer=ISSUER, iss_required=False)
    assert code_of({"error": "invalid_request"}) == "proofing_provider_error"
    assert code_of({"code": "c", "iss": "https://evil.example"}) == "proofing_wrong_issuer"
    assert code_of({"code": "c"}, iss_required=True) == "proofing_wrong_issuer"
    assert code_of({}) == "proofing_malformed"
    assert redeemed_code({"code": "c", "iss": ISSUER}, issuer=ISSUER, iss_required=True) == "c"


def config(**changes: object) -> OidcConfig:
    fields: dict[str, object] = {
        "issuer": ISSUER,
        "client_id": CLIENT,
        "client_secret": "s" * 40,
        "redirect_uri": "https://portal.example.go.th/softtoken/proofing/thaid",
        "acr_levels": {"urn:thaid:ial2.3": AssuranceLevel.IAL2},
    }
    fields.update(changes)
    return thaid(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"issuer": "http://idp.example.go.th"},  # not https, not loopback
        {"redirect_uri": "http://portal.example.go.th/cb"},
        {"scopes": ("pid", "given_name")},  # no openid
        {"client_secret": None},  # client_secret_basic needs one
        {"client_secret": None, "token_auth_method": "none"},  # and no verifier_key
        {"algorithms": ("HS256",)},
        {"algorithms": ("none",)},
        {"extra_params": {"state": "fixed"}},
        {"verifier_key": b"short"},
        {"client_id": ""},
    ],
)
def test_unusable_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        config(**changes)


def test_public_client_with_a_verifier_key() -> None:
    made = config(client_secret=None, token_auth_method="none", verifier_key=b"v" * 32)
    assert made.pkce_key() == b"v" * 32
    assert "s" * 40 not in repr(config())  # the secret stays out of logs


DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/auth",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "code_challenge_methods_supported": ["S256"],
    "authorization_response_iss_parameter_supported": True,
}


def test_discovery_document() -> None:
    found = ProviderMetadata.from_document(DISCOVERY, issuer=ISSUER)
    assert (found.token_endpoint, found.iss_parameter, found.userinfo_endpoint) == (
        f"{ISSUER}/token",
        True,
        None,
    )
    for bad in (
        {**DISCOVERY, "issuer": "https://evil.example"},  # Discovery 4.3
        {**DISCOVERY, "code_challenge_methods_supported": ["plain"]},
        {**DISCOVERY, "token_endpoint": "http://idp.example.go.th/token"},
        {k: v for k, v in DISCOVERY.items() if k != "jwks_uri"},
    ):
        with pytest.raises(ConfigurationError):
            ProviderMetadata.from_document(bad, issuer=ISSUER)


def test_provider_answers() -> None:
    with pytest.raises(ProviderUnavailable) as down:
        HttpResponse(status=503, body=b"busy").json()
    assert down.value.code == "proofing_provider_unavailable"
    with pytest.raises(ValidationError):
        HttpResponse(status=200, body=b"<html>").json()
    with pytest.raises(AuthenticationError):
        check(signed(claims(), key=OTHER_KEY))
