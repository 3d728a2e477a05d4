"""softtoken: the whole lifecycle of a mobile soft token, as a library.

The public API is what this module exports; everything in ``_private`` modules may
change without notice. Start with :func:`build` and :class:`Config`, or with
:func:`softtoken.testing.in_memory` in tests.
"""

from softtoken import errors
from softtoken._clock import FakeClock, SystemClock
from softtoken._facade import SoftToken
from softtoken._wiring import Config, build
from softtoken.accounts import (
    Account,
    AccountStatus,
    CitizenId,
    DisbursementUnitCode,
    Email,
    LoginType,
    PhoneNumber,
    UserId,
)
from softtoken.audit import AuditEntry, AuditRecord
from softtoken.errors import (
    AuthenticationError,
    ConcurrencyError,
    ConfigurationError,
    Conflict,
    DeliveryError,
    NotFound,
    PasswordRejected,
    RateLimited,
    SoftTokenError,
    StateError,
    StorageUnavailable,
    TamperingDetected,
    ValidationError,
)
from softtoken.lifecycle import (
    AccountService,
    InitialCredentials,
    InitialCredentialsService,
    LoginService,
    LoginStep,
    PasswordChanged,
    PasswordCheck,
    PasswordLogin,
    PasswordResetService,
    ResetCompleted,
    ResetRequested,
)
from softtoken.lifecycle._service_request_form import ServiceRequestForm, ServiceRequestFormInvalid
from softtoken.lifecycle._service_request_purposes import Purpose as ServiceRequestPurpose
from softtoken.lifecycle._service_request_purposes import PurposeGroup as ServiceRequestPurposeGroup
from softtoken.lifecycle._service_request_service import ServiceRequestService
from softtoken.lifecycle._service_requests import RequestState as ServiceRequestState
from softtoken.lifecycle._service_requests import ServiceRequest
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
    "AuditEntry",
    "AuditRecord",
    "AuthenticationError",
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
    "LoginService",
    "LoginStep",
    "LoginType",
    "MemoryMailbox",
    "NotFound",
    "OtpService",
    "PasswordChanged",
    "PasswordCheck",
    "PasswordLogin",
    "PasswordRejected",
    "PasswordResetService",
    "PhoneNumber",
    "Policy",
    "RateLimited",
    "ResetCompleted",
    "ResetRequested",
    "ServiceRequest",
    "ServiceRequestForm",
    "ServiceRequestFormInvalid",
    "ServiceRequestPurpose",
    "ServiceRequestPurposeGroup",
    "ServiceRequestService",
    "ServiceRequestState",
    "SmtpSender",
    "SoftToken",
    "SoftTokenError",
    "StateError",
    "StorageUnavailable",
    "SystemClock",
    "TamperingDetected",
    "TotpEnrollment",
    "TotpService",
    "UserId",
    "ValidationError",
    "VerifiedCode",
    "__version__",
    "build",
    "errors",
]
