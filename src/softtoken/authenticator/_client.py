"""The reference authenticator: what the manual's "Nexus Smart ID" app does, as a
library object the tests and the demo use as the phone, and a model for app authors.

It holds one device key pair sealed under the PIN (and, with biometrics on, a second copy
under a stand-in for the platform's biometric keystore), scans the activation QR code,
enrolls, keeps the certificate chain, shows login challenges with their pictures, and
signs approvals, declines and renewals. Its whole state is one JSON document
(:meth:`Device.to_json`), which ``softtoken device`` keeps in a file.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import attrs
import pyotp
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from softtoken.authenticator._keystore import (
    KdfParams,
    KeyType,
    SealedKey,
    check_pin,
    device_csr,
    new_device_key,
    open_secret,
    sealed_offline_seed,
)
from softtoken.authenticator._state import dump_state, load_state, read_files, save_files
from softtoken.authenticator._views import ChallengeView, challenge_view, not_issued
from softtoken.errors import AuthenticationError, StateError, ValidationError
from softtoken.policy import Policy
from softtoken.protocol import _jws
from softtoken.protocol._messages import (
    APPROVAL_TYP,
    ENROLL_TYP,
    RENEWAL_TYP,
    ActivationPayload,
    ApprovalClaims,
    EnrollmentClaims,
    RenewalClaims,
    ca_key_pin,
)
from softtoken.protocol.attestation import device_id_for

if TYPE_CHECKING:
    from pathlib import Path

    from softtoken.ports import Clock

__all__ = ["Device"]


@attrs.define
class Device:
    """One authenticator installation. Build with :meth:`create` or :meth:`from_json`."""

    device_id: str
    key_type: KeyType
    sealed_key: SealedKey
    biometric_key: SealedKey | None
    biometric_secret: bytes | None = attrs.field(repr=False)
    max_wrong_pins: int
    pin_digits: int
    wrong_pins: int = 0
    locked: bool = False
    chain_pem: list[str] = attrs.Factory(list)
    totp: dict[str, Any] | None = attrs.field(default=None, repr=False)
    revoked_reason: str | None = None
    #: A renewal's new key between "Accept" and the new certificate, sealed like the
    #: main key (under the PIN, or the biometric secret when unlocked that way).
    pending_key: SealedKey | None = None
    #: The phone's clock for the ``iat`` of its messages (the server refuses an approval
    #: whose ``iat`` is far from its own clock); None: the system clock. Tests give the
    #: harness's fake clock. Not part of the saved state.
    clock: Clock | None = attrs.field(default=None, repr=False, eq=False)
    #: The activation code's CA pin (``p``): every chain installed must end at that key.
    ca_pin: str | None = None

    def _time(self, now: datetime | None) -> datetime:
        return now or (self.clock.now() if self.clock is not None else datetime.now(UTC))

    # --- creating and unlocking -----------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        pin: str,
        confirm_pin: str,
        biometrics: bool = False,
        key_type: KeyType = "ec-p256",
        policy: Policy | None = None,
        kdf: KdfParams | None = None,
        clock: Clock | None = None,
    ) -> Device:
        """Generate the key pair and seal it under the PIN (set and confirmed, as the
        app asks in chapter 2 step 5). Biometrics are optional and only unlock the key.

        Raises:
            ValidationError: ``pin_invalid``, ``pin_trivial`` or ``pin_confirmation_mismatch``.
        """
        rules = policy or Policy()
        check_pin(pin, digits=rules.device_pin_digits)
        if confirm_pin != pin:
            raise ValidationError("pin_confirmation_mismatch", field="confirm_pin")
        params = kdf or KdfParams()
        key = new_device_key(key_type)
        bio_secret = secrets.token_bytes(32) if biometrics else None
        return cls(
            device_id=device_id_for(key.public_key()),
            key_type=key_type,
            sealed_key=SealedKey.seal(key, pin.encode(), params),
            biometric_key=SealedKey.seal(key, bio_secret, params) if bio_secret else None,
            biometric_secret=bio_secret,
            max_wrong_pins=rules.device_max_wrong_pins,
            pin_digits=rules.device_pin_digits,
            clock=clock,
        )

    def _unlock(self, pin: str | None, biometric: bool) -> _jws.DevicePrivateKey:
        if self.locked:
            raise StateError("device_locked")
        if biometric:
            if self.biometric_key is None or self.biometric_secret is None:
                raise StateError("biometrics_not_enabled")
            key = self.biometric_key.open(self.biometric_secret)
            if key is None:  # pragma: no cover - only a corrupted state file gets here
                raise StateError("device_locked")
            return key
        if not isinstance(pin, str) or len(pin) != self.pin_digits or not pin.isdigit():
            raise ValidationError("pin_invalid", field="pin")
        key = self.sealed_key.open(pin.encode())
        if key is None:
            self.wrong_pins += 1
            if self.wrong_pins >= self.max_wrong_pins:
                self.locked = True
                raise StateError("device_locked")
            raise AuthenticationError(
                "pin_wrong", detail=f"{self.max_wrong_pins - self.wrong_pins} tries left"
            )
        self.wrong_pins = 0
        return key

    def change_pin(self, *, old_pin: str, new_pin: str, confirm_pin: str) -> None:
        key = self._unlock(old_pin, biometric=False)
        check_pin(new_pin, digits=self.pin_digits, field="new_pin")
        if confirm_pin != new_pin:
            raise ValidationError("pin_confirmation_mismatch", field="confirm_pin")
        self.sealed_key = SealedKey.seal(key, new_pin.encode(), self.sealed_key.kdf)

    # --- activation (chapter 2 step 5) ----------------------------------------------

    @property
    def activated(self) -> bool:
        return bool(self.chain_pem) and self.revoked_reason is None

    def chain(self) -> list[x509.Certificate]:
        return [x509.load_pem_x509_certificate(p.encode()) for p in self.chain_pem]

    @property
    def certificate_serial(self) -> str:
        """The serial of the current certificate in hex, how the device names itself."""
        if not self.chain_pem:
            raise StateError("device_not_activated")
        return format(self.chain()[0].serial_number, "x")

    @staticmethod
    def scan(uri: str) -> ActivationPayload:
        """Read the activation QR code ("Scan QR code")."""
        return ActivationPayload.parse(uri)

    def enroll(
        self,
        payload: ActivationPayload,
        *,
        pin: str | None = None,
        biometric: bool = False,
        now: datetime | None = None,
        platform: Literal["android", "ios", "reference"] = "reference",
    ) -> str:
        """The enrollment message for ``payload`` ("Activate"), signed with the new key."""
        key = self._unlock(pin, biometric)
        self.ca_pin = payload.ca_pin
        claims = EnrollmentClaims(
            activation_id=payload.activation_id,
            secret=payload.secret,
            csr_der=device_csr(key),
            platform=platform,
            biometrics=self.biometric_key is not None,
            attestation={"fmt": "software", "device_id": self.device_id},
            issued_at=self._time(now),
        )
        return _jws.sign(claims.to_claims(), key, typ=ENROLL_TYP)

    def install(self, answer: Mapping[str, Any], *, pin: str | None = None) -> None:
        """Keep what the server answered to the enrollment or renewal: the certificate
        chain (``x5c``, leaf first) and, when offline codes are allowed, the TOTP seed
        (sealed under the PIN, which is then needed here). A chain whose root lacks the
        pinned key (:attr:`ca_pin`) is ``certificate_untrusted``."""
        chain = answer.get("x5c")
        if not isinstance(chain, list) or not chain:
            raise ValidationError("device_message_malformed", field="answer")
        certificates = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in chain]
        if self.ca_pin is not None and ca_key_pin(certificates[-1]) != self.ca_pin:
            raise AuthenticationError("certificate_untrusted", detail="not the pinned CA")
        self.chain_pem = [c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates]
        offline = answer.get("totp")
        if isinstance(offline, dict):
            if pin is None:
                raise StateError("pin_required")
            self._unlock(pin, biometric=False)
            self.totp = sealed_offline_seed(offline, pin, self.sealed_key.kdf)
        self.revoked_reason = None

    # --- login challenges (chapter 3) -----------------------------------------------

    @staticmethod
    def view(challenge: Mapping[str, Any]) -> ChallengeView:
        """What the app shows for a challenge the server sent."""
        return challenge_view(challenge)

    def _answer(  # noqa: PLR0917 - private; the public methods take keywords
        self,
        challenge: Mapping[str, Any],
        decision: Literal["approve", "decline"],
        answer: str | None,
        pin: str | None,
        biometric: bool,
        now: datetime | None,
    ) -> str:
        if not self.activated:
            raise StateError("device_not_activated")
        key = self._unlock(pin, biometric)
        view = self.view(challenge)
        claims = ApprovalClaims(
            challenge_id=view.challenge_id,
            nonce=str(challenge.get("nonce", "")),
            decision=decision,
            answer=answer,
            issued_at=self._time(now),
        )
        return _jws.sign(claims.to_claims(), key, typ=APPROVAL_TYP, chain=self.chain())

    def approve(
        self,
        challenge: Mapping[str, Any],
        *,
        answer: str | None = None,
        pin: str | None = None,
        biometric: bool = False,
        now: datetime | None = None,
    ) -> str:
        """Approve: ``answer`` is the picture ID chosen (``select``), the code typed
        (``enter``) or None (``confirm``, the manual's mode)."""
        return self._answer(challenge, "approve", answer, pin, biometric, now)

    def decline(
        self,
        challenge: Mapping[str, Any],
        *,
        pin: str | None = None,
        biometric: bool = False,
        now: datetime | None = None,
    ) -> str:
        """ "Not me": the server records and emails it."""
        return self._answer(challenge, "decline", None, pin, biometric, now)

    # --- offline fallback codes -------------------------------------------------------

    def offline_code(self, *, pin: str, now: datetime | None = None) -> str:
        """A TOTP code for when the phone has no network (only if the portal allows it)."""
        if self.totp is None:
            raise StateError("totp_not_enrolled")
        self._unlock(pin, biometric=False)
        secret = open_secret(self.totp["sealed"], pin, self.sealed_key.kdf)
        code = pyotp.TOTP(
            secret.decode(),
            digits=int(self.totp["digits"]),
            digest=getattr(hashlib, str(self.totp["algorithm"]).lower()),
            interval=int(self.totp["period"]),
        )
        return code.at(self._time(now))

    # --- renewal (chapter 6) ----------------------------------------------------------

    def accept_renewal(
        self,
        request: Mapping[str, Any],
        *,
        pin: str | None = None,
        biometric: bool = False,
        now: datetime | None = None,
    ) -> str:
        """ "Update Profile", "Accept": signed with the current key; when the server asks
        for a new key, the new key is made, sealed under the same PIN, and its CSR sent
        (a ``renewal_issued`` item goes to :meth:`install_renewal`)."""
        not_issued(request)
        key = self._renewal_key(pin, biometric)
        csr = None
        if request.get("new_key"):
            # The new key is sealed under the PIN, so a new-key renewal needs the PIN.
            if biometric or pin is None:
                raise StateError("pin_required")
            new_key = new_device_key(self.key_type)
            csr = device_csr(new_key)
            self.pending_key = SealedKey.seal(new_key, pin.encode(), self.sealed_key.kdf)
        return self._renewal_answer(request, key, "accept", csr, now)

    def decline_renewal(
        self,
        request: Mapping[str, Any],
        *,
        pin: str | None = None,
        biometric: bool = False,
        now: datetime | None = None,
    ) -> str:
        """ "Update Profile", "Decline": the server records it and issues nothing."""
        not_issued(request)
        key = self._renewal_key(pin, biometric)
        return self._renewal_answer(request, key, "decline", None, now)

    def _renewal_key(self, pin: str | None, biometric: bool) -> _jws.DevicePrivateKey:
        if not self.activated:
            raise StateError("device_not_activated")
        key = self._unlock(pin, biometric)
        self.pending_key = None
        return key

    def _renewal_answer(
        self,
        request: Mapping[str, Any],
        key: _jws.DevicePrivateKey,
        decision: Literal["accept", "decline"],
        csr: bytes | None,
        now: datetime | None,
    ) -> str:
        claims = RenewalClaims(
            renewal_id=str(request.get("rid", "")),
            nonce=str(request.get("nonce", "")),
            decision=decision,
            csr_der=csr,
            issued_at=self._time(now),
        )
        return _jws.sign(claims.to_claims(), key, typ=RENEWAL_TYP, chain=self.chain())

    def install_renewal(self, answer: Mapping[str, Any], *, pin: str | None = None) -> None:
        """Keep the renewed certificate ("Profile updated successfully"); a new key made
        at "Accept" becomes the device key (which needs the PIN again)."""
        if self.pending_key is not None:
            if pin is None:
                raise StateError("pin_required")
            self._unlock(pin, biometric=False)
            new_key = self.pending_key.open(pin.encode())
            if new_key is None:  # pragma: no cover - sealed under this very PIN
                raise AuthenticationError("pin_wrong")
            kdf = self.sealed_key.kdf
            self.sealed_key = SealedKey.seal(new_key, pin.encode(), kdf)
            if self.biometric_secret is not None:
                self.biometric_key = SealedKey.seal(new_key, self.biometric_secret, kdf)
            self.pending_key = None
        self.install(answer)

    def learn_revoked(self, reason: str) -> None:
        """The server said this token was revoked: forget the certificate."""
        self.revoked_reason, self.chain_pem, self.totp = reason, [], None

    # --- persistence (see ``_state``) ----------------------------------------------------

    def to_json(self) -> str:
        """The state, the key sealed under the PIN; never the biometric secret."""
        return dump_state({f.name: getattr(self, f.name) for f in attrs.fields(Device)})

    @classmethod
    def from_json(cls, text: str, *, biometric_secret: bytes | None = None) -> Device:
        """A device from :meth:`to_json`; biometric unlock needs ``biometric_secret``."""
        fields = load_state(text)
        if biometric_secret is not None:
            fields["biometric_secret"] = biometric_secret
        return cls(**fields)

    def save(self, path: Path) -> None:
        """Write the state file (0600, replaced whole) and, with biometrics on, the
        biometric secret beside it in its own 0600 file."""
        save_files(path, self.to_json(), self.biometric_secret)

    @classmethod
    def load(cls, path: Path, *, clock: Clock | None = None) -> Device:
        """The device :meth:`save` wrote; without its biometric file (a copied state
        file), only the PIN unlocks it."""
        text, secret = read_files(path)
        device = cls.from_json(text, biometric_secret=secret)
        device.clock = clock
        return device
