"""A deployment's registration settings: proofing providers, the consent text's
version, when the assignment order is asked for, the automatic approval rule, and where
documents are kept.

It lives beside the composition root, not in the registration flow, because it names
the proofing adapters (Pao Tang, document review) that a deployment switches on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from softtoken.accounts._account import Account
from softtoken.lifecycle.registration.approval import ApprovalRule
from softtoken.proofing._documents_store import DatabaseDocumentStore, DocumentStore
from softtoken.proofing._provider import ProofingProvider, ProofingRegistry, discover_providers
from softtoken.proofing.documents._review import DocumentReviewProvider
from softtoken.proofing.paotang._adapter import PaoTangConfig, PaoTangProvider, StatusApi

__all__ = ["RegistrationSettings"]


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
