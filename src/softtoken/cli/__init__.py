"""The ``softtoken`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from softtoken.cli._device import add_device_commands, run_device
from softtoken.cli._init import create_development_deployment
from softtoken.cli._officer import add_officer_commands, run_officer
from softtoken.errors import SoftTokenError
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
    add_device_commands(commands)
    add_officer_commands(commands)
    return parser


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
        elif args.db_command == "upgrade" and args.revision != "head":
            migrations.upgrade(storage.engine, args.revision)
            print(f"{args.url} is at revision {migrations.current_revision(storage.engine)}")
        else:
            # init and upgrade to head: an empty database gets the tables, an older one
            # (0.1's has no version table) is stamped and upgraded.
            storage.create_schema()
            print(f"{args.url} is at revision {migrations.current_revision(storage.engine)}")
    finally:
        storage.close()
    return 0


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
        if args.command == "policy":
            print(json.dumps(Policy().as_dict(), indent=2, ensure_ascii=False))
            return 0
    except SoftTokenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1  # pragma: no cover - argparse refuses unknown commands
