"""Document review by an officer: the pre-soft-token way of proving identity."""

from softtoken.proofing.documents._review import (
    DOCUMENT_KINDS,
    DocumentReviewProvider,
    OfficerConfirmation,
)

__all__ = ["DOCUMENT_KINDS", "DocumentReviewProvider", "OfficerConfirmation"]
