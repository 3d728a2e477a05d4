"""Identifiers that sort in the order they were made."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime

__all__ = ["ordered_id"]

_SEQUENCE = itertools.count()


def ordered_id(now: datetime) -> str:
    """32 hex characters: the time in microseconds, a process-wide sequence, randomness.
    Rows made at the same (fake) moment keep their order; ids from many processes never
    collide."""
    stamp = int(now.timestamp() * 1_000_000)
    return f"{stamp:016x}{next(_SEQUENCE) % 0x10000:04x}{secrets.token_hex(6)}"
