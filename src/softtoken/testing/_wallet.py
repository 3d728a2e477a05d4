"""A Pao Tang simulator for tests and the demo: it plays the provider (its signing key,
its status endpoint) and the app on each person's phone (the profile's verification
status, the first-time consent, scanning the QR code, "confirmed in the app").

::

    wallet = PaoTangWallet(clock=clock)
    settings = RegistrationSettings(paotang=wallet.config(), paotang_status_api=wallet.status_api)
    phone = wallet.enroll(citizen_id="1101700207536", first_name="สมชาย", last_name="ใจดี")
    assertion = phone.scan(challenge.qr_payload, accept_consent=True)   # the callback's body
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import attrs
from joserfc import jws
from joserfc.jwk import ECKey

from softtoken.accounts._identifiers import CitizenId
from softtoken.ports import Clock
from softtoken.proofing.paotang._adapter import QR_SCHEME, PaoTangConfig
from softtoken.proofing.paotang._assertion import nonce_digest

__all__ = [
    "CONFIRMED_IN_APP",
    "ConsentRequired",
    "PaoTangWallet",
    "WalletApp",
    "WalletError",
]

#: What the phone says once the assertion was sent (manual chapter 2 step 2).
CONFIRMED_IN_APP = "ยืนยันในแอปแล้ว / confirmed in the app"
#: What the app discloses; the first scan for a service asks consent for these.
REQUIRED_ITEMS = ("citizen_id", "given_name", "family_name")
OPTIONAL_ITEMS = ("given_name_en", "family_name_en")


class WalletError(Exception):
    """The app refused to go on (an unreadable or expired QR code, consent declined)."""


class ConsentRequired(WalletError):
    """First scan for this service: the app asks consent to disclose ``required`` (which
    must be accepted) and ``optional`` items. Scan again with ``accept_consent``."""

    def __init__(self, service: str) -> None:
        super().__init__(f"consent needed to disclose data to {service}")
        self.service = service
        self.required = REQUIRED_ITEMS
        self.optional = OPTIONAL_ITEMS


@attrs.define(kw_only=True)
class WalletApp:
    """One person's phone with the proofing app."""

    wallet: PaoTangWallet
    citizen_id: CitizenId
    first_name: str
    last_name: str
    first_name_en: str | None = None
    last_name_en: str | None = None
    #: The profile: verified ("ยืนยันตัวตนแล้ว") or awaiting further verification.
    verified: bool = True
    #: The assurance level the assertion states; None leaves the ``ial`` claim out.
    ial: str | None = "ial2"
    consented: set[str] = attrs.field(factory=set)
    screen: str = ""

    @property
    def profile_status(self) -> str:
        """What the app's profile shows (manual chapter 1 D)."""
        if self.verified:
            return "ยืนยันตัวตนแล้ว / verified"
        return "รอการยืนยันตัวตนเพิ่มเติม / awaiting further verification"

    def finish_verification(self) -> None:
        """The person completes verification in the app or at a bank branch."""
        self.verified = True

    def scan(self, qr_payload: str, *, accept_consent: bool | None = None) -> str:
        """Scan the portal's QR code ("other services", "New GFMIS Thai", scan) and send
        the signed assertion to the portal. Returns it: the body the portal's callback
        receives. The provider's status endpoint has it too.

        Raises:
            ConsentRequired: first scan for this service without ``accept_consent``.
            WalletError: consent declined, or the QR code is not a Pao Tang request or
                has expired.
        """
        request = self.wallet.read_qr(qr_payload)
        service = request["client_id"]
        if service not in self.consented:
            if accept_consent is None:
                raise ConsentRequired(request.get("service", service))
            if not accept_consent:
                self.screen = "ยกเลิก / cancelled"
                raise WalletError("consent declined: nothing was disclosed")
            self.consented.add(service)
        claims: dict[str, object] = {
            "aud": service,
            "nonce": request["nonce"],
            "sub": self.citizen_id.value,
            "given_name": self.first_name,
            "family_name": self.last_name,
            "verification_status": "verified" if self.verified else "awaiting_verification",
        }
        if self.ial is not None:
            claims["ial"] = self.ial
        if self.first_name_en and self.last_name_en:
            claims |= {"given_name_en": self.first_name_en, "family_name_en": self.last_name_en}
        token = self.wallet.sign(claims)
        self.wallet.answers[nonce_digest(request["nonce"])] = token
        self.screen = CONFIRMED_IN_APP
        return token


class PaoTangWallet:
    """The simulated provider: a signing key, enrolled phones, a status endpoint."""

    def __init__(
        self,
        *,
        clock: Clock,
        issuer: str = "https://paotang.example/proofing",
        audience: str = "new-gfmis-thai",
        callback_url: str = "https://portal.example/softtoken/proofing/paotang",
        key: ECKey | None = None,
        assertion_lifetime: timedelta = timedelta(minutes=5),
    ) -> None:
        self.clock = clock
        self.issuer = issuer
        self.audience = audience
        self.callback_url = callback_url
        self.key = key or ECKey.generate_key("P-256", parameters={"kid": secrets.token_hex(4)})
        self.assertion_lifetime = assertion_lifetime
        #: Answers by lookup key (the nonce's SHA-256), as the provider's API keeps them.
        self.answers: dict[str, str] = {}

    def config(self, **overrides: object) -> PaoTangConfig:
        """The portal's settings for this provider (its public key only)."""
        fields: dict[str, object] = {
            "issuer": self.issuer,
            "audience": self.audience,
            "public_keys": (self.key.as_dict(private=False),),
            "callback_url": self.callback_url,
            **overrides,
        }
        return PaoTangConfig(**fields)  # type: ignore[arg-type]

    def status_api(self, lookup: str) -> str | None:
        """The provider's "check status" endpoint: the answer for a QR code, if any."""
        return self.answers.get(lookup)

    def enroll(
        self,
        *,
        citizen_id: str,
        first_name: str,
        last_name: str,
        first_name_en: str | None = None,
        last_name_en: str | None = None,
        verified: bool = True,
    ) -> WalletApp:
        """A person installs the app and is verified (or awaiting further verification)."""
        return WalletApp(
            wallet=self,
            citizen_id=CitizenId.parse(citizen_id),
            first_name=first_name,
            last_name=last_name,
            first_name_en=first_name_en,
            last_name_en=last_name_en,
            verified=verified,
        )

    def read_qr(self, qr_payload: str) -> dict[str, str]:
        """The request in a QR payload, as the app reads it."""
        url = urlsplit(qr_payload)
        if f"{url.scheme}://{url.netloc}{url.path}" != QR_SCHEME:
            raise WalletError("not a Pao Tang request")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if query.get("v") != "1" or not {"client_id", "nonce", "exp"} <= query.keys():
            raise WalletError("unsupported request")
        if int(query["exp"]) < int(self.clock.now().timestamp()):
            raise WalletError("the QR code has expired")
        return query

    def sign(self, claims: Mapping[str, object], *, key: ECKey | None = None) -> str:
        """A compact JWS over ``claims`` plus ``iss``/``iat``/``exp``/``jti`` defaults
        (tests override any of them, or sign with another ``key`` to forge)."""
        now = int(self.clock.now().timestamp())
        body = {
            "iss": self.issuer,
            "iat": now,
            "exp": now + int(self.assertion_lifetime.total_seconds()),
            "jti": secrets.token_hex(8),
            **claims,
        }
        signer = key or self.key
        header = {"alg": "ES256", "typ": "JWT", "kid": signer.kid or "none"}
        return jws.serialize_compact(header, json.dumps(body).encode(), signer)
