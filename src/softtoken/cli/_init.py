"""``softtoken init``: a development deployment in one command, so a new portal developer
runs the library against real files before reading about production key handling.

It makes, in one folder: the deployment's secret key (``secret.key``), a development CA
(root and issuing certificates, their keys encrypted under a random passphrase kept in
``ca/passphrase``, through :func:`softtoken.ca.create_authority_files`) and a SQLite
database at the current schema; then it prints the ``export`` lines that
:meth:`softtoken.Config.from_env` reads (also saved as ``env.sh``). The secrets are
read from their files by the shell (``$(cat ...)``), never printed, so a terminal log
or a pasted transcript does not carry them. Nothing is ever overwritten.

Not for production: there the keys live in an HSM or a secret manager, the root key
offline (docs/ca.md).
"""

from __future__ import annotations

import base64
import os
import secrets
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from softtoken._keys import MIN_SECRET_BYTES
from softtoken.ca import create_authority_files
from softtoken.errors import ConfigurationError

__all__ = ["create_development_deployment", "run_init"]

#: What a deployment folder holds; any of them present means one is there already.
_MADE = ("secret.key", "ca", "softtoken.db", "env.sh")


def _write_secret(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only (0600) from the first byte: O_EXCL
    refuses a file that appeared meanwhile, and no moment exists with wider rights."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text + "\n")


def create_development_deployment(directory: Path, *, now: datetime | None = None) -> str:
    """Make the deployment in ``directory`` and return the shell lines that export it.

    Raises:
        ConfigurationError: the folder already holds (part of) a deployment.
    """
    folder = directory.resolve()
    clash = [str(folder / name) for name in _MADE if (folder / name).exists()]
    if clash:
        raise ConfigurationError(detail=f"refusing to overwrite {', '.join(clash)}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / "ca").mkdir(mode=0o700)
    secret_file, passphrase_file = folder / "secret.key", folder / "ca" / "passphrase"
    _write_secret(secret_file, base64.b64encode(secrets.token_bytes(MIN_SECRET_BYTES)).decode())
    passphrase = secrets.token_urlsafe(32)  # 256 bits, like the secret key
    _write_secret(passphrase_file, passphrase)
    paths = create_authority_files(
        folder / "ca",
        name="softtoken development CA",
        passphrase=passphrase.encode(),
        now=now or datetime.now(UTC),
        organization="softtoken development",
    )
    database = folder / "softtoken.db"
    url = f"sqlite:///{database}"
    from softtoken.storage.sql import SqlStorage  # noqa: PLC0415 - only this command needs it

    storage = SqlStorage(url)
    try:
        storage.create_schema()
    finally:
        storage.close()

    def read(path: Path) -> str:
        return f'"$(cat {shlex.quote(str(path))})"'

    exports = {
        "SOFTTOKEN_SECRET_KEY": read(secret_file),
        "SOFTTOKEN_STORAGE_URL": shlex.quote(url),
        "SOFTTOKEN_CA_ROOT_CERT": shlex.quote(str(paths["root"])),
        "SOFTTOKEN_CA_ISSUING_CERT": shlex.quote(str(paths["issuing"])),
        "SOFTTOKEN_CA_KEY_BACKEND": "pem",
        "SOFTTOKEN_CA_KEY_FILE": shlex.quote(str(paths["issuing-key"])),
        "SOFTTOKEN_CA_KEY_PASSPHRASE": read(passphrase_file),
    }
    lines = "".join(f"export {name}={value}\n" for name, value in exports.items())
    (folder / "env.sh").write_text(lines, encoding="utf-8")
    return lines


def run_init(out: TextIO, directory: Path) -> int:
    """The command: make the deployment, print how to use it."""
    lines = create_development_deployment(directory)
    folder = directory.resolve()
    out.write(
        f"# A development deployment in {folder} (keys in files: not for production).\n"
        f"# Load it into a shell with:  . {shlex.quote(str(folder / 'env.sh'))}\n"
        f"# {folder / 'ca' / 'root-key.pem'} signs only the issuing CA: keep it offline.\n" + lines
    )
    return 0
