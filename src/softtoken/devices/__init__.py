"""Deprecated: the server's side of the device protocol is :mod:`softtoken.protocol`.

This path keeps working for one release (0.1.x) and warns on import.
"""

import warnings

from softtoken.protocol import *  # noqa: F403
from softtoken.protocol import __all__ as __all__

warnings.warn(
    "softtoken.devices is now softtoken.protocol; the old path goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
