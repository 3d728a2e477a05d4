"""Deprecated: the reference authenticator app is :mod:`softtoken.authenticator`.

This path keeps working for one release (0.1.x) and warns on import.
"""

import warnings

from softtoken.authenticator import *  # noqa: F403
from softtoken.authenticator import __all__ as __all__

warnings.warn(
    "softtoken.device is now softtoken.authenticator; the old path goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
