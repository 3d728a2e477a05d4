"""``python -m softtoken_portal`` (or ``softtoken-portal``): the portal on a development
deployment, and the phone and the Pao Tang wallet on the command line, each speaking to
the portal over HTTP, so a person walks the manual by hand (docs/portal.md).

::

    softtoken-portal serve                     # http://127.0.0.1:8000
    softtoken-portal wallet '<paotang://...>'  # the QR code's text from step 2
    softtoken-portal phone activate '<softtoken://activate?...>'
    softtoken-portal phone approve             # the picture's ID or the code, if asked
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from collections.abc import Sequence
from pathlib import Path

import httpx

from softtoken import SystemClock
from softtoken.authenticator import Device

from ._clients import HttpPhone, send_assertion
from ._dev import OFFICERS, PERSON, DevDeployment

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="softtoken-portal", description="the reference portal")
    parser.add_argument(
        "--dir", type=Path, default=Path("portal-dev"), help="the deployment's folder"
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the portal is")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the portal (the default command)")
    serve.add_argument("--port", type=int, default=8000)
    wallet = sub.add_parser("wallet", help="Pao Tang: scan the step 2 QR code and confirm")
    wallet.add_argument("qr", help="the QR code's text (paotang://proofing?...)")
    wallet.add_argument("--citizen-id", default="1101700207536")
    wallet.add_argument("--first-name", default=PERSON[1])
    wallet.add_argument("--last-name", default=PERSON[2])
    phone = sub.add_parser("phone", help="the soft token app (state in --state)")
    phone.add_argument("--state", type=Path, default=Path("portal-dev/phone.json"))
    actions = phone.add_subparsers(dest="action", required=True)
    activate = actions.add_parser("activate", help="scan the activation QR code, set the PIN")
    activate.add_argument("qr", help="the QR code's text (softtoken://activate?...)")
    approve = actions.add_parser("approve", help="approve the waiting sign-in")
    approve.add_argument("--answer", help="the picture's ID (select) or the code (enter)")
    actions.add_parser("show", help="what the app shows for the waiting sign-in")
    actions.add_parser("decline", help="decline it (not me)")
    actions.add_parser("renew", help="Update Profile, Accept")
    actions.add_parser("offline-code", help="the code for a sign-in without network")
    return parser


def _pin() -> str:
    return os.environ.get("SOFTTOKEN_DEVICE_PIN") or getpass.getpass("PIN (6 digits): ")


def _phone(args: argparse.Namespace) -> int:
    state: Path = args.state
    with httpx.Client(base_url=args.url, timeout=30) as client:
        if args.action == "activate":
            pin = _pin()
            phone = HttpPhone(client, Device.create(pin=pin, confirm_pin=pin), pin)
            print(f"activated: certificate {phone.activate(args.qr)}")
            phone.device.save(state)
            return 0
        device = Device.load(state)
        phone = HttpPhone(client, device, "")
        try:
            if args.action == "offline-code":
                print(device.offline_code(pin=_pin()))
                return 0
            item = phone.waiting("renewal" if args.action == "renew" else "login")
            if item is None:
                print("nothing waits for this phone")
                return 1
            if args.action == "show":
                view = device.view(item)
                print(json.dumps({"user_id": view.user_id, "mode": view.mode, "pictures": [
                    {"id": p.id, "th": p.label_th, "en": p.label_en} for p in view.pictures]},
                    ensure_ascii=False, indent=2))  # fmt: skip
                return 0
            phone.pin = _pin()
            if args.action == "approve":
                phone.approve(item, args.answer)
            elif args.action == "decline":
                phone.decline(item)
            else:
                phone.renew(item)
            print(f"{args.action}: done")
        finally:
            device.save(state)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 - only this command runs a server

    from ._app import create_app  # noqa: PLC0415

    url = f"http://127.0.0.1:{args.port}"
    deployment = DevDeployment(args.dir)
    soft = deployment.open(url)
    for line in deployment.seed(soft):
        print(f"account (temporary password, change it at first sign-in): {line}")
    print(f"accounts so far: {args.dir / 'accounts.txt'}; officers: {', '.join(OFFICERS)}")
    print(f"the portal: {url}  (mail is printed here)")
    app = create_app(soft, officers=OFFICERS, secure_cookies=False)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "wallet":
        deployment = DevDeployment(args.dir)
        deployment.ensure()
        wallet = deployment.wallet(SystemClock(), args.url)
        app = wallet.enroll(
            citizen_id=args.citizen_id, first_name=args.first_name, last_name=args.last_name
        )
        status = send_assertion(app, args.qr)
        print(f"{app.screen} (the portal answered {status})")
        return 0 if status == httpx.codes.OK else 1
    if args.command == "phone":
        return _phone(args)
    if args.command in {None, "serve"}:
        if args.command is None:
            args.port = 8000
        return _serve(args)
    return 2  # pragma: no cover - argparse refuses other commands
