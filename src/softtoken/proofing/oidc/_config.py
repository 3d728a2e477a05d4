"""A deployment's OpenID Connect provider settings, and the ThaID defaults.

ThaID (the Department of Provincial Administration's digital ID) is an OpenID Connect
provider: the portal is a confidential client, the person's citizen ID arrives in the
``pid`` claim, names in Thai and English in ``given_name``/``family_name`` and
``given_name_en``/``family_name_en``. Any other certified provider works with its own
claim names and ``acr`` values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

import attrs

from softtoken.errors import ConfigurationError
from softtoken.proofing._result import AssuranceLevel

__all__ = [
    "SIGNING_ALGORITHMS",
    "THAID_SCOPES",
    "ClaimNames",
    "OidcConfig",
    "TokenAuthMethod",
    "check_url",
    "thaid",
]

TokenAuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]
#: Asymmetric algorithms only: an HMAC-signed ID token (``HS256``) would be keyed with
#: the client secret, which the portal also holds, and ``none`` is never accepted.
SIGNING_ALGORITHMS = ("RS256", "PS256", "ES256", "ES384", "RS384", "PS384", "EdDSA")
#: The default scopes for ThaID, named like the claims they disclose; a deployment uses
#: the ones its agreement with the Department of Provincial Administration lists.
THAID_SCOPES = ("openid", "pid", "given_name", "family_name", "given_name_en", "family_name_en")


def check_url(name: str, value: str) -> None:
    url = urlsplit(value)
    local = url.hostname in {"localhost", "127.0.0.1", "::1"}
    if not url.hostname or not (url.scheme == "https" or (url.scheme == "http" and local)):
        raise ConfigurationError(detail=f"OpenID Connect {name} must be an https URL")


@attrs.frozen(kw_only=True)
class ClaimNames:
    """Which claims carry the citizen ID and the names (ThaID's by default)."""

    citizen_id: str = "pid"
    first_name: str = "given_name"
    last_name: str = "family_name"
    first_name_en: str | None = "given_name_en"
    last_name_en: str | None = "family_name_en"

    def required(self) -> tuple[str, ...]:
        return (self.citizen_id, self.first_name, self.last_name)


@attrs.frozen(kw_only=True)
class OidcConfig:
    """One OpenID Connect provider used for identity proofing.

    Args:
        issuer: the provider's issuer identifier, exactly as in its ID tokens; the
            discovery document is read from ``<issuer>/.well-known/openid-configuration``.
        client_id: the portal's client ID at the provider (the ``aud`` of ID tokens).
        client_secret: the portal's client secret (``client_secret_basic`` or
            ``client_secret_post``); None for a public client (``token_auth_method="none"``).
        redirect_uri: the portal's callback route, registered at the provider.
        scopes: requested scopes; ``openid`` must be among them.
        claims: which claims carry the citizen ID and the names.
        acr_levels: ``acr`` value -> the assurance level it proves (IAL1-3). An ID token
            whose ``acr`` is not listed is refused.
        acr_values: the ``acr`` values asked for in the authorization request (optional).
        default_level: the level of an ID token without ``acr``; None refuses those.
        token_auth_method: how the portal authenticates at the token endpoint.
        algorithms: the ID token signature algorithms accepted.
        extra_params: more authorization request parameters (``ui_locales``, ``prompt``).
        metadata: the provider's metadata (endpoints, ``jwks_uri``) when it publishes no
            discovery document; None reads the discovery document.
        verifier_key: the key the PKCE verifiers are derived from (at least 32 bytes); by
            default derived from the client secret. The portal stores no verifier.
    """

    issuer: str
    client_id: str
    client_secret: str | None = attrs.field(default=None, repr=False)
    redirect_uri: str
    scopes: tuple[str, ...] = ("openid",)
    claims: ClaimNames = attrs.field(factory=ClaimNames)
    acr_levels: Mapping[str, AssuranceLevel] = attrs.field(factory=dict)
    acr_values: tuple[str, ...] = ()
    default_level: AssuranceLevel | None = None
    token_auth_method: TokenAuthMethod = "client_secret_basic"  # noqa: S105 - a method name
    algorithms: tuple[str, ...] = SIGNING_ALGORITHMS
    extra_params: Mapping[str, str] = attrs.field(factory=dict)
    metadata: Mapping[str, object] | None = None
    verifier_key: bytes | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        check_url("issuer", self.issuer)
        check_url("redirect_uri", self.redirect_uri)
        if not self.client_id:
            raise ConfigurationError(detail="OpenID Connect needs a client_id")
        if "openid" not in self.scopes:
            raise ConfigurationError(detail="OpenID Connect scopes must include 'openid'")
        if self.token_auth_method != "none" and not self.client_secret:  # noqa: S105
            raise ConfigurationError(detail=f"{self.token_auth_method} needs a client_secret")
        if not self.algorithms or not set(self.algorithms) <= set(SIGNING_ALGORITHMS):
            raise ConfigurationError(
                detail=f"ID token algorithms must be among {', '.join(SIGNING_ALGORITHMS)}"
            )
        if self.verifier_key is not None and len(self.verifier_key) < 32:  # noqa: PLR2004
            raise ConfigurationError(detail="verifier_key must be at least 32 bytes")
        if self.verifier_key is None and not self.client_secret:
            raise ConfigurationError(detail="a public client needs a verifier_key")
        reserved = {"state", "nonce", "code_challenge", "code_challenge_method", "redirect_uri"}
        if reserved & set(self.extra_params):
            raise ConfigurationError(detail="extra_params may not set the flow's own parameters")

    def pkce_key(self) -> bytes:
        """The key PKCE verifiers are derived from."""
        if self.verifier_key is not None:
            return self.verifier_key
        assert self.client_secret is not None  # noqa: S101 - checked in __attrs_post_init__
        return self.client_secret.encode("utf-8")


def thaid(
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    acr_levels: Mapping[str, AssuranceLevel],
    scopes: tuple[str, ...] = THAID_SCOPES,
    **more: object,
) -> OidcConfig:
    """ThaID's settings: the ``pid`` claim, Thai and English names, the usual scopes.

    The issuer, the client credentials and the ``acr`` values with their levels come
    from the agreement with the Department of Provincial Administration.
    """
    return OidcConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        scopes=scopes,
        claims=ClaimNames(),
        acr_levels=dict(acr_levels),
        **more,  # type: ignore[arg-type]
    )
