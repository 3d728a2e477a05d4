"""Renewal (manual chapter 6): the notice when 1 to 30 days remain, renewal forced once
the certificate has expired, and the "Update Profile" ceremony on the phone.

``machine`` holds the renewal request's states, transitions and table and the notice
rule; ``_service`` the calls a portal and a device make.
"""

from softtoken.lifecycle.renewal._service import (
    PasswordStep,
    RenewalService,
    RenewalStart,
    RenewalStatus,
    VerifiedRenewal,
)
from softtoken.lifecycle.renewal.machine import CertificateNotice, RenewalState

__all__ = [
    "CertificateNotice",
    "PasswordStep",
    "RenewalService",
    "RenewalStart",
    "RenewalState",
    "RenewalStatus",
    "VerifiedRenewal",
]
