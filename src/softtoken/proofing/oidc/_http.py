"""The HTTP port the OpenID Connect adapter talks through, and its httpx adapter.

The adapter's checks are pure functions of what the provider answered; every request
goes through :class:`HttpClient`, a two-method protocol, so tests and hosts can bring
their own transport. :class:`HttpxClient` is the one the library ships (``softtoken[oidc]``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import attrs

from softtoken.errors import ConfigurationError, ProviderUnavailable, ValidationError

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_RESPONSE_BYTES", "HttpClient", "HttpResponse", "HttpxClient"]

#: The largest answer read from a provider (a discovery document, a JWKS, a token
#: response): a few kilobytes in practice; a megabyte bounds what a hostile one can send.
MAX_RESPONSE_BYTES = 1024 * 1024
_SERVER_ERROR = 500


@attrs.frozen(kw_only=True)
class HttpResponse:
    """What came back: the status, the headers (lower-case names) and the body."""

    status: int
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    def json(self) -> dict[str, object]:
        """The body as a JSON object.

        Raises:
            ProviderUnavailable: the provider answered with a server error.
            ValidationError: ``proofing_malformed`` (not a JSON object).
        """
        if self.status >= _SERVER_ERROR:
            raise ProviderUnavailable(detail=f"the provider answered HTTP {self.status}")
        try:
            data = json.loads(self.body)
        except (UnicodeDecodeError, ValueError):
            data = None
        if not isinstance(data, dict):
            raise ValidationError(
                "proofing_malformed", field="provider", detail="the answer is not a JSON object"
            )
        return data


class HttpClient(Protocol):
    """How the adapter reaches the provider. Both calls raise
    :class:`~softtoken.errors.ProviderUnavailable` when the provider cannot be reached
    (refused, timed out, TLS failure); any HTTP status is an answer, returned."""

    def get(self, url: str, *, headers: Mapping[str, str]) -> HttpResponse: ...

    def post_form(
        self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str]
    ) -> HttpResponse: ...


class HttpxClient:
    """:class:`HttpClient` over an ``httpx.Client`` (``pip install softtoken[oidc]``).

    Redirects are not followed (an endpoint that moves is a configuration change) and
    answers larger than ``max_bytes`` are refused.

    Args:
        client: an ``httpx.Client`` to share (proxies, CA bundle); a new one otherwise.
        timeout: seconds for each request when the client is made here.
        max_bytes: the largest answer read.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        timeout: float = 10.0,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        try:
            import httpx  # noqa: PLC0415 - an optional dependency, needed only here
        except ImportError:
            raise ConfigurationError(
                detail="the OpenID Connect adapter needs httpx: pip install 'softtoken[oidc]'"
            ) from None

        self._httpx = httpx
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._max_bytes = max_bytes

    def get(self, url: str, *, headers: Mapping[str, str]) -> HttpResponse:
        return self._send("GET", url, headers=headers)

    def post_form(
        self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str]
    ) -> HttpResponse:
        return self._send("POST", url, headers=headers, data=dict(form))

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        data: dict[str, str] | None = None,
    ) -> HttpResponse:
        try:
            request = self._client.build_request(method, url, headers=dict(headers), data=data)
            response = self._client.send(request, stream=True)
            try:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise ValidationError(
                            "proofing_malformed", field="provider", detail="answer too large"
                        )
            finally:
                response.close()
        except self._httpx.HTTPError as error:
            raise ProviderUnavailable(detail=f"{method} {url}: {type(error).__name__}") from None
        return HttpResponse(
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=bytes(body),
        )

    def close(self) -> None:
        self._client.close()
