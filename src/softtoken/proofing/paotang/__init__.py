"""The Pao Tang wallet: reference identity-proofing adapter."""

from softtoken.proofing.paotang._adapter import QR_SCHEME, PaoTangConfig, PaoTangProvider
from softtoken.proofing.paotang._assertion import check_assertion, nonce_digest

__all__ = ["QR_SCHEME", "PaoTangConfig", "PaoTangProvider", "check_assertion", "nonce_digest"]
