"""A filled-in service request form (manual chapter 7), as a person sends it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softtoken.testing._people import Person

__all__ = ["service_request_form"]


def service_request_form(
    person: Person, purpose: str | list[str], **changes: object
) -> dict[str, object]:
    """Parts 1 to 3 of the form filled in by ``person`` for ``purpose``, sent from the
    registered email; ``changes`` replace or add fields (``new_email``, ``new_password``,
    ``new_password_email``, ``other``...)."""
    form: dict[str, object] = {
        "unit_code": "0500500000",
        "unit_name": "กรมบัญชีกลาง",
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "mobile": "0812345678",
        "division": "กองบริหารการคลัง",
        "department": "กรมบัญชีกลาง",
        "ministry": "กระทรวงการคลัง",
        "user_id": person.user_id,
        "purpose": purpose,
        "sent_from": person.email,
    }
    form.update(changes)
    return form
