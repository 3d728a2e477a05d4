"""The services, one package per flow of the manual, and what they return.

``registration`` (chapter 2 steps 1-4), ``activation`` (step 5), ``login`` (chapter 3
and step 0), ``password_reset`` (chapter 4), ``revocation`` (chapter 5), ``renewal``
(chapter 6), ``service_requests`` (chapter 7); ``bindings`` is the device binding that
activation makes and the other flows read. A flow imports another only through its
public names; ``docs/internals.md`` draws the map.
"""

from softtoken.lifecycle.activation import (
    ActivationService,
    ActivationStart,
    ActivationState,
    ActivationStatus,
    VerifiedActivation,
)
from softtoken.lifecycle.bindings import AuthenticatorEvent, EventKind
from softtoken.lifecycle.login import (
    AccountService,
    ChallengeAnswer,
    InitialCredentials,
    InitialCredentialsService,
    LoginService,
    LoginStep,
    PasswordChanged,
    PasswordCheck,
    PasswordLogin,
    PushLoginService,
    SoftTokenChallenge,
    SoftTokenLogin,
)
from softtoken.lifecycle.password_reset import (
    PasswordResetService,
    ResetCompleted,
    ResetRequested,
)
from softtoken.lifecycle.registration import (
    ApprovalDecision,
    Registration,
    RegistrationService,
    RegistrationState,
)
from softtoken.lifecycle.renewal import (
    CertificateNotice,
    RenewalService,
    RenewalStart,
    RenewalState,
    RenewalStatus,
    VerifiedRenewal,
)
from softtoken.lifecycle.revocation import RevocationService, SelfRevocation
from softtoken.lifecycle.service_requests import (
    ServiceRequest,
    ServiceRequestForm,
    ServiceRequestFormInvalid,
    ServiceRequestService,
)

__all__ = [
    "AccountService",
    "ActivationService",
    "ActivationStart",
    "ActivationState",
    "ActivationStatus",
    "ApprovalDecision",
    "AuthenticatorEvent",
    "CertificateNotice",
    "ChallengeAnswer",
    "EventKind",
    "InitialCredentials",
    "InitialCredentialsService",
    "LoginService",
    "LoginStep",
    "PasswordChanged",
    "PasswordCheck",
    "PasswordLogin",
    "PasswordResetService",
    "PushLoginService",
    "Registration",
    "RegistrationService",
    "RegistrationState",
    "RenewalService",
    "RenewalStart",
    "RenewalState",
    "RenewalStatus",
    "ResetCompleted",
    "ResetRequested",
    "RevocationService",
    "SelfRevocation",
    "ServiceRequest",
    "ServiceRequestForm",
    "ServiceRequestFormInvalid",
    "ServiceRequestService",
    "SoftTokenChallenge",
    "SoftTokenLogin",
    "VerifiedActivation",
    "VerifiedRenewal",
]
