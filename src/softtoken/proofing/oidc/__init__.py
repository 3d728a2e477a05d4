"""Identity proofing with an OpenID Connect provider: ThaID or any certified provider.

See ``docs/proofing.md``. ``pip install softtoken[oidc]`` brings httpx for the default
HTTP adapter; any object with the two methods of :class:`HttpClient` can replace it.
"""

from softtoken.proofing.oidc._config import (
    SIGNING_ALGORITHMS,
    THAID_SCOPES,
    ClaimNames,
    OidcConfig,
    thaid,
)
from softtoken.proofing.oidc._http import HttpClient, HttpResponse, HttpxClient
from softtoken.proofing.oidc._metadata import ProviderMetadata
from softtoken.proofing.oidc._provider import OidcProvider
from softtoken.proofing.oidc._tokens import check_id_token, pkce_pair

__all__ = [
    "SIGNING_ALGORITHMS",
    "THAID_SCOPES",
    "ClaimNames",
    "HttpClient",
    "HttpResponse",
    "HttpxClient",
    "OidcConfig",
    "OidcProvider",
    "ProviderMetadata",
    "check_id_token",
    "pkce_pair",
    "thaid",
]
