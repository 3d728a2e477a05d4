"""Who an officer is: a typed identity the portal supplies (after its own staff login),
compared in one normalised form.

Dual control ("the officer who recorded a request cannot approve it") and "nobody acts
on their own account" are only as good as the comparison of officer identities. Free
text let ``alice`` and ``Alice`` count as two officers (issue 12, M6), so an officer ID
is normalised once, here: Unicode NFKC, surrounding spaces dropped, case folded. The
audit log and every stored decision name the officer as ``officer:<officer_id>``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import attrs

from softtoken.accounts._identifiers import UserId
from softtoken.errors import StateError, ValidationError

__all__ = ["DEFAULT_OFFICER_ROLE", "Officer", "same_officer"]

#: The role a bare officer ID (the old string form) is given.
DEFAULT_OFFICER_ROLE = "officer"

# Letters, digits and . _ @ - after folding: what fits in an audit actor and a log line.
_OFFICER_ID = re.compile(r"[a-z0-9][a-z0-9._@-]{0,55}")
_ROLE = re.compile(r"[a-z0-9][a-z0-9._:-]{0,39}")
_PREFIX = "officer:"


def _fold(raw: object) -> str:
    if not isinstance(raw, str):
        return ""
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def _officer_id(raw: object) -> str:
    text = _fold(raw)
    if not _OFFICER_ID.fullmatch(text):
        raise ValidationError("officer_required", field="officer")
    return text


def _display_name(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValidationError("invalid_value", field="officer_name")
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if len(text) > 200 or not text.isprintable():  # noqa: PLR2004 - a display name's size
        raise ValidationError("invalid_value", field="officer_name")
    return text or None


def _roles(raw: Iterable[str] | str) -> frozenset[str]:
    items = [raw] if isinstance(raw, str) else list(raw)
    roles = frozenset(_fold(item) for item in items)
    if not roles or not all(_ROLE.fullmatch(role) for role in roles):
        raise ValidationError("invalid_value", field="officer_roles")
    return roles


@attrs.frozen(kw_only=True)
class Officer:
    """An officer who acts: ``officer_id`` (normalised: NFKC, trimmed, case folded; letters,
    digits and ``. _ @ -``), a display name for people, and the roles the portal granted
    (recorded with each decision; the portal decides who may open the officer pages).

    Raises:
        ValidationError: ``officer_required`` (no usable ID), ``invalid_value`` on
            ``officer_name`` or ``officer_roles``.
    """

    officer_id: str = attrs.field(converter=_officer_id)
    display_name: str | None = attrs.field(default=None, converter=_display_name)
    roles: frozenset[str] = attrs.field(
        default=frozenset({DEFAULT_OFFICER_ROLE}),
        converter=_roles,
    )

    @classmethod
    def parse(cls, raw: object) -> Officer:
        """An :class:`Officer` as is, or a bare officer ID (the older string form) as an
        officer with the one role ``officer``.

        Raises:
            ValidationError: ``officer_required`` for anything else, or an empty ID.
        """
        if isinstance(raw, Officer):
            return raw
        if not isinstance(raw, str):
            raise ValidationError("officer_required", field="officer")
        return cls(officer_id=raw)

    @property
    def actor(self) -> str:
        """How the audit log and stored decisions name this officer."""
        return f"{_PREFIX}{self.officer_id}"

    @property
    def name(self) -> str:
        """The display name, or the ID when the portal gave none."""
        return self.display_name or self.officer_id

    def is_account(self, user_id: UserId | str) -> bool:
        """Whether this officer is the person whose account it is (the same ID, folded)."""
        value = user_id.value if isinstance(user_id, UserId) else user_id
        return self.officer_id == _fold(value)

    def refuse_own_account(self, user_id: UserId | str) -> None:
        """Nobody acts as an officer on their own account.

        Raises:
            StateError: ``officer_own_account``.
        """
        if self.is_account(user_id):
            raise StateError("officer_own_account")


def same_officer(actor: str | None, officer: Officer) -> bool:
    """Whether a stored actor (``officer:<id>``, written before or after IDs were
    normalised) names ``officer``."""
    if actor is None or not actor.startswith(_PREFIX):
        return False
    return _fold(actor.removeprefix(_PREFIX)) == officer.officer_id
