"""Forgot password (manual chapter 4): the data check with its lockout, the emailed
code with its resend cooldown, and the new password sent to the registered email."""

from softtoken.lifecycle.password_reset._results import ResetCompleted, ResetRequested
from softtoken.lifecycle.password_reset._service import PasswordResetService

__all__ = ["PasswordResetService", "ResetCompleted", "ResetRequested"]
