"""``softtoken officer``: an officer's desk on the command line. It opens the deployment
from the environment (``Config.from_env``: ``SOFTTOKEN_SECRET_KEY``,
``SOFTTOKEN_STORAGE_URL``, the ``SOFTTOKEN_CA_*`` files for the CRL) and acts as the
officer named by ``--officer`` or ``SOFTTOKEN_OFFICER``; every action is audited under
that name. Tables for people, ``--json`` for scripts."""

from __future__ import annotations

import argparse
import json
import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization

from softtoken.accounts._officer import DEFAULT_OFFICER_ROLE, Officer
from softtoken.cli._audit import add_audit_commands, run_audit
from softtoken.lifecycle.registration.machine import Registration
from softtoken.lifecycle.service_requests.machine import ServiceRequest
from softtoken.privacy._closure import CLOSURE_REASONS

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from softtoken._facade import SoftToken

__all__ = [
    "add_officer_commands",
    "open_deployment",
    "registration_json",
    "request_json",
    "run_officer",
]


def open_deployment() -> SoftToken:
    """The deployment the environment names (the composition root, ``_wiring``)."""
    from softtoken._wiring import Config, build  # noqa: PLC0415 - keep `softtoken --help` fast

    return build(Config.from_env())


def add_officer_commands(commands: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--officer", help="who acts, an officer ID (default: $SOFTTOKEN_OFFICER)")
    common.add_argument(
        "--officer-name", help="the officer's display name (default: $SOFTTOKEN_OFFICER_NAME)"
    )
    common.add_argument(
        "--officer-role",
        action="append",
        help="a role the officer holds, repeatable (default: $SOFTTOKEN_OFFICER_ROLES, "
        "comma-separated, else 'officer')",
    )
    common.add_argument("--json", action="store_true", help="JSON instead of a table")
    officer = commands.add_parser(
        "officer", help="officer tasks (registrations, service requests, reset, CRL, audit)"
    )
    sub = officer.add_subparsers(dest="officer_command", required=True)

    regs = sub.add_parser("registrations", help="registrations awaiting approval (chapter 2)")
    rsub = regs.add_subparsers(dest="action", required=True)
    rsub.add_parser("list", parents=[common], help="the queue, oldest first")
    for name in ("show", "approve", "reject"):
        command = rsub.add_parser(name, parents=[common], help=f"{name} one registration")
        command.add_argument("id", help="the registration ID")
        if name == "reject":
            command.add_argument("--reason", required=True, help="emailed to the person")

    reqs = sub.add_parser("requests", help="service requests (chapter 7)")
    qsub = reqs.add_subparsers(dest="action", required=True)
    listing = qsub.add_parser("list", parents=[common], help="waiting requests, oldest first")
    listing.add_argument("--overdue", action="store_true", help="only those past the hour")
    listing.add_argument("--all", action="store_true", help="decided ones too")
    submit = qsub.add_parser("submit", parents=[common], help="record an emailed form")
    submit.add_argument("--form", type=Path, required=True, help="the form's fields, JSON")
    submit.add_argument("--signed-form", type=Path, required=True, help="the signed PDF")
    for name in ("show", "review", "approve", "reject"):
        command = qsub.add_parser(name, parents=[common], help=f"{name} one request")
        command.add_argument("id", help="the request ID")
        if name == "show":
            command.add_argument("--pdf", type=Path, help="save the signed form here")
        if name in {"review", "approve"}:
            command.add_argument("--note", help="part 4: the officer's note")
        if name == "reject":
            command.add_argument("--reason", required=True, help="emailed to the requester")

    enable = sub.add_parser(
        "enable-reset",
        parents=[common],
        help="re-enable a self-service reset disabled after 100 wrong codes",
    )
    enable.add_argument("user_id")
    account = sub.add_parser(
        "enable-account",
        parents=[common],
        help="re-enable an account disabled after too many wrong passwords",
    )
    account.add_argument("user_id")
    crl = sub.add_parser("publish-crl", parents=[common], help="write a fresh CRL to a file")
    crl.add_argument("--out", type=Path, required=True, help="where the CRL URL serves from")
    crl.add_argument("--pem", action="store_true", help="PEM instead of DER")
    export = sub.add_parser(
        "export", parents=[common], help="everything held about a person, to a JSON file"
    )
    export.add_argument("user_id")
    export.add_argument("--out", type=Path, required=True, help="the JSON file (mode 0600)")
    close = sub.add_parser(
        "close", parents=[common], help="close an account for good (its soft token is revoked)"
    )
    close.add_argument("user_id")
    close.add_argument("--reason", required=True, choices=sorted(CLOSURE_REASONS))
    erase = sub.add_parser(
        "erase", parents=[common], help="erase a closed account's personal data after retention"
    )
    erase.add_argument("user_id")
    add_audit_commands(sub, common)


def _officer(args: argparse.Namespace) -> str:
    return str(args.officer or os.environ.get("SOFTTOKEN_OFFICER") or "")


def _width(text: str) -> int:
    # Thai vowel and tone marks above or below a consonant take no column of their own.
    return sum(
        0 if unicodedata.combining(c) or unicodedata.category(c) == "Mn" else 1 for c in text
    )


def table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    """Rows as aligned columns, for a terminal."""
    if not rows:
        return "(none)"
    cells = [[("-" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(_width(c), *(_width(row[i]) for row in cells)) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True))

    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, cells)]).rstrip()


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


