"""Personal data over its life: what the library holds about a person, its export, the
closing of accounts and the erasure of their holders' data (``soft.privacy``;
``docs/privacy.md``)."""

from softtoken.privacy._closure import CLOSURE_REASONS
from softtoken.privacy._export import EXPORT_FORMAT
from softtoken.privacy._service import PrivacyService

__all__ = ["CLOSURE_REASONS", "EXPORT_FORMAT", "PrivacyService"]
