"""Device attestation: the port, the software format, and the platform verifiers
(Android Key Attestation, Apple App Attest). See ``docs/device.md``."""

from softtoken.protocol.attestation._android import (
    KEY_DESCRIPTION_OID,
    AndroidKeyAttestation,
    AuthorizationList,
    KeyDescription,
    RootOfTrust,
    SecurityLevel,
    key_description,
    parse_key_description,
)
from softtoken.protocol.attestation._apple import (
    NONCE_OID,
    AppAttestStatement,
    AppleAppAttestation,
    app_attest_client_data,
)
from softtoken.protocol.attestation._chain import StatusList, decode_chain, verify_chain
from softtoken.protocol.attestation._nexus import NexusAttestation
from softtoken.protocol.attestation._port import (
    DEVICE_ID_LENGTH,
    AttestationResult,
    AttestationVerifier,
    HardwareRequirement,
    SoftwareAttestation,
    attestation_challenge,
    device_id_for,
)
from softtoken.protocol.attestation._settings import AttestationSettings

__all__ = [
    "DEVICE_ID_LENGTH",
    "KEY_DESCRIPTION_OID",
    "NONCE_OID",
    "AndroidKeyAttestation",
    "AppAttestStatement",
    "AppleAppAttestation",
    "AttestationResult",
    "AttestationSettings",
    "AttestationVerifier",
    "AuthorizationList",
    "HardwareRequirement",
    "KeyDescription",
    "NexusAttestation",
    "RootOfTrust",
    "SecurityLevel",
    "SoftwareAttestation",
    "StatusList",
    "app_attest_client_data",
    "attestation_challenge",
    "decode_chain",
    "device_id_for",
    "key_description",
    "parse_key_description",
    "verify_chain",
]