def request_json(record: ServiceRequest, *, now: datetime, within: timedelta) -> dict[str, Any]:
    """A request as officers see it: part 4, its age and whether it is overdue."""
    return {
        "request_id": record.request_id,
        "user_id": record.user_id,
        "purpose": record.purpose.value,
        "purpose_th": record.purpose.label("th"),
        "purpose_en": record.purpose.label("en"),
        "state": record.state.value,
        "decision": None if record.decision is None else record.decision.value,
        "recorded_by": record.recorded_by,
        "reviewer": record.reviewer,
        "submitted_at": record.submitted_at.isoformat(),
        "age": _age(record.age(now)),
        "age_seconds": int(record.age(now).total_seconds()),
        "due_at": record.due_at(within).isoformat(),
        "overdue": record.overdue(now, within),
        "decided_by": record.decided_by,
        "decided_at": None if record.decided_at is None else record.decided_at.isoformat(),
        "rejection_reason": record.rejection_reason,
        "note": record.note,
        "effects": record.effects.to_json(),
        "notified_to": record.notified_to,
        "form": record.form.to_json(),
        "signed_form_sha256": record.signed_form_sha256,
    }


def registration_json(reg: Registration) -> dict[str, Any]:
    name = None if reg.identity is None else f"{reg.identity.first_name} {reg.identity.last_name}"
    return {
        "registration_id": reg.registration_id,
        "user_id": reg.user_id.value,
        "state": reg.state.value,
        "step": reg.step,
        "name": name,
        "citizen_id": None if reg.citizen_id is None else reg.citizen_id.masked(),
        "email": None if reg.email is None else reg.email.value,
        "submitted_at": None if reg.submitted_at is None else reg.submitted_at.isoformat(),
        "decided_by": reg.decided_by,
        "rejection_reason": reg.rejection_reason,
        "assignment_order": reg.assignment_order is not None,
    }


_REQUEST_COLUMNS = (
    "request_id",
    "user_id",
    "purpose",
    "state",
    "age",
    "overdue",
    "recorded_by",
    "reviewer",
)
_REGISTRATION_COLUMNS = (
    "registration_id",
    "user_id",
    "name",
    "citizen_id",
    "email",
    "submitted_at",
)


def _emit(args: argparse.Namespace, data: Any, columns: Sequence[str] | None = None) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif columns is not None:
        print(table(data if isinstance(data, list) else [data], columns))
    elif isinstance(data, Mapping):
        width = max(map(_width, data))
        for key, value in data.items():
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
            print(f"{key}{' ' * (width - _width(key))}  {'-' if value is None else shown}")
    else:
        print(data)


def run_officer(args: argparse.Namespace, *, opener: Callable[[], SoftToken] | None = None) -> int:
    soft = (opener or open_deployment)()
    try:
        return _dispatch(soft, args)
    finally:
        soft.close()


