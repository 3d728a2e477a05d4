"""The device protocol: compact JWS messages, the activation QR payload, the pictures of
picture matching, device attestation (``softtoken.protocol.attestation``). Specified in
``docs/protocol.md``."""

from softtoken.protocol._jws import SignedMessage, read, sign, thumbprint, verify
from softtoken.protocol._messages import (
    APPROVAL_TYP,
    ENROLL_TYP,
    POLL_TYP,
    PROTOCOL_VERSION,
    RENEWAL_TYP,
    ActivationPayload,
    ApprovalClaims,
    EnrollmentClaims,
    PollClaims,
    RenewalClaims,
    ca_key_pin,
)
from softtoken.protocol._pictures import PICTURES, Picture, choose_pictures, picture
from softtoken.protocol.attestation import (
    AndroidKeyAttestation,
    AppleAppAttestation,
    AttestationResult,
    AttestationVerifier,
    NexusAttestation,
    SoftwareAttestation,
    attestation_challenge,
)

__all__ = [
    "APPROVAL_TYP",
    "ENROLL_TYP",
    "PICTURES",
    "POLL_TYP",
    "PROTOCOL_VERSION",
    "RENEWAL_TYP",
    "ActivationPayload",
    "AndroidKeyAttestation",
    "AppleAppAttestation",
    "ApprovalClaims",
    "AttestationResult",
    "AttestationVerifier",
    "EnrollmentClaims",
    "NexusAttestation",
    "Picture",
    "PollClaims",
    "RenewalClaims",
    "SignedMessage",
    "SoftwareAttestation",
    "attestation_challenge",
    "ca_key_pin",
    "choose_pictures",
    "picture",
    "read",
    "sign",
    "thumbprint",
    "verify",
]
