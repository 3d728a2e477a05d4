"""The network half of the code flow: redeem the code at the token endpoint with the
PKCE verifier, fetch the signing keys the ID token names, and the userinfo when the ID
token lacks claims. The result, :class:`OidcAnswer`, holds what the provider said (or
the error it came to); the checks in ``_tokens.py`` decide on it later, inside the
proofing's unit of work, with the pending proofing at hand.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

import attrs
from joserfc.jwk import KeySet

from softtoken.errors import AuthenticationError, SoftTokenError, ValidationError
from softtoken.proofing.oidc._config import OidcConfig
from softtoken.proofing.oidc._http import HttpClient, HttpResponse
from softtoken.proofing.oidc._metadata import MetadataCache, ProviderMetadata
from softtoken.proofing.oidc._tokens import pkce_pair, redeemed_code, token_key_id

__all__ = ["OidcAnswer", "fetch_answer"]

_CLIENT_ERROR = 400


@attrs.frozen(kw_only=True)
class OidcAnswer:
    """What the provider answered to one callback, not yet checked.

    ``error`` is the refusal met on the way (the person cancelled, the code was
    refused, the provider was down, ...); otherwise ``id_token`` and ``keys`` are set,
    and ``userinfo`` when the ID token lacked claims."""

    state: str
    id_token: str | None = attrs.field(default=None, repr=False)
    keys: KeySet | None = attrs.field(default=None, repr=False)
    userinfo: Mapping[str, object] | None = attrs.field(default=None, repr=False)
    error: SoftTokenError | None = None


def fetch_answer(
    config: OidcConfig,
    http: HttpClient,
    cache: MetadataCache,
    params: Mapping[str, str],
    *,
    now: datetime,
) -> OidcAnswer:
    """Redeem the callback's code and fetch what checking its ID token needs."""
    state = params["state"]
    try:
        metadata = cache.metadata(now=now)
        code = redeemed_code(params, issuer=config.issuer, iss_required=metadata.iss_parameter)
        verifier, _ = pkce_pair(config.pkce_key(), state)
        tokens = _redeem(config, http, metadata, code, verifier)
        id_token = tokens["id_token"]
        assert isinstance(id_token, str)  # noqa: S101 - _redeem checked it
        keys = cache.keys(now=now, kid=token_key_id(id_token))
        userinfo = None
        if any(_payload(id_token).get(name) is None for name in config.claims.required()):
            userinfo = _userinfo(http, metadata, tokens)
    except SoftTokenError as error:
        return OidcAnswer(state=state, error=error)
    return OidcAnswer(state=state, id_token=id_token, keys=keys, userinfo=userinfo)


def _payload(token: str) -> dict[str, object]:
    # Read only to decide whether to ask the userinfo endpoint; checked later.
    try:
        part = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _redeem(
    config: OidcConfig, http: HttpClient, metadata: ProviderMetadata, code: str, verifier: str
) -> dict[str, object]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": config.redirect_uri,
        "code_verifier": verifier,
    }
    headers = {"accept": "application/json"}
    method = config.token_auth_method
    if method == "client_secret_basic":
        # RFC 6749 2.3.1: both halves form-encoded before base64.
        secret = config.client_secret or ""
        pair = f"{quote(config.client_id, safe='')}:{quote(secret, safe='')}"
        headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    elif method == "client_secret_post":
        form["client_id"] = config.client_id
        form["client_secret"] = config.client_secret or ""
    else:
        form["client_id"] = config.client_id
    answer = http.post_form(metadata.token_endpoint, form, headers=headers)
    body = answer.json()
    if answer.status >= _CLIENT_ERROR:
        _token_error(answer, body)
    if not isinstance(body.get("id_token"), str):
        raise ValidationError("proofing_malformed", field="token", detail="no id_token")
    return body


def _userinfo(
    http: HttpClient, metadata: ProviderMetadata, tokens: Mapping[str, object]
) -> dict[str, object]:
    access_token = tokens.get("access_token")
    if metadata.userinfo_endpoint is None or not isinstance(access_token, str):
        raise ValidationError(
            "proofing_malformed", field="claims", detail="claims missing, no userinfo"
        )
    answer = http.get(
        metadata.userinfo_endpoint,
        headers={"authorization": f"Bearer {access_token}", "accept": "application/json"},
    )
    info = answer.json()  # a server error raises ProviderUnavailable
    if answer.status >= _CLIENT_ERROR:
        raise AuthenticationError("proofing_provider_error", detail=f"userinfo {answer.status}")
    return info


def _token_error(answer: HttpResponse, body: Mapping[str, object]) -> None:
    error = str(body.get("error", ""))[:64]
    detail = f"token endpoint {answer.status} {error}"
    if error == "invalid_grant":
        # RFC 6749 5.2: the code expired, was used already, or the verifier is not its own.
        raise AuthenticationError("proofing_code_rejected", detail=detail)
    raise AuthenticationError("proofing_provider_error", detail=detail)
