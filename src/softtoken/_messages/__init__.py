"""The catalogue of error messages, one module per area, merged into one mapping.

Add a code to the module of its area, with Thai and English text; a code defined twice
stops the import, so two areas can never disagree about one.
"""

from softtoken._messages import (
    ca,
    core,
    keys,
    login,
    oidc,
    otp,
    privacy,
    protocol,
    registration,
    renewal,
    web,
)

__all__ = ["MESSAGES"]


def _merge() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for area in (core, otp, login, ca, registration, protocol, renewal, oidc, web, keys, privacy):
        twice = merged.keys() & area.MESSAGES.keys()
        if twice:
            msg = f"error codes defined twice: {sorted(twice)}"
            raise RuntimeError(msg)
        merged.update(area.MESSAGES)
    return merged


#: code -> (Thai, English), every code softtoken raises.
MESSAGES: dict[str, tuple[str, str]] = _merge()
