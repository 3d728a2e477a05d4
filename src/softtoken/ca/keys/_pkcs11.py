"""The PKCS#11 backend: the CA's key lives in an HSM (or SoftHSM2) and never leaves it.

Needs ``python-pkcs11`` (``pip install softtoken[hsm]``). The token signs the
to-be-signed bytes of each certificate, CRL and OCSP response; see
:class:`~softtoken.ca.ExternalSigner` for how the signature is put in place. ECDSA keys
sign a digest computed here (``CKM_ECDSA``, which every token supports); RSA keys use
``CKM_SHA256_RSA_PKCS``.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key

from softtoken.ca.keys._signers import CaPublicKey, ExternalSigner, ca_key_type
from softtoken.errors import ConfigurationError

__all__ = ["Pkcs11Signer"]

_CURVES = {"ec-p256": "secp256r1", "ec-p384": "secp384r1"}


def _pkcs11() -> Any:
    try:
        import pkcs11  # noqa: PLC0415 - optional dependency, loaded only when used
    except ImportError:
        raise ConfigurationError(
            "ca_key_unavailable", detail="PKCS#11 needs python-pkcs11: pip install softtoken[hsm]"
        ) from None
    return pkcs11


def _open_session(library: str, token_label: str, pin: str, *, rw: bool = False) -> Any:
    pkcs11 = _pkcs11()
    try:
        token = pkcs11.lib(library).get_token(token_label=token_label)
        try:
            return token.open(user_pin=pin, rw=rw)
        except pkcs11.exceptions.UserAlreadyLoggedIn:
            # PKCS#11 logs in the application, not the session: another session of this
            # process has logged in already, and this one shares that login.
            return token.open(rw=rw)
    except (pkcs11.PKCS11Error, RuntimeError, OSError) as error:
        raise ConfigurationError(
            "ca_key_unavailable", detail=f"pkcs11 token {token_label!r}: {type(error).__name__}"
        ) from None


class Pkcs11Signer(ExternalSigner):
    """A private key on a PKCS#11 token, found by label.

    Args:
        library: the module's path, e.g. ``/usr/lib/softhsm/libsofthsm2.so``.
        token_label: the token holding the key.
        pin: the token's user PIN (kept only to open the session).
        key_label: the label of the private key and of its public key.

    The session is opened once and shared; signing is serialized by a lock, because a
    PKCS#11 session runs one operation at a time.
    """

    def __init__(self, *, library: str, token_label: str, pin: str, key_label: str) -> None:
        pkcs11 = _pkcs11()
        self._label = key_label
        self._token = token_label
        self._lock = threading.Lock()
        self._session = _open_session(library, token_label, pin)
        try:
            self._private = self._session.get_key(
                object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=key_label
            )
            public = self._session.get_key(
                object_class=pkcs11.ObjectClass.PUBLIC_KEY, label=key_label
            )
        except (pkcs11.PKCS11Error, RuntimeError) as error:
            self._session.close()
            raise ConfigurationError(
                "ca_key_unavailable", detail=f"pkcs11 key {key_label!r}: {type(error).__name__}"
            ) from None
        self._is_rsa = public.key_type == pkcs11.KeyType.RSA
        self._public: CaPublicKey = self._load_public(public)
        self._type = ca_key_type(self._public)

    def _load_public(self, public: Any) -> CaPublicKey:
        # cryptography reads both SubjectPublicKeyInfo (EC) and PKCS#1 (RSA) DER.
        if self._is_rsa:
            from pkcs11.util.rsa import encode_rsa_public_key  # noqa: PLC0415

            der = encode_rsa_public_key(public)
        else:
            from pkcs11.util.ec import encode_ec_public_key  # noqa: PLC0415

            der = encode_ec_public_key(public)
        key = load_der_public_key(der)
        ca_key_type(key)  # refuses anything but EC P-256/P-384 and RSA >= 3072
        return key  # type: ignore[return-value]

    @classmethod
    def generate(
        cls,
        *,
        library: str,
        token_label: str,
        pin: str,
        key_label: str,
        key_type: str = "ec-p256",
    ) -> Pkcs11Signer:
        """Make a key pair on the token (private half sensitive, not extractable), then
        open it. ``key_type``: ``ec-p256``, ``ec-p384``, ``rsa-3072`` or ``rsa-4096``."""
        pkcs11 = _pkcs11()
        from pkcs11.util.ec import encode_named_curve_parameters  # noqa: PLC0415

        attribute = pkcs11.Attribute
        private_template = {attribute.SENSITIVE: True, attribute.EXTRACTABLE: False}
        with _open_session(library, token_label, pin, rw=True) as session:
            try:
                if key_type in _CURVES:
                    params = session.create_domain_parameters(
                        pkcs11.KeyType.EC,
                        {attribute.EC_PARAMS: encode_named_curve_parameters(_CURVES[key_type])},
                        local=True,
                    )
                    params.generate_keypair(
                        store=True, label=key_label, private_template=private_template
                    )
                elif key_type in {"rsa-3072", "rsa-4096"}:
                    session.generate_keypair(
                        pkcs11.KeyType.RSA,
                        int(key_type[4:]),
                        store=True,
                        label=key_label,
                        private_template=private_template,
                    )
                else:
                    raise ConfigurationError("ca_key_unavailable", detail=f"type {key_type!r}")
            except pkcs11.PKCS11Error as error:
                raise ConfigurationError(
                    "ca_key_unavailable", detail=f"pkcs11 keygen: {type(error).__name__}"
                ) from None
        return cls(library=library, token_label=token_label, pin=pin, key_label=key_label)

    @property
    def public_key(self) -> CaPublicKey:
        return self._public

    @property
    def description(self) -> str:
        return f"pkcs11:{self._token}/{self._label}:{self._type}"

    def sign_bytes(self, data: bytes, algorithm: hashes.SHA256 | hashes.SHA384) -> bytes:
        pkcs11 = _pkcs11()
        try:
            with self._lock:
                if self._is_rsa:
                    return bytes(
                        self._private.sign(data, mechanism=pkcs11.Mechanism.SHA256_RSA_PKCS)
                    )
                digest = hashlib.new(algorithm.name, data).digest()
                raw = bytes(self._private.sign(digest, mechanism=pkcs11.Mechanism.ECDSA))
        except pkcs11.PKCS11Error as error:
            raise ConfigurationError(
                "ca_key_unavailable", detail=f"pkcs11 sign: {type(error).__name__}"
            ) from None
        half = len(raw) // 2  # PKCS#11 gives r || s; X.509 wants the DER sequence
        return encode_dss_signature(
            int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        )

    def close(self) -> None:
        with self._lock:
            self._session.close()
