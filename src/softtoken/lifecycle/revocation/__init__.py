"""Self-revocation (manual chapter 5): the holder ends the soft token for one of four
reasons; the certificate is revoked and a notice is emailed. ``end_soft_token`` is the
one way a soft token ends, also used by the service requests of chapter 7."""

from softtoken.lifecycle.revocation._service import (
    RevocationService,
    SelfRevocation,
    end_soft_token,
)

__all__ = ["RevocationService", "SelfRevocation", "end_soft_token"]
