"""The provider's discovery document and signing keys, fetched through the HTTP port and
cached for ``policy.oidc_metadata_lifetime``.

Key rotation (Core 10.1.1): a provider publishes its new key in the JWKS before it signs
with it, so an ID token naming a key ID the cache does not hold makes the cache fetch the
JWKS again, at most once per ``policy.oidc_jwks_refetch_interval`` (a forged key ID must
not turn the portal into a loop of requests to the provider).

The cache lives in the process: it holds public documents, never a rule's state, so many
portal processes may each keep their own.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime

import attrs
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from softtoken.errors import ConfigurationError, ValidationError
from softtoken.policy import Policy
from softtoken.proofing.oidc._config import OidcConfig, check_url
from softtoken.proofing.oidc._http import HttpClient

__all__ = ["MetadataCache", "ProviderMetadata"]

_JSON = {"accept": "application/json"}


@attrs.frozen(kw_only=True)
class ProviderMetadata:
    """What the adapter uses of a discovery document (OpenID Connect Discovery 1.0 3)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    #: RFC 9207: the provider names itself in the callback (``iss``), which is then required.
    iss_parameter: bool = False

    @classmethod
    def from_document(cls, document: Mapping[str, object], *, issuer: str) -> ProviderMetadata:
        """Read a discovery document for ``issuer``.

        Raises:
            ConfigurationError: the document is for another issuer (Discovery 4.3), lacks
                an endpoint, names a non-https endpoint, or does not offer PKCE S256.
        """
        if document.get("issuer") != issuer:
            raise ConfigurationError(detail="the discovery document names another issuer")

        def url(name: str, *, required: bool = True) -> str | None:
            value = document.get(name)
            if value is None and not required:
                return None
            if not isinstance(value, str):
                raise ConfigurationError(detail=f"the discovery document has no {name}")
            check_url(name, value)
            return value

        methods = document.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise ConfigurationError(detail="the provider does not offer PKCE with S256")
        authorization, token, jwks = (
            url("authorization_endpoint"),
            url("token_endpoint"),
            url("jwks_uri"),
        )
        assert authorization  # noqa: S101 - required above
        assert token  # noqa: S101 - required above
        assert jwks  # noqa: S101 - required above
        return cls(
            issuer=issuer,
            authorization_endpoint=authorization,
            token_endpoint=token,
            jwks_uri=jwks,
            userinfo_endpoint=url("userinfo_endpoint", required=False),
            iss_parameter=document.get("authorization_response_iss_parameter_supported") is True,
        )


def _signing_keys(document: Mapping[str, object]) -> KeySet:
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise ValidationError("proofing_malformed", field="jwks", detail="no keys")
    # Keys marked for encryption are not signing keys; private members are never kept.
    public = [k for k in keys if isinstance(k, dict) and k.get("use", "sig") == "sig"]
    try:
        imported = KeySet.import_key_set({"keys": public})
        return KeySet([k.__class__.import_key(k.as_dict(private=False)) for k in imported])
    except (JoseError, ValueError, TypeError):
        raise ValidationError(
            "proofing_malformed", field="jwks", detail="keys unreadable"
        ) from None


class MetadataCache:
    """The discovery document and the JWKS of one provider, fetched when needed."""

    def __init__(self, config: OidcConfig, http: HttpClient, policy: Policy) -> None:
        self._config = config
        self._http = http
        self._policy = policy
        self._lock = threading.Lock()
        self._metadata: tuple[ProviderMetadata, datetime] | None = None
        self._keys: tuple[KeySet, datetime] | None = None

    def metadata(self, *, now: datetime) -> ProviderMetadata:
        """The provider's metadata (from the configuration, or its discovery document).

        Raises:
            ProviderUnavailable: the provider did not answer.
            ConfigurationError: the document does not fit this provider.
        """
        with self._lock:
            cached = self._metadata
            if cached is not None and now < cached[1] + self._policy.oidc_metadata_lifetime:
                return cached[0]
            given = self._config.metadata
            if given is not None:
                document: Mapping[str, object] = {"issuer": self._config.issuer, **given}
            else:
                url = self._config.issuer.rstrip("/") + "/.well-known/openid-configuration"
                document = self._http.get(url, headers=_JSON).json()
            found = ProviderMetadata.from_document(document, issuer=self._config.issuer)
            self._metadata = (found, now)
            return found

    def keys(self, *, now: datetime, kid: str | None) -> KeySet:
        """The provider's signing keys, fetched again when they are older than the
        metadata lifetime or do not hold ``kid`` (a rotation) and the last fetch is
        older than the refetch interval.

        Raises:
            ProviderUnavailable: the provider did not answer.
            ValidationError: ``proofing_malformed`` (the JWKS is unreadable).
        """
        metadata = self.metadata(now=now)
        with self._lock:
            cached = self._keys
            if cached is not None:
                keys, fetched = cached
                fresh = now < fetched + self._policy.oidc_metadata_lifetime
                known = kid is None or any(k.kid == kid for k in keys)
                may_refetch = now >= fetched + self._policy.oidc_jwks_refetch_interval
                if fresh and (known or not may_refetch):
                    return keys
            keys = _signing_keys(self._http.get(metadata.jwks_uri, headers=_JSON).json())
            self._keys = (keys, now)
            return keys
