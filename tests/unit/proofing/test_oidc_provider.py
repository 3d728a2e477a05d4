"""The OpenID Connect provider object with a recorded provider behind the HTTP port:
the token endpoint's errors, userinfo, acr levels, and the httpx adapter's limits."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import (
    ConfigurationError,
    ProviderUnavailable,
    SoftTokenError,
    ValidationError,
)
from softtoken.proofing import AssuranceLevel, ProofingRecord
from softtoken.proofing.oidc import HttpResponse, HttpxClient, OidcProvider, thaid

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ISSUER = "https://idp.example.go.th"
CITIZEN = "1101700207536"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/auth",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "userinfo_endpoint": f"{ISSUER}/me",
}
NAMES = {"pid": CITIZEN, "given_name": "สมชาย", "family_name": "ใจดี"}


class RecordedProvider:
    """Answers like a provider would; ``id_claims``/``userinfo``/``token_answer`` are
    what the test wants it to say."""

    def __init__(self) -> None:
        self.nonce = ""
        self.id_claims: dict[str, object] = {"acr": "urn:ial2", **NAMES}
        self.userinfo: dict[str, object] = {"sub": "user-1"}
        self.token_answer: tuple[int, dict[str, object]] | None = None
        self.calls: list[str] = []

    def _json(self, status: int, body: object) -> HttpResponse:
        return HttpResponse(status=status, body=json.dumps(body).encode())

    def get(self, url: str, *, headers: Mapping[str, str]) -> HttpResponse:
        self.calls.append(url)
        if url.endswith("/.well-known/openid-configuration"):
            return self._json(200, DISCOVERY)
        if url.endswith("/jwks"):
            return self._json(200, {"keys": [KEY.as_dict(private=False)]})
        assert headers["authorization"] == "Bearer at-1"
        return self._json(200, self.userinfo)

    def post_form(
        self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str]
    ) -> HttpResponse:
        self.calls.append(url)
        assert headers["authorization"].startswith("Basic ")
        assert form["grant_type"] == "authorization_code"
        assert len(form["code_verifier"]) == 43
        if self.token_answer is not None:
            return self._json(*self.token_answer)
        claims = {
            "iss": ISSUER,
            "aud": "portal",
            "sub": "user-1",
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 300,
            "nonce": self.nonce,
            **self.id_claims,
        }
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, KEY)
        return self._json(200, {"id_token": token, "access_token": "at-1", "token_type": "Bearer"})


def prepared(
    **changes: object,
) -> tuple[OidcProvider, RecordedProvider, ProofingRecord, dict[str, str]]:
    recorded = RecordedProvider()
    fields: dict[str, object] = {
        "issuer": ISSUER,
        "client_id": "portal",
        "client_secret": "s" * 40,
        "redirect_uri": "https://portal.example.go.th/cb",
        "acr_levels": {"urn:ial2": AssuranceLevel.IAL2},
    }
    fields.update(changes)
    provider = OidcProvider(thaid(**fields), http=recorded, name="thaid")  # type: ignore[arg-type]
    started = provider.start(
        proofing_id="p1", citizen_id=CitizenId(CITIZEN), expires_at=NOW, now=NOW
    )
    assert started.qr_payload is not None
    params = dict(parse_qsl(urlsplit(started.qr_payload).query))
    recorded.nonce = params["nonce"]
    record = ProofingRecord(
        proofing_id="p1",
        provider="thaid",
        subject="reg-1",
        citizen_id=CitizenId(CITIZEN),
        lookup=started.lookup,
        state=dict(started.state),
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )
    return provider, recorded, record, {"code": "c-1", "state": params["state"]}


def test_claims_in_the_id_token_or_from_userinfo() -> None:
    provider, recorded, record, callback = prepared()
    identity = provider.verify(record, callback, now=NOW)
    assert (identity.first_name, identity.assurance_level) == ("สมชาย", AssuranceLevel.IAL2)
    assert recorded.calls[-1] != DISCOVERY["userinfo_endpoint"]
    provider, recorded, record, callback = prepared()
    recorded.id_claims = {"acr": "urn:ial2"}
    recorded.userinfo = {"sub": "user-1", **NAMES, "given_name_en": "Somchai"}
    identity = provider.verify(record, callback, now=NOW)
    assert identity.first_name_en == "Somchai"
    assert recorded.calls[-1] == DISCOVERY["userinfo_endpoint"]


def code_of(provider: OidcProvider, record: ProofingRecord, callback: object) -> str:
    with pytest.raises(SoftTokenError) as caught:
        provider.verify(record, callback, now=NOW)
    return caught.value.code


def test_evidence_reference_never_carries_the_citizen_id() -> None:
    provider, recorded, record, callback = prepared()
    recorded.id_claims = {**NAMES, "acr": "urn:ial2", "sub": CITIZEN}  # sub is the pid
    reference = provider.verify(record, callback, now=NOW).evidence_reference
    assert CITIZEN not in reference
    assert reference.startswith("thaid:sub:")
    provider, recorded, record, callback = prepared()
    recorded.id_claims = {**NAMES, "acr": "urn:ial2", "jti": "tx-42"}
    assert provider.verify(record, callback, now=NOW).evidence_reference == "thaid:jti:tx-42"


def test_userinfo_about_someone_else_is_refused() -> None:
    provider, recorded, record, callback = prepared()
    recorded.id_claims = {"acr": "urn:ial2"}
    recorded.userinfo = {"sub": "user-2", **NAMES}
    assert code_of(provider, record, callback) == "proofing_userinfo_mismatch"


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ((400, {"error": "invalid_grant"}), "proofing_code_rejected"),
        ((400, {"error": "invalid_client"}), "proofing_provider_error"),
        ((503, {"error": "busy"}), "proofing_provider_unavailable"),
        ((200, {"access_token": "at-1"}), "proofing_malformed"),  # no id_token
    ],
)
def test_token_endpoint_answers(answer: tuple[int, dict[str, object]], code: str) -> None:
    provider, recorded, record, callback = prepared()
    recorded.token_answer = answer
    assert code_of(provider, record, callback) == code


def test_acr_levels() -> None:
    provider, recorded, record, callback = prepared()
    recorded.id_claims = {**NAMES, "acr": "urn:something-else"}
    assert code_of(provider, record, callback) == "proofing_assurance_unknown"
    provider, recorded, record, callback = prepared()
    recorded.id_claims = dict(NAMES)  # no acr at all
    assert code_of(provider, record, callback) == "proofing_assurance_unknown"
    provider, recorded, record, callback = prepared(default_level=AssuranceLevel.IAL1)
    recorded.id_claims = dict(NAMES)
    assert provider.verify(record, callback, now=NOW).assurance_level is AssuranceLevel.IAL1


def test_a_state_of_another_proofing_is_refused_before_any_request() -> None:
    provider, recorded, record, callback = prepared()
    calls = len(recorded.calls)
    assert code_of(provider, record, {**callback, "state": "other"}) == "proofing_nonce_mismatch"
    assert len(recorded.calls) == calls


def test_citizen_id_claim_that_is_not_one() -> None:
    provider, recorded, record, callback = prepared()
    recorded.id_claims = {**NAMES, "acr": "urn:ial2", "pid": "1234567890123"}
    assert code_of(provider, record, callback) == "proofing_malformed"


def test_httpx_adapter_limits() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/big":
            return httpx.Response(200, content=b"x" * 2048)
        raise httpx.ConnectError("refused", request=request)

    client = HttpxClient(httpx.Client(transport=httpx.MockTransport(handler)), max_bytes=1024)
    try:
        with pytest.raises(ValidationError):
            client.get("https://idp.example.go.th/big", headers={})
        with pytest.raises(ProviderUnavailable):
            client.post_form("https://idp.example.go.th/token", {"a": "b"}, headers={})
    finally:
        client.close()


def test_without_httpx_the_default_client_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)  # as if not installed
    with pytest.raises(ConfigurationError) as caught:
        HttpxClient()
    assert "softtoken[oidc]" in str(caught.value.detail)
