"""The Pao Tang reference adapter: a QR code with a one-time nonce and the portal's
callback; the wallet answers with a signed assertion (``_assertion.py``).

QR payload (version 1)::

    paotang://proofing?v=1&client_id=<audience>&nonce=<nonce>&callback=<url>&exp=<unix>&service=<name>

The nonce is 256 random bits from ``secrets``; the portal keeps only its SHA-256, which
is also the key that finds the pending proofing when the answer arrives.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import attrs
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import ConfigurationError
from softtoken.proofing._provider import Started
from softtoken.proofing._result import ProofingRecord, VerifiedIdentity
from softtoken.proofing.paotang._assertion import (
    check_assertion,
    nonce_digest,
    unverified_claims,
)

__all__ = ["QR_SCHEME", "PaoTangConfig", "PaoTangProvider"]

QR_SCHEME = "paotang://proofing"
#: Asks the provider for an answer by the lookup key (the nonce's SHA-256, hex).
StatusApi = Callable[[str], str | None]


def _load_key(raw: object) -> ECKey:
    try:
        if isinstance(raw, ECKey):
            key = raw
        elif isinstance(raw, Mapping):
            key = ECKey.import_key(dict(raw))
        elif isinstance(raw, str | bytes):
            key = ECKey.import_key(raw)
        else:
            raise ConfigurationError(detail="Pao Tang keys are JWK dicts or PEM text")
    except (JoseError, ValueError) as error:
        raise ConfigurationError(detail=f"Pao Tang key not readable: {error}") from None
    if key.curve_name != "P-256":
        raise ConfigurationError(detail="Pao Tang keys are EC P-256 (ES256)")
    return ECKey.import_key(key.as_dict(private=False))


@attrs.frozen(kw_only=True)
class PaoTangConfig:
    """A deployment's Pao Tang settings.

    Args:
        issuer: the provider's ``iss``.
        audience: the portal's client ID at the provider (``aud`` of assertions).
        public_keys: the provider's verification keys: EC P-256 JWK dicts or PEM text.
            Several may be listed during a key rotation; ``kid`` picks one.
        callback_url: where the wallet posts its assertion (the portal's route, HTTPS).
        service_name: shown in the wallet's "other services" list.
        leeway: clock skew allowed on ``iat``/``exp``.
    """

    issuer: str
    audience: str
    public_keys: Sequence[object]
    callback_url: str
    service_name: str = "New GFMIS Thai"
    leeway: timedelta = timedelta(seconds=60)

    def __attrs_post_init__(self) -> None:
        if not self.issuer or not self.audience:
            raise ConfigurationError(detail="Pao Tang needs an issuer and an audience")
        if not self.public_keys:
            raise ConfigurationError(detail="Pao Tang needs at least one public key")
        url = urlsplit(self.callback_url)
        local = url.hostname in {"localhost", "127.0.0.1"}
        if url.scheme != "https" and not (url.scheme == "http" and local):
            raise ConfigurationError(detail="the Pao Tang callback URL must use https")


class PaoTangProvider:
    """Identity proofing with the Pao Tang wallet (``name = "paotang"``).

    ``status_api`` is how "check status" asks the provider for an answer that has not
    reached the callback; leave it None when the callback is the only channel.
    """

    def __init__(
        self, config: PaoTangConfig, *, name: str = "paotang", status_api: StatusApi | None = None
    ) -> None:
        self.config = config
        self._name = name
        self._keys = [_load_key(k) for k in config.public_keys]
        self._status_api = status_api

    @property
    def name(self) -> str:
        return self._name

    def start(
        self,
        *,
        proofing_id: str,  # noqa: ARG002 - the protocol's signature; the nonce binds instead
        citizen_id: CitizenId,  # noqa: ARG002 - checked in verify against the record
        expires_at: datetime,
        now: datetime,  # noqa: ARG002 - the protocol's signature
    ) -> Started:
        nonce = secrets.token_urlsafe(32)
        digest = nonce_digest(nonce)
        query = urlencode(
            {
                "v": "1",
                "client_id": self.config.audience,
                "nonce": nonce,
                "callback": self.config.callback_url,
                "exp": str(int(expires_at.timestamp())),
                "service": self.config.service_name,
            }
        )
        return Started(
            qr_payload=f"{QR_SCHEME}?{query}", lookup=digest, state={"nonce_sha256": digest}
        )

    def lookup(self, evidence: object) -> str | None:
        nonce = unverified_claims(evidence).get("nonce")
        return nonce_digest(nonce) if isinstance(nonce, str) else None

    def verify(
        self, record: ProofingRecord, evidence: object, *, now: datetime
    ) -> VerifiedIdentity:
        return check_assertion(
            evidence,
            keys=self._keys,
            issuer=self.config.issuer,
            audience=self.config.audience,
            nonce_sha256=record.state.get("nonce_sha256", ""),
            citizen_id=record.citizen_id,
            provider=self._name,
            now=now,
            leeway=self.config.leeway,
        )

    def poll(self, record: ProofingRecord, *, now: datetime) -> object | None:  # noqa: ARG002
        if self._status_api is None or record.lookup is None:
            return None
        return self._status_api(record.lookup)
