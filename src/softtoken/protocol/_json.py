"""JSON from outside (device messages, provider callbacks) read within limits.

Python's ``json`` parser recurses once per nested array or object, so a few kilobytes
of ``[[[[...`` raise ``RecursionError`` out of any parser that reads them (issue 12, L1).
:func:`loads_bounded` refuses too many bytes or too deep a nesting *before* parsing,
with :class:`JsonRefused` (a ``ValueError``), which each caller turns into its own typed
error. The limits are ``Policy.message_max_bytes`` and ``Policy.json_max_depth``.
"""

from __future__ import annotations

import json

__all__ = ["DEFAULT_MAX_DEPTH", "JsonRefused", "check_depth", "loads_bounded"]

#: ``Policy.json_max_depth``'s default, for readers that have no policy at hand.
DEFAULT_MAX_DEPTH = 16

_OPEN, _CLOSE, _QUOTE, _BACKSLASH = frozenset(b"[{"), frozenset(b"]}"), ord('"'), ord("\\")


class JsonRefused(ValueError):
    """Too large or too deeply nested to parse; ``str()`` says which."""


def check_depth(data: bytes, *, max_depth: int) -> None:
    """Raise :class:`JsonRefused` when arrays and objects nest deeper than
    ``max_depth``. A linear scan that skips string contents (and their escapes), so
    brackets inside strings do not count; it does not validate anything else."""
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return  # an upper bound on the depth, counted at C speed: real messages stop here
    _scan(data, max_depth)


def _scan(data: bytes, max_depth: int) -> None:
    depth, in_string, escaped = 0, False, False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > max_depth:
                msg = f"JSON nested deeper than {max_depth}"
                raise JsonRefused(msg)
        elif byte in _CLOSE:
            depth -= 1


def loads_bounded(
    data: bytes | str, *, max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH
) -> object:
    """``json.loads(data)`` once ``data`` is at most ``max_bytes`` long and nests at most
    ``max_depth`` deep.

    Raises:
        JsonRefused: too large or too deep.
        ValueError: not JSON (``json.JSONDecodeError``, ``UnicodeDecodeError``).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        msg = f"JSON longer than {max_bytes} bytes"
        raise JsonRefused(msg)
    check_depth(raw, max_depth=max_depth)
    return json.loads(raw)
