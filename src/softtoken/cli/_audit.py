"""``softtoken officer audit``: verify the chain (against a checkpoint kept outside the
database), export it, make a checkpoint, and reseal the head after an incident."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from softtoken._facade import SoftToken
    from softtoken.accounts._officer import Officer

__all__ = ["add_audit_commands", "run_audit"]


def add_audit_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    audit = sub.add_parser("audit", help="the hash-chained audit log")
    asub = audit.add_subparsers(dest="action", required=True)
    export = asub.add_parser("export", parents=[common], help="every record, JSON lines")
    export.add_argument("--out", type=Path, help="a file instead of standard output")
    verify = asub.add_parser("verify", parents=[common], help="check the whole chain")
    verify.add_argument(
        "--checkpoint", type=Path, help="a checkpoint file the log must reach and extend"
    )
    checkpoint = asub.add_parser(
        "checkpoint",
        parents=[common],
        help="verify, then write where the log ends (keep it outside the database)",
    )
    checkpoint.add_argument("--out", type=Path, help="a file instead of standard output")
    checkpoint.add_argument("--previous", type=Path, help="an earlier checkpoint to extend")
    asub.add_parser(
        "reseal",
        parents=[common],
        help="seal the head at the end of the records after an incident (audited)",
    )
    asub.add_parser(
        "convert",
        parents=[common],
        help="re-chain records from before schema 0007 with pseudonyms (after an upgrade by hand)",
    )


def run_audit(
    soft: SoftToken,
    args: argparse.Namespace,
    *,
    emit: Callable[[argparse.Namespace, Any], None],
    officer: Callable[[], Officer | str],
) -> int:
    from softtoken.audit import AuditCheckpoint  # noqa: PLC0415 - keep `softtoken --help` fast

    def read(path: Path | None) -> AuditCheckpoint | None:
        return None if path is None else AuditCheckpoint.from_json(path.read_bytes())

    if args.action == "verify":
        given = read(args.checkpoint)
        result: dict[str, object] = {
            "verified_records": soft.audit.verify(checkpoint=given),
            "chain": "intact",
        }
        if given is not None:
            result["checkpoint_seq"] = given.seq
        emit(args, result)
    elif args.action == "checkpoint":
        made = soft.audit.checkpoint(previous=read(args.previous))
        if args.out:
            args.out.write_text(made.to_json() + "\n", "utf-8")
            emit(args, {"checkpoint": str(args.out), "seq": made.seq, "at": made.at.isoformat()})
        else:
            sys.stdout.write(made.to_json() + "\n")
    elif args.action == "reseal":
        kept = soft.audit.reseal(officer=officer())
        # The reseal's own record (the newest audit.reseal) names the old head.
        record = [r for r in soft.audit.records() if r.entry.action == "audit.reseal"][-1]
        head_was = record.entry.details["head_was"]
        emit(args, {"records_kept": kept, "head_was": head_was, "chain": "resealed"})
    elif args.action == "convert":
        emit(args, {"converted_records": soft.audit.convert() or 0})
    else:
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in soft.audit.export())
        if args.out:
            args.out.write_text(lines, "utf-8")
            print(f"{lines.count(chr(10))} audit records written to {args.out}", file=sys.stderr)
        else:
            sys.stdout.write(lines)
    return 0