def _dispatch(soft: SoftToken, args: argparse.Namespace) -> int:
    group = args.officer_command
    if group == "registrations":
        return _registrations(soft, args)
    if group == "requests":
        return _requests(soft, args)
    if group == "enable-reset":
        soft.password_reset.enable(args.user_id, officer=_checked_officer(args))
        _emit(args, {"user_id": args.user_id, "reset": "enabled"})
    elif group == "enable-account":
        account = soft.accounts.enable(args.user_id, officer=_checked_officer(args))
        _emit(args, {"user_id": account.user_id.value, "status": account.status.value})
    elif group == "publish-crl":
        crl = soft.ca.crl()
        encoding = serialization.Encoding.PEM if args.pem else serialization.Encoding.DER
        args.out.write_bytes(crl.public_bytes(encoding))
        _emit(
            args,
            {
                "crl": str(args.out),
                "entries": len(list(crl)),
                "this_update": crl.last_update_utc.isoformat(),
                "next_update": None
                if crl.next_update_utc is None
                else crl.next_update_utc.isoformat(),
            },
        )
    elif group == "export":
        who = _checked_officer(args)
        held = soft.privacy.export(args.user_id)
        # Personal data: readable by the officer's account only, from the first byte.
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(held, out, ensure_ascii=False, indent=1)
        _emit(args, {"user_id": held["user_id"], "out": str(args.out), "by": who.officer_id})
    elif group == "close":
        who = _checked_officer(args)
        closed = soft.privacy.close(args.user_id, officer=who, reason=args.reason)
        at = closed.closed_at.isoformat() if closed.closed_at else None
        _emit(args, {"user_id": args.user_id, "closed_at": at, "by": who.officer_id})
    elif group == "erase":
        who = _checked_officer(args)
        counts = soft.privacy.erase(args.user_id, officer=who)
        _emit(args, {"erased": True, "by": who.officer_id, **counts})
    elif group == "audit":
        return run_audit(soft, args, emit=_emit, officer=lambda: _checked_officer(args))
    return 0


def _checked_officer(args: argparse.Namespace) -> Officer:
    """The officer who acts, from the options or the environment.

    Raises:
        ValidationError: ``officer_required`` (no officer ID), ``invalid_value``.
    """
    env_roles = os.environ.get("SOFTTOKEN_OFFICER_ROLES", "")
    roles = args.officer_role or [r for r in env_roles.split(",") if r.strip()]
    return Officer(
        officer_id=_officer(args),
        display_name=args.officer_name or os.environ.get("SOFTTOKEN_OFFICER_NAME") or None,
        roles=roles or [DEFAULT_OFFICER_ROLE],
    )


def _registrations(soft: SoftToken, args: argparse.Namespace) -> int:
    registrations = soft.registration
    if args.action == "list":
        found = [registration_json(r) for r in registrations.awaiting_approval()]
        _emit(args, found, _REGISTRATION_COLUMNS)
    elif args.action == "show":
        _emit(args, registration_json(registrations.get(args.id)))
    elif args.action == "approve":
        reg = registrations.approve(args.id, officer=_checked_officer(args))
        _emit(args, registration_json(reg))
    else:
        reg = registrations.reject(args.id, officer=_checked_officer(args), reason=args.reason)
        _emit(args, registration_json(reg))
    return 0


def _requests(soft: SoftToken, args: argparse.Namespace) -> int:
    requests = soft.service_requests
    now, within = soft.clock.now(), soft.policy.service_request_answer_within

    def show(record: ServiceRequest) -> dict[str, Any]:
        return request_json(record, now=now, within=within)

    action = args.action
    if action == "list":
        if args.overdue:
            found = requests.overdue()
        elif args.all:
            found = requests.list()
        else:
            found = requests.pending()
        _emit(args, [show(r) for r in found], _REQUEST_COLUMNS)
        return 0
    if action == "submit":
        form = json.loads(args.form.read_text("utf-8"))
        record = requests.submit(
            form, signed_form=args.signed_form.read_bytes(), officer=_checked_officer(args)
        )
    elif action == "show":
        record = requests.get(args.id)
        if args.pdf:
            args.pdf.write_bytes(requests.signed_form(args.id))
    elif action == "review":
        record = requests.take(args.id, officer=_checked_officer(args), note=args.note)
    elif action == "approve":
        record = requests.approve(args.id, officer=_checked_officer(args), note=args.note)
    else:
        record = requests.reject(args.id, officer=_checked_officer(args), reason=args.reason)
    _emit(args, show(record))
    return 0
