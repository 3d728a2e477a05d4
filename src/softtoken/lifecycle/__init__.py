"""The services, one per flow of the manual."""

from softtoken.lifecycle._accounts import AccountService, PasswordCheck
from softtoken.lifecycle._initial_credentials import InitialCredentials, InitialCredentialsService
from softtoken.lifecycle._login import LoginService, LoginStep, PasswordChanged, PasswordLogin
from softtoken.lifecycle._password_reset import (
    PasswordResetService,
    ResetCompleted,
    ResetRequested,
)

__all__ = [
    "AccountService",
    "InitialCredentials",
    "InitialCredentialsService",
    "LoginService",
    "LoginStep",
    "PasswordChanged",
    "PasswordCheck",
    "PasswordLogin",
    "PasswordResetService",
    "ResetCompleted",
    "ResetRequested",
]
