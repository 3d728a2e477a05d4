"""Android Key Attestation: the KeyDescription extension and the ``android-key`` verifier.

An Android app makes its device key in the Android Keystore with an attestation
challenge (``KeyGenParameterSpec.Builder.setAttestationChallenge``); the keystore then
returns a certificate chain whose leaf certifies that very key and carries the
KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17). The chain ends at a Google
hardware attestation root when the key lives in a TEE or StrongBox.

The ASN.1 (Android's "Key and ID attestation" page)::

    KeyDescription ::= SEQUENCE {
        attestationVersion         INTEGER,
        attestationSecurityLevel   SecurityLevel,   -- Software(0), TrustedEnvironment(1),
        keyMintVersion             INTEGER,         --   StrongBox(2)
        keyMintSecurityLevel       SecurityLevel,
        attestationChallenge       OCTET STRING,
        uniqueId                   OCTET STRING,
        softwareEnforced           AuthorizationList,
        hardwareEnforced           AuthorizationList }

An AuthorizationList is a SEQUENCE of optional ``[tag] EXPLICIT`` fields, and new
KeyMint versions add tags. So ``pyasn1`` decodes it as a list of undecoded fields, and
only the fields the server checks are decoded, each with its own schema: ``origin``
[702], ``rootOfTrust`` [704] and ``attestationApplicationId`` [709].
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs
from cryptography import x509
from pyasn1.codec.der import decoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import namedtype, tag, univ

from softtoken.errors import AuthenticationError
from softtoken.protocol._jws import DevicePublicKey
from softtoken.protocol.attestation._chain import (
    RootsSource,
    StatusList,
    decode_chain,
    load_roots,
    spki,
    verify_chain,
)
from softtoken.protocol.attestation._port import AttestationResult, device_id_for

__all__ = [
    "KEY_DESCRIPTION_OID",
    "AndroidKeyAttestation",
    "AuthorizationList",
    "KeyDescription",
    "RootOfTrust",
    "SecurityLevel",
    "key_description",
    "parse_key_description",
]

KEY_DESCRIPTION_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.1.17")
_ORIGIN, _ROOT_OF_TRUST, _APPLICATION_ID = 702, 704, 709
#: KeyOrigin GENERATED: the key was made inside the keystore, never imported.
_GENERATED = 0
#: VerifiedBootState Verified: the device boots a chain signed by a key it trusts.
_VERIFIED = 0


class SecurityLevel(enum.IntEnum):
    SOFTWARE = 0
    TRUSTED_ENVIRONMENT = 1
    STRONG_BOX = 2


def _invalid(detail: str) -> AuthenticationError:
    return AuthenticationError("attestation_invalid", detail=detail)


@attrs.frozen(kw_only=True)
class RootOfTrust:
    verified_boot_key: bytes
    device_locked: bool
    verified_boot_state: int  # Verified(0), SelfSigned(1), Unverified(2), Failed(3)


@attrs.frozen(kw_only=True)
class AuthorizationList:
    """The fields of one AuthorizationList the server reads."""

    origin: int | None = None
    root_of_trust: RootOfTrust | None = None
    package_names: tuple[str, ...] = ()
    signature_digests: tuple[bytes, ...] = ()


@attrs.frozen(kw_only=True)
class KeyDescription:
    attestation_version: int
    attestation_security_level: SecurityLevel
    keymaster_version: int
    keymaster_security_level: SecurityLevel
    attestation_challenge: bytes
    unique_id: bytes
    software_enforced: AuthorizationList
    hardware_enforced: AuthorizationList


def _explicit(value: Any, number: int) -> Any:
    return value.subtype(explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, number))


class _RootOfTrust(univ.Sequence):
    componentType = namedtype.NamedTypes(  # noqa: N815 - pyasn1 names it so
        namedtype.NamedType("verifiedBootKey", univ.OctetString()),
        namedtype.NamedType("deviceLocked", univ.Boolean()),
        namedtype.NamedType("verifiedBootState", univ.Enumerated()),
        namedtype.OptionalNamedType("verifiedBootHash", univ.OctetString()),  # version 3+
    )


class _PackageInfo(univ.Sequence):
    componentType = namedtype.NamedTypes(  # noqa: N815 - pyasn1 names it so
        namedtype.NamedType("packageName", univ.OctetString()),
        namedtype.NamedType("version", univ.Integer()),
    )


class _ApplicationId(univ.Sequence):
    componentType = namedtype.NamedTypes(  # noqa: N815 - pyasn1 names it so
        namedtype.NamedType("packageInfos", univ.SetOf(componentType=_PackageInfo())),
        namedtype.NamedType("signatureDigests", univ.SetOf(componentType=univ.OctetString())),
    )


# An AuthorizationList's fields stay undecoded (Any) until one of these specs matches
# its tag, so a tag this code does not know never has to parse.
_FIELD_SPECS: dict[int, Any] = {
    _ORIGIN: _explicit(univ.Integer(), _ORIGIN),
    _ROOT_OF_TRUST: _explicit(_RootOfTrust(), _ROOT_OF_TRUST),
    _APPLICATION_ID: _explicit(univ.OctetString(), _APPLICATION_ID),
}


class _KeyDescription(univ.Sequence):
    componentType = namedtype.NamedTypes(  # noqa: N815 - pyasn1 names it so
        namedtype.NamedType("attestationVersion", univ.Integer()),
        namedtype.NamedType("attestationSecurityLevel", univ.Enumerated()),
        namedtype.NamedType("keyMintVersion", univ.Integer()),
        namedtype.NamedType("keyMintSecurityLevel", univ.Enumerated()),
        namedtype.NamedType("attestationChallenge", univ.OctetString()),
        namedtype.NamedType("uniqueId", univ.OctetString()),
        namedtype.NamedType("softwareEnforced", univ.SequenceOf(componentType=univ.Any())),
        namedtype.NamedType("hardwareEnforced", univ.SequenceOf(componentType=univ.Any())),
    )


def _decode(der: bytes, spec: Any, what: str) -> Any:
    try:
        value, rest = decoder.decode(der, asn1Spec=spec)
    except (PyAsn1Error, ValueError, TypeError, AttributeError, IndexError, RecursionError):
        # pyasn1 raises more than PyAsn1Error on some hostile input.
        raise _invalid(f"{what} is not the expected DER") from None
    if rest:
        raise _invalid(f"{what} has trailing bytes")
    return value


def _authorization_list(fields: Any, what: str) -> AuthorizationList:
    found: dict[int, Any] = {}
    for field in fields:
        raw = bytes(field)
        for number, spec in _FIELD_SPECS.items():
            try:
                value, rest = decoder.decode(raw, asn1Spec=spec)
            except (PyAsn1Error, ValueError, TypeError, AttributeError, IndexError):
                continue  # another tag, or malformed: absent, which fails closed
            if rest or number in found:
                raise _invalid(f"{what}: field {number} is malformed or repeated")
            found[number] = value
    root = found.get(_ROOT_OF_TRUST)
    names: tuple[str, ...] = ()
    digests: tuple[bytes, ...] = ()
    if _APPLICATION_ID in found:
        app = _decode(bytes(found[_APPLICATION_ID]), _ApplicationId(), "attestationApplicationId")
        names = tuple(
            bytes(info["packageName"]).decode("utf-8", "replace") for info in app["packageInfos"]
        )
        digests = tuple(bytes(d) for d in app["signatureDigests"])
    return AuthorizationList(
        origin=int(found[_ORIGIN]) if _ORIGIN in found else None,
        root_of_trust=None
        if root is None
        else RootOfTrust(
            verified_boot_key=bytes(root["verifiedBootKey"]),
            device_locked=bool(root["deviceLocked"]),
            verified_boot_state=int(root["verifiedBootState"]),
        ),
        package_names=names,
        signature_digests=digests,
    )


def _level(value: Any, what: str) -> SecurityLevel:
    try:
        return SecurityLevel(int(value))
    except ValueError:
        raise _invalid(f"{what} is not a known security level") from None


def parse_key_description(der: bytes) -> KeyDescription:
    """Decode the KeyDescription extension's value.

    Raises:
        AuthenticationError: ``attestation_invalid``.
    """
    seq = _decode(der, _KeyDescription(), "KeyDescription")
    return KeyDescription(
        attestation_version=int(seq["attestationVersion"]),
        attestation_security_level=_level(seq["attestationSecurityLevel"], "security level"),
        keymaster_version=int(seq["keyMintVersion"]),
        keymaster_security_level=_level(seq["keyMintSecurityLevel"], "KeyMint security level"),
        attestation_challenge=bytes(seq["attestationChallenge"]),
        unique_id=bytes(seq["uniqueId"]),
        software_enforced=_authorization_list(seq["softwareEnforced"], "softwareEnforced"),
        hardware_enforced=_authorization_list(seq["hardwareEnforced"], "hardwareEnforced"),
    )


def key_description(certificate: x509.Certificate) -> KeyDescription:
    """The KeyDescription of an attestation certificate.

    Raises:
        AuthenticationError: ``attestation_invalid`` (absent or malformed).
    """
    try:
        extension = certificate.extensions.get_extension_for_oid(KEY_DESCRIPTION_OID)
    except x509.ExtensionNotFound:
        raise _invalid("the leaf has no key attestation extension") from None
    value = extension.value
    assert isinstance(value, x509.UnrecognizedExtension)  # noqa: S101 - not parsed by cryptography
    return parse_key_description(value.value)


class AndroidKeyAttestation:
    """The ``android-key`` verifier. Evidence: ``{"fmt": "android-key", "x5c": [base64
    DER, ...]}``, the chain ``KeyStore.getCertificateChain`` returns, leaf first.

    Args:
        roots: Google's hardware attestation roots (PEM bytes, a PEM file's path, or
            certificates); by default the file shipped in the package.
        status_list: Google's attestation status list (a ``StatusList`` or the JSON
            file's path); without it revoked attestation keys are not noticed.
        package_names: when given, the app's package name must be one of these.
        signature_digests: when given, one of the app's signing certificate digests
            (SHA-256) must be one of these.
        require_verified_boot: refuse devices with an unlocked bootloader or a boot
            chain the device does not verify (``rootOfTrust``).
    """

    format = "android-key"

    def __init__(
        self,
        *,
        roots: RootsSource | None = None,
        status_list: StatusList | str | None = None,
        package_names: Iterable[str] = (),
        signature_digests: Iterable[bytes] = (),
        require_verified_boot: bool = False,
    ) -> None:
        self.roots = load_roots(roots, packaged="google-hardware-attestation-roots.pem")
        self.status_list = (
            StatusList.from_file(status_list) if isinstance(status_list, str) else status_list
        )
        self.package_names = frozenset(package_names)
        self.signature_digests = frozenset(signature_digests)
        self.require_verified_boot = require_verified_boot

    def verify(
        self,
        evidence: Mapping[str, Any],
        *,
        public_key: DevicePublicKey,
        platform: str,
        challenge: bytes,
        now: datetime,
    ) -> AttestationResult:
        """Raises:
        AuthenticationError: ``attestation_invalid``, ``attestation_certificate_expired``,
            ``attestation_signature_invalid``, ``attestation_untrusted_root``,
            ``attestation_revoked``, ``attestation_challenge_mismatch``,
            ``attestation_key_mismatch``, ``attestation_not_hardware``,
            ``attestation_app_mismatch``.
        """
        if platform != "android":
            raise _invalid(f"android-key evidence from platform {platform!r}")
        chain = decode_chain(evidence.get("x5c"))
        verify_chain(chain, self.roots, now=now)
        if self.status_list is not None:
            self.status_list.check(chain)
        description = key_description(chain[0])
        if not hmac.compare_digest(description.attestation_challenge, challenge):
            raise AuthenticationError("attestation_challenge_mismatch")
        if not hmac.compare_digest(spki(chain[0].public_key()), spki(public_key)):
            raise AuthenticationError("attestation_key_mismatch")
        self._check_hardware(description)
        self._check_app(description.software_enforced)
        return AttestationResult(
            format=self.format,
            trust="hardware",
            device_id=device_id_for(public_key),
            security_level=description.attestation_security_level.name.lower(),
        )

    def _check_hardware(self, description: KeyDescription) -> None:
        levels = (description.attestation_security_level, description.keymaster_security_level)
        if SecurityLevel.SOFTWARE in levels:
            raise AuthenticationError(
                "attestation_not_hardware", detail=f"security levels {levels[0].name}, "
                f"{levels[1].name}"
            )  # fmt: skip
        hardware = description.hardware_enforced
        if hardware.origin != _GENERATED:
            # An imported key may have a copy outside the device.
            raise _invalid("the key was not generated inside the keystore")
        if self.require_verified_boot:
            root = hardware.root_of_trust
            if root is None or not root.device_locked or root.verified_boot_state != _VERIFIED:
                raise AuthenticationError(
                    "attestation_not_hardware", detail="bootloader unlocked or boot not verified"
                )

    def _check_app(self, software: AuthorizationList) -> None:
        if self.package_names and not self.package_names.intersection(software.package_names):
            raise AuthenticationError(
                "attestation_app_mismatch", detail=f"package {software.package_names}"
            )
        if self.signature_digests and not self.signature_digests.intersection(
            software.signature_digests
        ):
            raise AuthenticationError("attestation_app_mismatch", detail="signing certificate")
