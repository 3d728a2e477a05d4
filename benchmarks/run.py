"""Run every benchmark: ``python benchmarks/run.py [--quick] [name ...]``; the scale
benchmark separately: ``python benchmarks/run.py --scale [--quick] [--accounts N]``.

Each ``benchmarks/bench_*.py`` module has ``run(quick: bool) -> list[Ratio]``. Server
adapters are measured when ``SOFTTOKEN_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs (for CI smoke)")
    parser.add_argument(
        "--scale", action="store_true", help="only bench_scale (PostgreSQL, seeded in bulk)"
    )
    parser.add_argument("--accounts", type=int, default=100_000, help="N for --scale")
    parser.add_argument("names", nargs="*", help="benchmark modules, e.g. bench_passwords")
    args = parser.parse_args()
    if args.scale:
        module = importlib.import_module("bench_scale")
        print("== bench_scale")
        for ratio in module.run(quick=args.quick, accounts=args.accounts):
            print(ratio.line())
        return 0
    # bench_scale seeds a database of N accounts: only with --scale (or by name).
    names = args.names or sorted(p.stem for p in HERE.glob("bench_*.py") if p.stem != "bench_scale")
    for name in names:
        module = importlib.import_module(name)
        print(f"== {name}")
        for ratio in module.run(quick=args.quick):
            print(ratio.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
