"""The OpenID Connect proofing provider: the authorization code flow with PKCE (S256),
``state`` and ``nonce`` bound to the pending proofing (and so to the registration that
asked), the ID token checked against the provider's JWKS, its claims mapped to a
:class:`VerifiedIdentity`.

The ceremony, in the proofing service's terms:

- ``start``: a fresh ``state`` and ``nonce`` (256 bits each); the portal keeps their
  SHA-256 only (the state's is the lookup key that finds the proofing again). The PKCE
  verifier is derived from the state with a key only the portal holds, so nothing secret
  is stored. What to show (``qr_payload``) is the authorization URL: the portal
  redirects the person's browser there (or shows it as a QR code for a phone).
- ``callback``: the provider sends the browser back to the portal's ``redirect_uri``
  with ``code`` and ``state`` (or ``error``); the portal passes those parameters in.
- ``prepare`` (called by the service before its unit of work, for a pending proofing):
  the callback's error and ``iss`` checks, the code redeemed at the token endpoint with
  the verifier, the signing keys and (for claims the ID token lacks) the userinfo
  fetched (``_exchange.py``). Refusals travel in the answer.
- ``verify`` (inside the unit of work): the state must be the proofing's, the ID token
  is checked (``_tokens.py``), the userinfo must be about the same ``sub``, the citizen
  ID must be the one entered at step 1 and ``acr`` must name a level the deployment
  accepts. Given the raw callback instead of a prepared answer, it fetches it itself.

An answer counts once: the service marks the proofing verified, and the provider
refuses a code twice. HTTP goes through the :class:`HttpClient` port.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

from softtoken.accounts._identifiers import CitizenId
from softtoken.errors import AuthenticationError, StateError, ValidationError
from softtoken.policy import Policy
from softtoken.proofing._provider import Started
from softtoken.proofing._result import AssuranceLevel, ProofingRecord, VerifiedIdentity
from softtoken.proofing.oidc._config import OidcConfig
from softtoken.proofing.oidc._exchange import OidcAnswer, fetch_answer
from softtoken.proofing.oidc._http import HttpClient, HttpxClient
from softtoken.proofing.oidc._metadata import MetadataCache
from softtoken.proofing.oidc._tokens import (
    check_id_token,
    digest,
    pkce_pair,
    read_callback,
    text_claim,
)

__all__ = ["OidcProvider"]


class OidcProvider:
    """Identity proofing with an OpenID Connect provider (ThaID, or any certified one).

    Args:
        config: the provider's settings (:class:`OidcConfig`; :func:`thaid` for ThaID).
        http: how to reach the provider; an :class:`HttpxClient` by default.
        name: the provider's name in the deployment (``thaid``, ``oidc``, ...).
        policy: the deployment's policy (clock skew, ID token age, cache lifetimes).
    """

    def __init__(
        self,
        config: OidcConfig,
        *,
        http: HttpClient | None = None,
        name: str = "oidc",
        policy: Policy | None = None,
    ) -> None:
        self._owned: HttpxClient | None = None
        if http is None:
            http = self._owned = HttpxClient()
        self.config = config
        self.policy = policy or Policy()
        self._http = http
        self._name = name
        self._cache = MetadataCache(config, http, self.policy)

    @property
    def name(self) -> str:
        return self._name

    def close(self) -> None:
        """Close the HTTP client this provider made (not one passed in)."""
        if self._owned is not None:
            self._owned.close()

    # --- start ----------------------------------------------------------------------

    def start(
        self,
        *,
        proofing_id: str,  # noqa: ARG002 - the protocol's signature; the state binds instead
        citizen_id: CitizenId,  # noqa: ARG002 - checked in verify against the record
        expires_at: datetime,  # noqa: ARG002 - the provider's own session has its own limit
        now: datetime,
    ) -> Started:
        """The authorization URL for a fresh ``state``/``nonce`` pair.

        Raises:
            ProviderUnavailable: the discovery document could not be fetched.
        """
        metadata = self._cache.metadata(now=now)
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        _, challenge = pkce_pair(self.config.pkce_key(), state)
        params = {
            **self.config.extra_params,
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": self.config.redirect_uri,
            "scope": " ".join(self.config.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if self.config.acr_values:
            params["acr_values"] = " ".join(self.config.acr_values)
        endpoint = metadata.authorization_endpoint
        joiner = "&" if urlsplit(endpoint).query else "?"
        url = f"{endpoint}{joiner}{urlencode(params, quote_via=quote)}"
        return Started(qr_payload=url, lookup=digest(state), state={"nonce_sha256": digest(nonce)})

    def lookup(self, evidence: object) -> str | None:
        if isinstance(evidence, OidcAnswer):
            return digest(evidence.state)
        return digest(read_callback(evidence)["state"])

    def prepare(self, evidence: object, *, now: datetime) -> object:
        """Fetch the provider's answer for a callback: redeem the code, fetch the keys and
        the userinfo. The proofing service calls this before its unit of work, so no
        database transaction waits on the provider; ``verify`` then only checks.

        Never raises for the provider's refusals or absence: they travel in the answer
        and ``verify`` raises them, so they are audited against the proofing they are
        for. A callback that cannot be read is returned as it is (``lookup`` refuses it).
        """
        try:
            params = read_callback(evidence)
        except ValidationError:
            return evidence
        return fetch_answer(self.config, self._http, self._cache, params, now=now)

    def poll(self, record: ProofingRecord, *, now: datetime) -> object | None:  # noqa: ARG002
        # The answer comes back through the browser's redirect only.
        return None

    # --- verify ---------------------------------------------------------------------

    def verify(
        self, record: ProofingRecord, evidence: object, *, now: datetime
    ) -> VerifiedIdentity:
        """Finish the code flow for ``record`` with the callback's parameters.

        Raises:
            ValidationError: ``proofing_malformed``.
            StateError: ``proofing_access_denied``, ``proofing_citizen_mismatch``,
                ``proofing_assurance_unknown``.
            AuthenticationError: ``proofing_nonce_mismatch`` (a state or nonce of another
                proofing), ``proofing_code_rejected`` (expired, used, or another
                verifier), ``proofing_provider_error``, ``proofing_bad_signature``,
                ``proofing_wrong_issuer``, ``proofing_wrong_audience``,
                ``proofing_assertion_expired``, ``proofing_userinfo_mismatch``.
            ProviderUnavailable: the provider did not answer.
        """
        params: dict[str, str] = {}
        if isinstance(evidence, OidcAnswer):
            state = evidence.state
        else:
            params = read_callback(evidence)
            state = params["state"]
        # The state first: an answer for another proofing is refused before anything else
        # (and, when nothing was fetched yet, before any request to the provider).
        if record.lookup is None or not hmac.compare_digest(digest(state), record.lookup):
            raise AuthenticationError("proofing_nonce_mismatch", detail="state")
        answer = (
            evidence
            if isinstance(evidence, OidcAnswer)
            else fetch_answer(self.config, self._http, self._cache, params, now=now)
        )
        if answer.error is not None:
            raise answer.error
        assert answer.keys is not None  # noqa: S101 - an answer without error has them
        claims = check_id_token(
            answer.id_token,
            keys=answer.keys,
            algorithms=self.config.algorithms,
            issuer=self.config.issuer,
            client_id=self.config.client_id,
            nonce_sha256=record.state.get("nonce_sha256", ""),
            now=now,
            skew=self.policy.oidc_clock_skew,
            max_age=self.policy.oidc_id_token_max_age,
        )
        if answer.userinfo is not None:
            # Core 5.3.4: the userinfo's sub must be the ID token's, or it is someone else.
            if answer.userinfo.get("sub") != claims.get("sub"):
                raise AuthenticationError("proofing_userinfo_mismatch")
            claims = {**answer.userinfo, **claims}
        return self._identity(record, claims, now=now)

    def _identity(
        self, record: ProofingRecord, claims: Mapping[str, object], *, now: datetime
    ) -> VerifiedIdentity:
        names = self.config.claims
        raw_id = text_claim(claims, names.citizen_id)
        try:
            proven = CitizenId.parse(raw_id)
        except ValidationError:
            raise ValidationError(
                "proofing_malformed", field="claims", detail=f"{names.citizen_id} is not valid"
            ) from None
        if proven != record.citizen_id:
            raise StateError("proofing_citizen_mismatch")
        level = self._level(claims.get("acr"))
        first, last = text_claim(claims, names.first_name), text_claim(claims, names.last_name)
        assert first is not None  # noqa: S101 - text_claim raised otherwise
        assert last is not None  # noqa: S101 - text_claim raised otherwise
        # The provider's record of this proofing, for audits: the token's ID, or the
        # subject's hash and the issue time (a provider may use the citizen ID as ``sub``,
        # which the audit log must not carry in clear).
        jti = claims.get("jti")
        subject = digest(str(claims["sub"]))[:32]
        reference = f"jti:{jti}" if isinstance(jti, str) else f"sub:{subject}:{claims['iat']}"
        return VerifiedIdentity(
            citizen_id=record.citizen_id,
            first_name=first,
            last_name=last,
            first_name_en=_optional(claims, names.first_name_en),
            last_name_en=_optional(claims, names.last_name_en),
            assurance_level=level,
            provider=self._name,
            evidence_reference=f"{self._name}:{reference}"[:200],
            verified_at=now,
        )

    def _level(self, acr: object) -> AssuranceLevel:
        if acr is None and self.config.default_level is not None:
            return self.config.default_level
        level = self.config.acr_levels.get(acr) if isinstance(acr, str) else None
        if level is None:
            raise StateError("proofing_assurance_unknown", detail=f"acr {acr!r}"[:100])
        return level


def _optional(claims: Mapping[str, object], name: str | None) -> str | None:
    return None if name is None else text_claim(claims, name, optional=True)
