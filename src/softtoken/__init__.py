"""softtoken: the whole lifecycle of a mobile soft token, as a library.

The public API is what this module exports; everything in ``_private`` modules may
change without notice. Start with :func:`build` and :class:`Config`, or with
:func:`softtoken.testing.in_memory` in tests.
"""

from softtoken import errors
from softtoken._clock import FakeClock, SystemClock
from softtoken._facade import SoftToken
from softtoken._keys import Keyring
from softtoken._registration_settings import RegistrationSettings
from softtoken._wiring import Config, build
from softtoken.accounts import (
    Account,
    AccountStatus,
    CitizenId,
    DisbursementUnitCode,
    Email,
    LoginType,
    Officer,
    PhoneNumber,
    UserId,
)
from softtoken.audit import AuditEntry, AuditRecord
from softtoken.ca import CaConfig, RevocationReason
from softtoken.errors import (
    AuthenticationError,
    Busy,
    ConcurrencyError,
    ConfigurationError,
    Conflict,
    DeliveryError,
    NotFound,
    PasswordRejected,
    ProviderUnavailable,
    RateLimited,
    SoftTokenError,
    StateError,
    StorageUnavailable,
    TamperingDetected,
    ValidationError,
)
from softtoken.lifecycle import (
    AccountService,
    ActivationStart,
    ActivationStatus,
    AuthenticatorEvent,
    InitialCredentials,
    InitialCredentialsService,
    LoginService,
    LoginStep,
    PasswordChanged,
    PasswordCheck,
    PasswordLogin,
    PasswordResetService,
    Registration,
    RegistrationState,
    RenewalStart,
    RenewalStatus,
    ResetCompleted,
    ResetRequested,
    SelfRevocation,
    SoftTokenChallenge,
    SoftTokenLogin,
    VerifiedActivation,
    VerifiedRenewal,
)
from softtoken.lifecycle.service_requests import (
    Purpose as ServiceRequestPurpose,
)
from softtoken.lifecycle.service_requests import (
    PurposeGroup as ServiceRequestPurposeGroup,
)
from softtoken.lifecycle.service_requests import (
    RequestState as ServiceRequestState,
)
from softtoken.lifecycle.service_requests import (
    ServiceRequest,
    ServiceRequestForm,
    ServiceRequestFormInvalid,
    ServiceRequestService,
)
from softtoken.mail import EmailMessage, MemoryMailbox, SmtpSender
from softtoken.otp import (
    CodeStatus,
    IssuedCode,
    OtpService,
    TotpEnrollment,
    TotpService,
    VerifiedCode,
)
from softtoken.policy import Policy

__version__ = "0.1.0.dev0"

__all__ = [
    "Account",
    "AccountService",
    "AccountStatus",
    "ActivationStart",
    "ActivationStatus",
    "AuditEntry",
    "AuditRecord",
    "AuthenticationError",
    "AuthenticatorEvent",
    "Busy",
    "CaConfig",
    "CitizenId",
    "CodeStatus",
    "ConcurrencyError",
    "Config",
    "ConfigurationError",
    "Conflict",
    "DeliveryError",
    "DisbursementUnitCode",
    "Email",
    "EmailMessage",
    "FakeClock",
    "InitialCredentials",
    "InitialCredentialsService",
    "IssuedCode",
    "Keyring",
    "LoginService",
    "LoginStep",
    "LoginType",
    "MemoryMailbox",
    "NotFound",
    "Officer",
    "OtpService",
    "PasswordChanged",
    "PasswordCheck",
    "PasswordLogin",
    "PasswordRejected",
    "PasswordResetService",
    "PhoneNumber",
    "Policy",
    "ProviderUnavailable",
    "RateLimited",
    "Registration",
    "RegistrationSettings",
    "RegistrationState",
    "RenewalStart",
    "RenewalStatus",
    "ResetCompleted",
    "ResetRequested",
    "RevocationReason",
    "SelfRevocation",
    "ServiceRequest",
    "ServiceRequestForm",
    "ServiceRequestFormInvalid",
    "ServiceRequestPurpose",
    "ServiceRequestPurposeGroup",
    "ServiceRequestService",
    "ServiceRequestState",
    "SmtpSender",
    "SoftToken",
    "SoftTokenChallenge",
    "SoftTokenError",
    "SoftTokenLogin",
    "StateError",
    "StorageUnavailable",
    "SystemClock",
    "TamperingDetected",
    "TotpEnrollment",
    "TotpService",
    "UserId",
    "ValidationError",
    "VerifiedActivation",
    "VerifiedCode",
    "VerifiedRenewal",
    "__version__",
    "build",
    "errors",
]
