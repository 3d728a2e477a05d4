"""The library's log: refused attempts that leave storage untouched (a forged or
malformed device message changes nothing, so the audit log does not see it; operators
still should). Never a password, code, PIN, key or message body: only the error code and
what names the attempt."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from softtoken.errors import SoftTokenError

__all__ = ["Metrics", "log_refusal", "logger", "logs_refusals"]

logger = logging.getLogger("softtoken")
# Library practice (Python logging HOWTO, "Configuring logging for a library"): the
# portal decides where records go; without a handler of its own nothing is printed.
logger.addHandler(logging.NullHandler())

P = ParamSpec("P")
T = TypeVar("T")


def logs_refusals(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Log every typed refusal of the wrapped call at WARNING, as
    ``softtoken: <action> refused: <code>``, then raise it unchanged (ASVS 16.3.1)."""

    def decorate(call: Callable[P, T]) -> Callable[P, T]:
        @wraps(call)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return call(*args, **kwargs)
            except SoftTokenError as error:
                log_refusal(action, error)
                raise

        return wrapper

    return decorate


def log_refusal(action: str, error: SoftTokenError) -> None:
    """Log a refusal at WARNING, as ``softtoken: <action> refused: <code>`` (never the
    input), and count it in :class:`softtoken._metrics.Metrics`."""
    logger.warning(
        "%s refused: %s", action, error.code,
        extra={"softtoken_action": action, "softtoken_code": error.code},
    )  # fmt: skip
    with _lock:
        _refusals[error.code] += 1


# Per-process counts of refused calls, by error code (``soft.metrics``). A refusal of
# unauthenticated garbage (a malformed message, an unknown ID, a code never issued, a
# callback that matches no pending proofing) writes nothing, not even an audit record, so
# an anonymous caller cannot grow the audit log at will (issue 16 item 6); the count keeps
# such refusals visible to operators. They start at zero with the process; every process
# has its own.
_lock = threading.Lock()
_refusals: Counter[str] = Counter()


class Metrics:
    """``soft.metrics``: this process's counters (export them to monitoring)."""

    def refusals(self) -> dict[str, int]:
        """Logged refusals since the process started, by error code: those written
        nowhere else, and device messages refused by their signature or form."""
        with _lock:
            return dict(_refusals)
