"""Keeping only what is needed: retention rules and the purge that applies them
(``soft.maintenance``, ``softtoken db purge``; ``docs/privacy.md``); and moving stored
values to a rotated key (``soft.maintenance.reseal``, ``softtoken keys``)."""

from softtoken.maintenance._purge import MaintenanceService, PurgeReport
from softtoken.maintenance._rekey import KeyUsage
from softtoken.maintenance._rules import RULES, RetentionRule

__all__ = ["RULES", "KeyUsage", "MaintenanceService", "PurgeReport", "RetentionRule"]
