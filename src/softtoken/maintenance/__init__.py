"""Keeping only what is needed: retention rules and the purge that applies them
(``soft.maintenance``, ``softtoken db purge``; ``docs/privacy.md``)."""

from softtoken.maintenance._purge import MaintenanceService, PurgeReport
from softtoken.maintenance._rules import RULES, RetentionRule

__all__ = ["RULES", "MaintenanceService", "PurgeReport", "RetentionRule"]
