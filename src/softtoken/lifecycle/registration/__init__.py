"""Registration (manual chapter 2, steps 1-4): identify, prove identity in the proofing
app, check and confirm the data with an email code, then an officer's or a rule's
approval. Step 0 (the initial password of Token Key users) is in :mod:`..login`; step 5
(activation) is in :mod:`..activation`.

``machine`` holds the states and the transition table, ``steps`` the pure transitions,
``store`` the tables; ``_service`` and ``_officer`` are the calls a portal and an officer
make, ``_mail`` the decision emails, ``approval`` the automatic approval rules.
"""

from softtoken.lifecycle.registration._service import RegistrationService
from softtoken.lifecycle.registration.approval import (
    ApprovalDecision,
    ApprovalRule,
    approve_all,
    approve_when_assured,
)
from softtoken.lifecycle.registration.machine import Registration, RegistrationState

__all__ = [
    "ApprovalDecision",
    "ApprovalRule",
    "Registration",
    "RegistrationService",
    "RegistrationState",
    "approve_all",
    "approve_when_assured",
]
