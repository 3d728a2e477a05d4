"""Sign-in: one entry point for the portal's login page (manual chapters 3 and 6), over
the password step, "Login by Soft Token", the offline code and forced renewal; and the
wait for the phone's answer without busy polling.

``_service`` the calls; ``_results`` what they answer. The signal that wakes a waiting
request is ``softtoken.storage._signals`` (in one process) or ``softtoken.storage.sql``'s
``PostgresSignal`` (across processes).
"""

from softtoken.lifecycle.sign_in._results import (
    ChangePassword,
    Locked,
    RenewalRequired,
    SecondFactorRequired,
    SignedIn,
    SignInResult,
    StillWaiting,
)
from softtoken.lifecycle.sign_in._service import SignInService
from softtoken.storage._signals import AnswerSignal, Listener, LocalSignal

__all__ = [
    "AnswerSignal",
    "ChangePassword",
    "Listener",
    "LocalSignal",
    "Locked",
    "RenewalRequired",
    "SecondFactorRequired",
    "SignInResult",
    "SignInService",
    "SignedIn",
    "StillWaiting",
]
