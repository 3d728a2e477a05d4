"""The hash-chained audit log in several chains, their sealed heads and checkpoints.

``chain_for``, ``chain_rows`` and ``head_rows`` are for loaders that write audit rows in
bulk instead of through the library (docs/audit.md: loading in bulk)."""

from softtoken.audit._chain import AuditEntry, AuditRecord, Outcome, verify_chain
from softtoken.audit._chains import chain_for, chain_rows, genesis, head_rows
from softtoken.audit._seal import AuditCheckpoint, AuditHead
from softtoken.audit._service import AuditLog

__all__ = [
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "AuditLog",
    "AuditRecord",
    "Outcome",
    "chain_for",
    "chain_rows",
    "genesis",
    "head_rows",
    "verify_chain",
]
