"""Personal data over its life: what the library holds about a person, and the export of
it (``soft.privacy``; ``docs/privacy.md``)."""

from softtoken.privacy._export import EXPORT_FORMAT, PrivacyService

__all__ = ["EXPORT_FORMAT", "PrivacyService"]
