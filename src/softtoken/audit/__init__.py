"""The hash-chained audit log."""

from softtoken.audit._chain import AuditEntry, AuditRecord, Outcome, verify_chain
from softtoken.audit._service import AuditLog

__all__ = ["AuditEntry", "AuditLog", "AuditRecord", "Outcome", "verify_chain"]
