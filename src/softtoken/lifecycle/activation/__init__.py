"""Activation of the soft token (manual chapter 2, step 5): the QR code on the computer,
the authenticator app's signed enrollment, the certificate from the CA, "check".

``machine`` holds the activation secret's states and transitions; ``_service`` the calls
a portal and a device make.
"""

from softtoken.lifecycle.activation._service import (
    ActivationService,
    ActivationStart,
    ActivationStatus,
    VerifiedActivation,
)
from softtoken.lifecycle.activation.machine import ActivationState

__all__ = [
    "ActivationService",
    "ActivationStart",
    "ActivationState",
    "ActivationStatus",
    "VerifiedActivation",
]
