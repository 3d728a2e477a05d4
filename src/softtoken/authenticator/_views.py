"""What the reference authenticator shows for a login challenge the server sent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from softtoken.errors import ValidationError
from softtoken.protocol._pictures import Picture, picture

__all__ = ["ChallengeView", "challenge_view", "not_issued"]


@attrs.frozen(kw_only=True)
class ChallengeView:
    """What the phone shows for a login challenge."""

    challenge_id: str
    mode: str
    user_id: str
    portal: str
    expires_at: datetime
    #: ``confirm``: the one picture; ``select``: the choices in display order; ``enter``: none.
    pictures: tuple[Picture, ...]


def challenge_view(challenge: Mapping[str, Any]) -> ChallengeView:
    """The challenge as the app shows it.

    Raises:
        ValidationError: ``device_message_malformed`` on ``challenge``.
    """
    try:
        return ChallengeView(
            challenge_id=str(challenge["cid"]),
            mode=str(challenge["mode"]),
            user_id=str(challenge["user_id"]),
            portal=str(challenge["portal"]),
            expires_at=datetime.fromtimestamp(int(challenge["exp"]), UTC),
            pictures=tuple(picture(p) for p in challenge.get("pictures", [])),
        )
    except (KeyError, TypeError, ValueError):
        raise ValidationError("device_message_malformed", field="challenge") from None


def not_issued(request: Mapping[str, Any]) -> None:
    """A ``renewal_issued`` poll item is an answer already given (install it); accepting
    or declining it would drop the new key its certificate was issued for.

    Raises:
        ValidationError: ``device_message_malformed``.
    """
    if request.get("type") == "renewal_issued":
        raise ValidationError("device_message_malformed", field="request")
