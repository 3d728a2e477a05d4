"""Android-style attestation chains made in the test, for keys the test holds.

The published samples (tests/vectors/attestation/) certify keys whose private halves
nobody has, for challenges fixed long ago, so they cannot enroll a device through
activation. To test the wiring, this module plays the keystore: a test root, an
attestation key, and a leaf for the device's own key whose KeyDescription (encoded with
pyasn1, as Android's page specifies it) carries the activation's challenge; and Apple's
attestation service, which attests an App Attest key for a client data hash.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyasn1.codec.der import encoder
from pyasn1.type import tag, univ

from softtoken.protocol._jws import DevicePublicKey
from softtoken.protocol.attestation import KEY_DESCRIPTION_OID, NONCE_OID


def _explicit(value: Any, number: int) -> Any:
    return value.subtype(explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, number))


def _sequence(*items: Any, tagged: int | None = None) -> univ.Sequence:
    # A constructed value loses its components in subtype(), so tag the empty one first.
    seq = univ.Sequence() if tagged is None else _explicit(univ.Sequence(), tagged)
    for position, item in enumerate(items):
        seq.setComponentByPosition(position, item)
    return seq


def key_description(
    challenge: bytes,
    *,
    level: int = 1,
    origin: int = 0,
    locked: bool = True,
    package: str = "th.go.cgd.softtoken",
) -> bytes:
    """A KeyDescription (version 200, KeyMint 2) as a TEE (``level=1``) would write it."""
    root_of_trust = _sequence(
        univ.OctetString(bytes(32)),
        univ.Boolean(locked),
        univ.Enumerated(0 if locked else 2),  # Verified, or Unverified
        univ.OctetString(bytes(32)),
        tagged=704,
    )
    package_info = _sequence(univ.OctetString(package.encode()), univ.Integer(1))
    infos = univ.SetOf()
    infos.setComponentByPosition(0, package_info)
    digests = univ.SetOf()
    digests.setComponentByPosition(0, univ.OctetString(bytes(32)))
    app_id = encoder.encode(_sequence(infos, digests))
    software = _sequence(_explicit(univ.OctetString(app_id), 709))
    hardware = _sequence(_explicit(univ.Integer(origin), 702), root_of_trust)
    return bytes(
        encoder.encode(
            _sequence(
                univ.Integer(200),
                univ.Enumerated(level),
                univ.Integer(200),
                univ.Enumerated(level),
                univ.OctetString(challenge),
                univ.OctetString(b""),
                software,
                hardware,
            )
        )
    )


def _name(serial: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, serial)])


class FakeKeystore:
    """A root and an attestation key, like a device's factory-provisioned ones."""

    def __init__(self, now: datetime, *, ca_constraints: bool = True) -> None:
        self.now = now
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = self._certificate(
            _name("test-root"), self.root_key.public_key(), _name("test-root"), ca=True
        )
        self.attestation_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = self._certificate(
            _name("test-attestation-key"), self.attestation_key.public_key(), _name("test-root"),
            ca=ca_constraints,
        )  # fmt: skip

    def _certificate(
        self,
        subject: x509.Name,
        key: DevicePublicKey | ec.EllipticCurvePublicKey,
        issuer: x509.Name,
        *,
        ca: bool,
        extension: bytes | None = None,
        signer: ec.EllipticCurvePrivateKey | None = None,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - timedelta(days=1))
            .not_valid_after(self.now + timedelta(days=365))
        )
        if ca:
            builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        if extension is not None:
            builder = builder.add_extension(
                x509.UnrecognizedExtension(KEY_DESCRIPTION_OID, extension), critical=False
            )
        return builder.sign(signer or self.root_key, hashes.SHA256())

    def attest(self, public_key: DevicePublicKey, description: bytes) -> list[str]:
        """The ``x5c`` of a key made in this keystore: leaf, attestation key, root."""
        leaf = self._certificate(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Android Keystore Key")]),
            public_key,
            _name("test-attestation-key"),
            ca=False,
            extension=description,
            signer=self.attestation_key,
        )
        chain = [leaf, self.intermediate, self.root]
        return [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain
        ]


class FakeAppAttest:
    """Apple's side of App Attest, played with a test root: it attests a fresh App
    Attest key for a client data hash, as ``DCAppAttestService.attestKey`` would."""

    def __init__(self, now: datetime, *, app_id: str, development: bool = False) -> None:
        self.now = now
        self.app_id = app_id
        self.aaguid = b"appattestdevelop" if development else b"appattest" + bytes(7)
        self.keystore = FakeKeystore(now)  # a root and a CA to sign credCerts with
        self.root = self.keystore.root

    def attest(
        self, client_data_hash: bytes, *, counter: int = 0, credential_id: bytes | None = None
    ) -> tuple[str, str]:
        """(key ID, attestation object), both base64 as the app sends them; ``counter``
        and ``credential_id`` make authenticator data Apple would never sign."""
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        point = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        key_id = hashlib.sha256(point).digest()
        auth_data = (
            hashlib.sha256(self.app_id.encode()).digest()
            + b"\x40"  # attested credential data included
            + counter.to_bytes(4, "big")
            + self.aaguid
            + len(credential_id or key_id).to_bytes(2, "big")
            + (credential_id or key_id)
        )
        nonce = hashlib.sha256(auth_data + client_data_hash).digest()
        extension = _sequence(_explicit(univ.OctetString(nonce), 1))
        cred_cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key_id.hex())]))
            .issuer_name(self.keystore.intermediate.subject)
            .public_key(key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - timedelta(days=1))
            .not_valid_after(self.now + timedelta(days=300))
            .add_extension(
                x509.UnrecognizedExtension(NONCE_OID, bytes(encoder.encode(extension))),
                critical=False,
            )
            .sign(self.keystore.attestation_key, hashes.SHA256())
        )
        der = serialization.Encoding.DER
        document = {
            "fmt": "apple-appattest",
            "attStmt": {
                "x5c": [cred_cert.public_bytes(der), self.keystore.intermediate.public_bytes(der)],
                "receipt": b"a receipt for Apple's fraud metric service",
            },
            "authData": auth_data,
        }
        attestation = base64.b64encode(cbor2.dumps(document)).decode()
        return base64.b64encode(key_id).decode(), attestation
