"""A library error as the page shows it: each message, in Thai and English, next to the
field it is about (``"form"`` for the page as a whole)."""

from __future__ import annotations

from softtoken import SoftTokenError
from softtoken.lifecycle.service_requests import ServiceRequestFormInvalid

__all__ = ["Bilingual", "field_errors"]

Bilingual = tuple[str, str]


def field_errors(error: SoftTokenError, about: str = "form") -> dict[str, list[Bilingual]]:
    """``about``: the field an error without a field of its own is about (a wrong code
    is about the code's field, whatever call refused it)."""
    each = error.errors if isinstance(error, ServiceRequestFormInvalid) else (error,)
    out: dict[str, list[Bilingual]] = {}
    for one in each:
        th, en = one.message("th"), one.message("en")
        wait = getattr(one, "retry_after", None)
        if wait:
            th, en = f"{th} (ลองใหม่ได้ในอีก {wait} วินาที)", f"{en} (try again in {wait} s)"
        out.setdefault(getattr(one, "field", None) or about, []).append((th, en))
    return out
