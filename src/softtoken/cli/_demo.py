"""``softtoken demo``: walks every chapter of the manual the library can do so far,
on a SQLite file, with a clock the demo can move and the mail shown as it is sent."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from softtoken._clock import FakeClock
from softtoken._wiring import Config, build
from softtoken.ca import CaConfig, create_authority_files
from softtoken.cli._demo_devices import DEVICE_CHAPTERS
from softtoken.cli._demo_login import LOGIN_CHAPTERS
from softtoken.cli._demo_portal import CLOSING_CHAPTERS, PORTAL_CHAPTERS
from softtoken.cli._demo_registration import REGISTRATION_CHAPTERS
from softtoken.cli._demo_renewal import RENEWAL_CHAPTERS
from softtoken.cli._demo_service_requests import SERVICE_REQUEST_CHAPTERS
from softtoken.cli._demo_state import CITIZEN_ID, EMAIL, USER_ID, Demo
from softtoken.mail.memory import MemoryMailbox
from softtoken.policy import Policy

__all__ = ["CHAPTERS", "Demo", "run_demo"]


def chapter_accounts(demo: Demo) -> None:
    demo.heading("Foundation: an account, a temporary password, a forced change")
    soft = demo.softtoken
    account = soft.accounts.create(
        user_id=USER_ID,
        first_name="สมชาย",
        last_name="ใจดี",
        email=EMAIL,
        citizen_id=CITIZEN_ID,
        disbursement_unit="0500500000",
    )
    demo.say(
        f"created account {account.user_id} for {account.full_name}, "
        f"citizen ID {account.citizen_id.masked() if account.citizen_id else '-'}"
    )
    temporary = soft.accounts.issue_temporary_password(USER_ID, actor="officer:demo")
    demo.say(f"temporary password (shown once): {temporary}")
    check = soft.accounts.verify_password(USER_ID, temporary)
    demo.say(f"password accepted; password change required: {check.password_change_required}")
    new_password = "ทดสอบ-softtoken-" + secrets.token_hex(4)
    soft.accounts.change_password(
        USER_ID,
        current_password=temporary,
        new_password=new_password,
        confirm_password=new_password,
    )
    demo.say("password changed: please log in again")
    demo.passwords[USER_ID] = new_password
    check = soft.accounts.verify_password(USER_ID, new_password)
    demo.say(f"logged in with the new password; change required: {check.password_change_required}")
    demo.show_mail()


#: The chapters in the manual's order; later modules append theirs.
CHAPTERS: list[Callable[[Demo], None]] = [
    chapter_accounts,
    *LOGIN_CHAPTERS,
    *REGISTRATION_CHAPTERS,
    *DEVICE_CHAPTERS,
    *PORTAL_CHAPTERS,
    *RENEWAL_CHAPTERS,
    *SERVICE_REQUEST_CHAPTERS,
    *CLOSING_CHAPTERS,
]


def _demo_ca(folder: Path, *, now: datetime) -> CaConfig:
    """A root and an issuing CA on disk, keys encrypted, made once per demo folder."""
    passphrase = b"softtoken demo passphrase"
    if not (folder / "issuing.pem").exists():
        create_authority_files(
            folder,
            name="GFMIS Demo",
            passphrase=passphrase,
            now=now,
            organization="Comptroller General's Department (demo)",
        )
    return CaConfig(
        root_certificate=str(folder / "root.pem"),
        issuing_certificate=str(folder / "issuing.pem"),
        key_file=str(folder / "issuing-key.pem"),
        key_passphrase=passphrase,
        crl_url="https://gfmis.example.go.th/softtoken/crl",
        ocsp_url="https://gfmis.example.go.th/softtoken/ocsp",
    )


def run_demo(out: TextIO, *, workdir: Path | None = None, storage_url: str | None = None) -> int:
    base = workdir or Path(tempfile.mkdtemp(prefix="softtoken-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    url = storage_url or f"sqlite:///{base / 'softtoken.db'}"
    clock = FakeClock(datetime.now(UTC))
    mailbox = MemoryMailbox()
    config = Config(
        secret_key=secrets.token_bytes(32),
        storage_url=url,
        policy=Policy(),
        ca=_demo_ca(base / "ca", now=clock.now()),
        device_api_url="https://gfmis.example.go.th/softtoken/device",
    )
    soft = build(config, clock=clock, email_sender=mailbox)
    print(f"softtoken demo: storage {url}, CA files in {base / 'ca'}", file=out)
    demo = Demo(softtoken=soft, clock=clock, mailbox=mailbox, out=out, workdir=base, config=config)
    try:
        for chapter in CHAPTERS:
            chapter(demo)
        demo.heading("Audit log")
        demo.say(f"{soft.audit.verify()} audit records, hash chain verified")
    finally:
        soft.close()
    print("\ndemo finished", file=out)
    return 0
