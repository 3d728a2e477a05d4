"""The hash-chained audit log, its sealed head and its checkpoints."""

from softtoken.audit._chain import AuditEntry, AuditRecord, Outcome, verify_chain
from softtoken.audit._seal import AuditCheckpoint, AuditHead
from softtoken.audit._service import AuditLog

__all__ = [
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "AuditLog",
    "AuditRecord",
    "Outcome",
    "verify_chain",
]
