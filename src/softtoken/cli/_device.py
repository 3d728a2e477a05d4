"""``softtoken device``: the reference authenticator on the command line, its state in a
file, so a person (or a script in another language) can play the phone. Messages go in
and out as text: JWS to standard output, JSON answers and challenges from files or ``-``.

The PIN is never an argument (any user sees arguments in the process list): it comes
from a prompt, from the first line of standard input with ``--pin-stdin`` (scripts; a
``-`` message then follows on the next lines), or from ``$SOFTTOKEN_DEVICE_PIN`` (tests
and the demo). The state file and its biometric keystore file are created 0600."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from softtoken.authenticator import Device

__all__ = ["add_device_commands", "run_device"]


def add_device_commands(commands: Any) -> None:
    device = commands.add_parser("device", help="the reference authenticator app")
    device.add_argument("--state", type=Path, required=True, help="the device's state file")
    device.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read the PIN from the first line of standard input "
        "(default: $SOFTTOKEN_DEVICE_PIN, else a prompt)",
    )
    sub = device.add_subparsers(dest="device_command", required=True)
    create = sub.add_parser("create", help="make the key pair, sealed under a new PIN")
    create.add_argument("--biometrics", action="store_true", help="enable biometric unlock")
    scan = sub.add_parser("scan", help="scan an activation QR code; prints the enrollment JWS")
    scan.add_argument("qr", help="the QR code's content (softtoken://activate?...)")
    install = sub.add_parser("install", help="keep the server's enrollment or renewal answer")
    install.add_argument("answer", help="the answer JSON, a file or - for standard input")
    for name in ("show", "approve", "decline"):
        command = sub.add_parser(name, help=f"{name} a login challenge (JSON from the poll)")
        command.add_argument("challenge", help="the challenge JSON, a file or -")
        if name == "approve":
            command.add_argument("--answer", help="the picture ID (select) or code (enter)")
    sub.add_parser("status", help="what the device holds")
    sub.add_parser("offline-code", help="a TOTP code for a login without network")


class _Pin:
    """The PIN, asked for once and only when a command needs it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._from_stdin = bool(args.pin_stdin)
        self._value: str | None = None

    def __call__(self, prompt: str = "PIN: ") -> str:
        if self._value is None:
            if self._from_stdin:
                self._value = sys.stdin.readline().rstrip("\r\n")
            else:
                self._value = os.environ.get("SOFTTOKEN_DEVICE_PIN") or getpass.getpass(prompt)
        return self._value


def _json(source: str) -> dict[str, Any]:
    if source == "-":
        text = sys.stdin.read()
    elif source.lstrip().startswith("{"):
        text = source
    else:
        text = Path(source).read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        msg = "expected a JSON object"
        raise TypeError(msg)
    return data


def run_device(args: argparse.Namespace) -> int:
    state: Path = args.state
    command = args.device_command
    pin = _Pin(args)
    if command == "create":
        first = pin("new PIN (6 digits): ")
        # A second prompt only when a person types it; a script's PIN is its own check.
        interactive = not args.pin_stdin and not os.environ.get("SOFTTOKEN_DEVICE_PIN")
        confirm = getpass.getpass("again: ") if interactive else first
        phone = Device.create(pin=first, confirm_pin=confirm, biometrics=args.biometrics)
        phone.save(state)
        print(f"device {phone.device_id} created in {state}")
        return 0
    phone = Device.load(state)
    try:
        if command == "scan":
            print(phone.enroll(phone.scan(args.qr), pin=pin()))
        elif command == "install":
            if args.pin_stdin:
                pin()  # the PIN's line comes before a "-" answer
            answer = _json(args.answer)
            phone.install(answer, pin=pin() if answer.get("totp") else None)
            print(f"activated: certificate {phone.certificate_serial}")
        elif command == "show":
            view = phone.view(_json(args.challenge))
            print(
                json.dumps(
                    {
                        "challenge": view.challenge_id,
                        "mode": view.mode,
                        "user_id": view.user_id,
                        "portal": view.portal,
                        "expires_at": view.expires_at.isoformat(),
                        "pictures": [
                            {"id": p.id, "th": p.label_th, "en": p.label_en} for p in view.pictures
                        ],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        elif command == "approve":
            secret = pin()  # before a "-" challenge: with --pin-stdin it is the first line
            print(phone.approve(_json(args.challenge), answer=args.answer, pin=secret))
        elif command == "decline":
            secret = pin()
            print(phone.decline(_json(args.challenge), pin=secret))
        elif command == "offline-code":
            print(phone.offline_code(pin=pin()))
        else:  # status
            print(
                json.dumps(
                    {
                        "device_id": phone.device_id,
                        "activated": phone.activated,
                        "certificate": phone.certificate_serial if phone.activated else None,
                        "biometrics": phone.biometric_key is not None,
                        "locked": phone.locked,
                        "wrong_pins": phone.wrong_pins,
                        "revoked_reason": phone.revoked_reason,
                    },
                    indent=2,
                )
            )
    finally:
        # Wrong-PIN counts and new certificates must survive the process.
        phone.save(state)
    return 0
