"""The reference authenticator's state on disk (issue 12, L8).

Two files, both created mode 0600 and replaced whole (a temporary file made with
``O_CREAT | O_EXCL`` and mode 0600, then renamed over the old one), so the key is never
readable by others, not even between ``open`` and ``chmod``, and a crash never leaves
half a state:

* the state file: the device key sealed under the PIN, the certificate chain, the
  wrong-PIN count; a copy opens only with the PIN;
* ``<state>.biometric``: the secret that stands in for the platform's biometric keystore
  (it seals the second copy of the key). Kept apart, so a copy of the state file does
  not open without the PIN. On a phone this secret never leaves secure hardware.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from softtoken.authenticator._keystore import SealedKey, unb64url
from softtoken.errors import ValidationError

__all__ = [
    "dump_state",
    "keystore_path",
    "load_state",
    "read_files",
    "save_files",
    "write_private",
]

_PRIVATE = 0o600
_SEALED = ("sealed_key", "biometric_key", "pending_key")


def keystore_path(state: Path) -> Path:
    """Where the biometric secret of the state file ``state`` is kept."""
    return state.with_name(state.name + ".biometric")


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``, readable by the owner only from the first byte."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def dump_state(fields: Mapping[str, Any]) -> str:
    """The JSON state of a device from its fields; never the biometric secret."""
    data: dict[str, Any] = {"v": 1}
    for name, value in fields.items():
        if name in {"biometric_secret", "clock"}:
            continue
        if name in _SEALED:
            value = None if value is None else value.as_dict()  # noqa: PLW2901
        data["chain" if name == "chain_pem" else name] = value
    return json.dumps(data, indent=2)


def load_state(text: str) -> dict[str, Any]:
    """The fields of a device from its JSON state (the biometric secret is None unless
    a state file from before the split still holds it: the next save moves it out).

    Raises:
        ValidationError: ``invalid_value`` on ``state``.
    """
    try:
        data = json.loads(text)
        fields = {name: data[name] for name in (
            "device_id", "key_type", "max_wrong_pins", "pin_digits", "wrong_pins", "locked",
            "totp", "revoked_reason",
        )}  # fmt: skip
        fields["chain_pem"] = list(data["chain"])
        fields["ca_pin"] = data.get("ca_pin")  # states from before the pin have none
        for name in _SEALED:
            raw = data.get(name)
            fields[name] = None if raw is None else SealedKey.from_dict(raw)
        if fields["sealed_key"] is None:
            raise ValueError("no sealed key")  # noqa: TRY301 - turned into the error below
        legacy = data.get("biometric_secret")
        fields["biometric_secret"] = unb64url(legacy) if legacy else None
    except (KeyError, TypeError, ValueError):
        raise ValidationError("invalid_value", field="state", detail="not a device state") from None
    return fields


def save_files(path: Path, state: str, biometric_secret: bytes | None) -> None:
    """The state file and, with biometrics on, the biometric secret in its own file."""
    write_private(path, state.encode("utf-8"))
    if biometric_secret is not None:
        write_private(keystore_path(path), biometric_secret)


def read_files(path: Path) -> tuple[str, bytes | None]:
    """What :func:`save_files` wrote: the state, and the biometric secret if its file
    is there (a copied state file comes without it)."""
    keystore = keystore_path(path)
    secret = keystore.read_bytes() if keystore.exists() else None
    return path.read_text("utf-8"), secret
