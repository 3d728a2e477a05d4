"""Identity proofing: the provider protocol and registry, the Pao Tang reference
adapter, document review by an officer, and the document store.

See ``docs/proofing.md``; registration (``softtoken.lifecycle``) drives it."""

from softtoken.proofing._documents_store import (
    DatabaseDocumentStore,
    DocumentStore,
    FileSystemDocumentStore,
    StoredDocument,
    check_pdf,
    check_scan,
)
from softtoken.proofing._provider import (
    ENTRY_POINT_GROUP,
    ProofingProvider,
    ProofingRegistry,
    Started,
    discover_providers,
)
from softtoken.proofing._result import (
    AssuranceLevel,
    ProofingChallenge,
    ProofingRecord,
    ProofingStatus,
    VerifiedIdentity,
)
from softtoken.proofing._service import ProofingService
from softtoken.proofing.documents import DocumentReviewProvider, OfficerConfirmation
from softtoken.proofing.paotang import PaoTangConfig, PaoTangProvider

__all__ = [
    "ENTRY_POINT_GROUP",
    "AssuranceLevel",
    "DatabaseDocumentStore",
    "DocumentReviewProvider",
    "DocumentStore",
    "FileSystemDocumentStore",
    "OfficerConfirmation",
    "PaoTangConfig",
    "PaoTangProvider",
    "ProofingChallenge",
    "ProofingProvider",
    "ProofingRecord",
    "ProofingRegistry",
    "ProofingService",
    "ProofingStatus",
    "Started",
    "StoredDocument",
    "VerifiedIdentity",
    "check_pdf",
    "check_scan",
    "discover_providers",
]
