"""The ``softtoken`` command line."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import attrs

from softtoken.cli._device import add_device_commands, run_device
from softtoken.cli._init import create_development_deployment
from softtoken.cli._officer import add_officer_commands, run_officer
from softtoken.errors import ConfigurationError, SoftTokenError
from softtoken.policy import Policy

__all__ = ["create_development_deployment", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="softtoken", description="Soft token lifecycle tools")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="walk every chapter of the manual on a SQLite file")
    demo.add_argument("--dir", type=Path, help="where to keep the demo's files (default: temp)")
    demo.add_argument("--storage-url", help="another database instead of the SQLite file")

    init = commands.add_parser(
        "init",
        help="create a development deployment (secret key, CA, SQLite database) and "
        "print the environment variables to export",
    )
    init.add_argument(
        "--dir", type=Path, default=Path("softtoken-dev"), help="where (default: softtoken-dev)"
    )

    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    init = db_commands.add_parser("init", help="create softtoken's tables (idempotent)")
    init.add_argument("--url", required=True, help="SQLAlchemy URL, e.g. sqlite:///st.db")
    upgrade = db_commands.add_parser(
        "upgrade", help="bring a database of any released version to this schema"
    )
    upgrade.add_argument("--url", required=True, help="SQLAlchemy URL, e.g. sqlite:///st.db")
    upgrade.add_argument("--revision", default="head", help="stop at this revision")
    upgrade.add_argument(
        "--secret-key-file",
        type=Path,
        help="the key that seals clear personal data (a keyring file, or a file holding "
        "the base64 secret); default: SOFTTOKEN_KEYRING_FILE or SOFTTOKEN_SECRET_KEY",
    )
    current = db_commands.add_parser("current", help="the database's schema revision")
    current.add_argument("--url", required=True, help="SQLAlchemy URL, e.g. sqlite:///st.db")
    purge = db_commands.add_parser(
        "purge",
        help="delete what has outlived its retention period (the deployment from "
        "SOFTTOKEN_SECRET_KEY and SOFTTOKEN_STORAGE_URL)",
    )
    purge.add_argument("--batch-size", type=int, help="rows per transaction (policy default)")
    purge.add_argument("--json", action="store_true", help="the counts as JSON")

    commands.add_parser("policy", help="print the default policy as JSON")
    _add_keys_commands(commands)
    add_device_commands(commands)
    add_officer_commands(commands)
    return parser


def _add_keys_commands(commands: Any) -> None:
    keys = commands.add_parser(
        "keys", help="the keyring: rotate, reseal, status, retire (docs/privacy.md)"
    )
    sub = keys.add_subparsers(dest="keys_command", required=True)
    rotate = sub.add_parser("rotate", help="add a key, make it current, print its ID")
    rotate.add_argument("--key-id", help="the new key's ID (default: the next k<n>)")
    reseal = sub.add_parser("reseal", help="move sealed values and indexes to the current key")
    reseal.add_argument("--batch-size", type=int, help="rows per transaction (policy default)")
    status = sub.add_parser("status", help="values per key ID; which keys can be retired")
    status.add_argument("--json", action="store_true", help="JSON instead of a table")
    retire = sub.add_parser("retire", help="remove a key nothing uses from the keyring file")
    retire.add_argument("key_id")


def _keyring_file() -> Path:
    path = os.environ.get("SOFTTOKEN_KEYRING_FILE")
    if not path:
        raise ConfigurationError("invalid_keyring", detail="SOFTTOKEN_KEYRING_FILE is not set")
    return Path(path)


def _keys(args: argparse.Namespace) -> int:
    from softtoken._keys import Keyring, keyring_from_env  # noqa: PLC0415
    from softtoken.cli._officer import open_deployment  # noqa: PLC0415

    if args.keys_command == "rotate":
        path = _keyring_file()
        # The first rotation starts from the single secret, which stays as key k0.
        ring = (
            Keyring.load(path)
            if path.exists()
            else keyring_from_env({**os.environ, "SOFTTOKEN_KEYRING_FILE": ""})
        )
        rotated = ring.rotated(key_id=args.key_id)
        rotated.save(path)
        print(rotated.current)
        return 0
    soft = open_deployment()
    try:
        if args.keys_command == "reseal":
            print(f"resealed {soft.maintenance.reseal(batch_size=args.batch_size)} rows")
        elif args.keys_command == "status":
            usage = soft.maintenance.key_usage()
            if args.json:
                print(json.dumps(attrs.asdict(usage)))
            else:
                for kid in usage.key_ids:
                    mark = "current" if kid == usage.current else ""
                    sealed, macs = usage.sealed.get(kid, 0), usage.macs.get(kid, 0)
                    audit = usage.audit.get(kid, 0)
                    print(f"{kid:<16} {sealed:>8} sealed {macs:>8} live MACs "
                          f"{audit:>8} audit  {mark}")  # fmt: skip
                for kid in sorted(usage.audit.keys() - set(usage.key_ids)):
                    print(f"{kid:<16} retired: verifies {usage.audit[kid]} audit records/heads")
                retirable = ", ".join(usage.retirable()) or "none"
                print(f"can be retired: {retirable}")
        else:
            soft.maintenance.check_retirable(args.key_id)
            path = _keyring_file()
            Keyring.load(path).without(args.key_id).save(path)
            print(f"retired {args.key_id}")
    finally:
        soft.close()
    return 0


def _purge(args: argparse.Namespace) -> int:
    from softtoken.cli._officer import open_deployment  # noqa: PLC0415

    soft = open_deployment()
    try:
        report = soft.maintenance.purge(batch_size=args.batch_size)
    finally:
        soft.close()
    if args.json:
        print(json.dumps({"at": report.at.isoformat(), "deleted": dict(report.deleted)}))
    else:
        for rule, count in report.deleted.items():
            print(f"{rule:<24} {count:>8}")
        print(f"{'total':<24} {report.total:>8}")
    return 0


def _database(args: argparse.Namespace) -> int:
    if args.db_command == "purge":
        return _purge(args)
    from softtoken.storage.sql import SqlStorage, migrations  # noqa: PLC0415

    storage = SqlStorage(args.url)
    try:
        if args.db_command == "current":
            revision = migrations.current_revision(storage.engine)
            head = migrations.head_revision()
            print(f"{revision or 'unversioned (empty, or made by 0.1)'}; this version: {head}")
        else:
            with _sealing_keys(args):
                if args.db_command == "upgrade" and args.revision != "head":
                    migrations.upgrade(storage.engine, args.revision)
                else:
                    # init and upgrade to head: an empty database gets the tables, an
                    # older one (0.1's has no version table) is stamped and upgraded.
                    storage.create_schema()
            print(f"{args.url} is at revision {migrations.current_revision(storage.engine)}")
    finally:
        storage.close()
    return 0


def _sealing_keys(args: argparse.Namespace) -> AbstractContextManager[None]:
    from softtoken._keys import ServerKeys, keyring_from_file  # noqa: PLC0415
    from softtoken.storage.sql.migrations import sealing_keys  # noqa: PLC0415

    path = getattr(args, "secret_key_file", None)
    if path is None:
        return contextlib.nullcontext()
    return sealing_keys(ServerKeys.from_keyring(keyring_from_file(path)))


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 - one return per command
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from softtoken.cli._demo import run_demo  # noqa: PLC0415 - only this command needs it

            return run_demo(sys.stdout, workdir=args.dir, storage_url=args.storage_url)
        if args.command == "init":
            from softtoken.cli._init import run_init  # noqa: PLC0415 - only this command needs it

            return run_init(sys.stdout, args.dir)
        if args.command == "db":
            return _database(args)
        if args.command == "device":
            return run_device(args)
        if args.command == "officer":
            return run_officer(args)
        if args.command == "keys":
            return _keys(args)
        if args.command == "policy":
            print(json.dumps(Policy().as_dict(), indent=2, ensure_ascii=False))
            return 0
    except SoftTokenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1  # pragma: no cover - argparse refuses unknown commands
