"""The services, one per flow of the manual, and what they return."""

from softtoken.lifecycle._accounts import AccountService, PasswordCheck
from softtoken.lifecycle._activation import ActivationState
from softtoken.lifecycle._activation_service import (
    ActivationService,
    ActivationStart,
    ActivationStatus,
    VerifiedActivation,
)
from softtoken.lifecycle._bindings import AuthenticatorEvent, EventKind
from softtoken.lifecycle._initial_credentials import InitialCredentials, InitialCredentialsService
from softtoken.lifecycle._login import LoginService, LoginStep, PasswordChanged, PasswordLogin
from softtoken.lifecycle._password_reset import (
    PasswordResetService,
    ResetCompleted,
    ResetRequested,
)
from softtoken.lifecycle._push_login import PushLoginService
from softtoken.lifecycle._push_results import ChallengeAnswer, SoftTokenChallenge, SoftTokenLogin
from softtoken.lifecycle._registration import Registration, RegistrationState
from softtoken.lifecycle._registration_service import RegistrationService
from softtoken.lifecycle._registration_settings import ApprovalDecision, RegistrationSettings
from softtoken.lifecycle._renewal import CertificateNotice, RenewalState
from softtoken.lifecycle._renewal_service import (
    RenewalService,
    RenewalStart,
    RenewalStatus,
    VerifiedRenewal,
)
from softtoken.lifecycle._revocation import RevocationService, SelfRevocation

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
    "RegistrationSettings",
    "RegistrationState",
    "RenewalService",
    "RenewalStart",
    "RenewalState",
    "RenewalStatus",
    "ResetCompleted",
    "ResetRequested",
    "RevocationService",
    "SelfRevocation",
    "SoftTokenChallenge",
    "SoftTokenLogin",
    "VerifiedActivation",
    "VerifiedRenewal",
]
