"""A deployment's registration settings: proofing providers, the consent text's
version, when the assignment order is asked for, the automatic approval rule, and where
documents are kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from softtoken.accounts._account import Account
from softtoken.lifecycle._registration import Registration
from softtoken.proofing._documents_store import DatabaseDocumentStore, DocumentStore
from softtoken.proofing._provider import ProofingProvider, ProofingRegistry, discover_providers
from softtoken.proofing._result import AssuranceLevel
from softtoken.proofing.documents._review import DocumentReviewProvider
from softtoken.proofing.paotang._adapter import PaoTangConfig, PaoTangProvider, StatusApi

__all__ = [
    "ApprovalDecision",
    "ApprovalRule",
    "RegistrationSettings",
    "approve_all",
    "approve_when_assured",
]


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


@attrs.frozen(kw_only=True)
class RegistrationSettings:
    """Registration and proofing for one deployment.

    Args:
        paotang: the Pao Tang provider's settings (issuer, audience, keys, callback URL);
            None leaves Pao Tang out.
        paotang_status_api: how "check status" asks Pao Tang for an answer (optional).
        document_review: offer the old way (ID card copy + signed letter, an officer).
        providers: more provider objects to register.
        plugin_providers: entry-point providers to load (group ``softtoken.proofing``),
            name -> keyword arguments for the factory.
        consent_version: the version of the PDPA consent text the portal shows.
        assignment_order_required: True, False, or a function of the account that says
            whether step 1 asks for the assignment order PDF.
        approval_rule: the automatic approval; None: an officer approves every one.
        document_store: where uploads are kept; the database by default.
    """

    paotang: PaoTangConfig | None = None
    paotang_status_api: StatusApi | None = None
    document_review: bool = True
    providers: Sequence[ProofingProvider] = ()
    plugin_providers: Mapping[str, Mapping[str, object]] = attrs.field(factory=dict)
    consent_version: str = "1"
    assignment_order_required: bool | Callable[[Account], bool] = False
    approval_rule: ApprovalRule | None = None
    document_store: DocumentStore = attrs.field(factory=DatabaseDocumentStore)

    def registry(self) -> ProofingRegistry:
        """The providers these settings name, by name."""
        registry = ProofingRegistry()
        if self.paotang is not None:
            registry.register(PaoTangProvider(self.paotang, status_api=self.paotang_status_api))
        if self.document_review:
            registry.register(DocumentReviewProvider())
        for provider in (*self.providers, *discover_providers(self.plugin_providers)):
            registry.register(provider)
        return registry

    def order_required(self, account: Account) -> bool:
        rule = self.assignment_order_required
        return rule(account) if callable(rule) else bool(rule)
