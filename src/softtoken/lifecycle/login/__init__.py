"""Login (manual chapter 3, and chapter 2's step 0): the password step, the forced
change of password, the initial credentials of Token Key users, and "Login by Soft
Token": the push challenge with picture matching, its answer, and the offline code.

``_accounts`` checks and changes passwords; ``_password`` is the first step of a login;
``_initial_credentials`` step 0; ``challenges`` the push challenge's states and table;
``_push`` the calls a portal and a device make; ``_push_results`` what they return.
"""

from softtoken.lifecycle.login._accounts import AccountService, PasswordCheck
from softtoken.lifecycle.login._initial_credentials import (
    InitialCredentials,
    InitialCredentialsService,
)
from softtoken.lifecycle.login._password import (
    LoginService,
    LoginStep,
    PasswordChanged,
    PasswordLogin,
)
from softtoken.lifecycle.login._push import PushLoginService
from softtoken.lifecycle.login._push_results import (
    ChallengeAnswer,
    SoftTokenChallenge,
    SoftTokenLogin,
)

__all__ = [
    "AccountService",
    "ChallengeAnswer",
    "InitialCredentials",
    "InitialCredentialsService",
    "LoginService",
    "LoginStep",
    "PasswordChanged",
    "PasswordCheck",
    "PasswordLogin",
    "PushLoginService",
    "SoftTokenChallenge",
    "SoftTokenLogin",
]
