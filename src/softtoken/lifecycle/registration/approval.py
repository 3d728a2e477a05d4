"""The automatic approval of chapter 2 step 4: a rule over the registration and the
account that approves, rejects, or leaves the decision to an officer."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from softtoken.accounts._account import Account
from softtoken.lifecycle.registration.machine import Registration
from softtoken.proofing._result import AssuranceLevel

__all__ = ["ApprovalDecision", "ApprovalRule", "approve_all", "approve_when_assured"]


@attrs.frozen(kw_only=True)
class ApprovalDecision:
    """What an approval rule decided: approve, or reject with a reason."""

    approve: bool
    reason: str | None = None


#: The deployment's automatic approval: a decision, or None to leave it to an officer.
ApprovalRule = Callable[[Registration, Account], ApprovalDecision | None]


def approve_all(registration: Registration, account: Account) -> ApprovalDecision:  # noqa: ARG001
    """Approve every registration that reaches step 4 (proofing done, email verified)."""
    return ApprovalDecision(approve=True)


def approve_when_assured(level: AssuranceLevel) -> ApprovalRule:
    """Approve automatically when the proofing reached ``level``; others go to an officer
    (e.g. document reviews at IAL1 when ``level`` is IAL2)."""

    def rule(registration: Registration, account: Account) -> ApprovalDecision | None:  # noqa: ARG001
        identity = registration.identity
        if identity is not None and identity.assurance_level.rank >= level.rank:
            return ApprovalDecision(approve=True)
        return None

    return rule
