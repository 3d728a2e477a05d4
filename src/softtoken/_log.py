"""The library's log: refused attempts that leave storage untouched (a forged or
malformed device message changes nothing, so the audit log does not see it; operators
still should). Never a password, code, PIN, key or message body: only the error code and
what names the attempt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from softtoken.errors import SoftTokenError

__all__ = ["logger", "logs_refusals"]

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
                logger.warning(
                    "%s refused: %s", action, error.code,
                    extra={"softtoken_action": action, "softtoken_code": error.code},
                )  # fmt: skip
                raise

        return wrapper

    return decorate
