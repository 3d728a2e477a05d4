"""The reference authenticator client (what the manual's authenticator app does): for
tests, the demo, and as a model for app authors. See ``docs/device.md``."""

from softtoken.authenticator._client import Device
from softtoken.authenticator._keystore import KdfParams, check_pin
from softtoken.authenticator._views import ChallengeView

__all__ = ["ChallengeView", "Device", "KdfParams", "check_pin"]
