"""The embedded default: a development deployment in one folder (``softtoken init``'s
secret key, CA and SQLite file), the Pao Tang simulator's key beside it, mail printed to
the console, and the accounts to walk the manual with. Not for production."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import attrs
from joserfc.jwk import ECKey

from softtoken import Config, RegistrationSettings, SoftToken, SystemClock, build
from softtoken.accounts import Officer
from softtoken.cli import create_development_deployment  # `softtoken init`
from softtoken.errors import NotFound
from softtoken.mail import EmailMessage
from softtoken.ports import Clock
from softtoken.testing import PaoTangWallet

__all__ = ["OFFICERS", "PERSON", "ConsoleMail", "DevDeployment"]

#: The manual's example user, and two officers for dual control.
PERSON = ("T05005000000201", "สมชาย", "ใจดี")
OFFICERS = {
    "T09000000000001": Officer(officer_id="cgd.records", display_name="CGD records desk"),
    "T09000000000002": Officer(officer_id="cgd.reviewer", display_name="CGD reviewer"),
}


class ConsoleMail:
    """Mail to the console: the person reads the codes and passwords there."""

    def send(self, message: EmailMessage) -> None:
        text = f"\n--- mail to {message.to}: {message.subject}\n{message.text}\n---\n"
        sys.stderr.write(text)
        sys.stderr.flush()


@attrs.frozen
class DevDeployment:
    folder: Path

    def ensure(self) -> None:
        if not (self.folder / "secret.key").exists():
            create_development_deployment(self.folder)
        key_file = self.folder / "paotang-key.json"
        if not key_file.exists():
            key = ECKey.generate_key("P-256", parameters={"kid": "dev"})
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(key.as_dict(private=True), out)

    def wallet(self, clock: Clock, base_url: str) -> PaoTangWallet:
        """The simulator with this deployment's key; its callback is the portal's."""
        key = ECKey.import_key(json.loads((self.folder / "paotang-key.json").read_text()))
        return PaoTangWallet(clock=clock, key=key,
                             callback_url=f"{base_url}/softtoken/proofing/paotang")  # fmt: skip

    def open(self, base_url: str) -> SoftToken:
        self.ensure()
        folder = self.folder.resolve()

        def read(name: str) -> str:
            return (folder / name).read_text("ascii").strip()

        env = {
            "SOFTTOKEN_SECRET_KEY": read("secret.key"),
            "SOFTTOKEN_STORAGE_URL": f"sqlite:///{folder / 'softtoken.db'}",
            "SOFTTOKEN_CA_ROOT_CERT": str(folder / "ca" / "root.pem"),
            "SOFTTOKEN_CA_ISSUING_CERT": str(folder / "ca" / "issuing.pem"),
            "SOFTTOKEN_CA_KEY_BACKEND": "pem",
            "SOFTTOKEN_CA_KEY_FILE": str(folder / "ca" / "issuing-key.pem"),
            "SOFTTOKEN_CA_KEY_PASSPHRASE": read("ca/passphrase"),
        }
        base64.b64decode(env["SOFTTOKEN_SECRET_KEY"], validate=True)
        config = Config.from_env(env)
        wallet = self.wallet(SystemClock(), base_url)
        config = attrs.evolve(
            config, device_api_url=f"{base_url}/softtoken/device",
            registration=RegistrationSettings(paotang=wallet.config()),
        )  # fmt: skip
        return build(config, email_sender=ConsoleMail())

    def seed(self, soft: SoftToken) -> list[str]:
        """The accounts to walk with, each with a temporary password (shown once, kept
        in ``accounts.txt``, to be changed at first sign-in)."""
        lines = []
        people = [PERSON, *((uid, o.display_name, "officer") for uid, o in OFFICERS.items())]
        for user_id, first, last in people:
            try:
                soft.accounts.get(user_id)
                continue
            except NotFound:
                soft.accounts.create(user_id=user_id, first_name=first, last_name=last)
            password = soft.accounts.issue_temporary_password(user_id, actor="portal-dev")
            lines.append(f"{user_id}  {password}  ({first} {last})")
        if lines:
            with (self.folder / "accounts.txt").open("a", encoding="utf-8") as out:
                out.write("".join(line + "\n" for line in lines))
        return lines
