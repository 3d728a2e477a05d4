"""Every Python example in docs/ and the README runs (each file's blocks in order, in one
namespace), so the guides cannot drift from the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
# Blocks fenced as ```python run; sketches are fenced as ```py.
DOCS = sorted(p for p in (ROOT / "docs").glob("*.md") if BLOCK.search(p.read_text("utf-8")))


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = BLOCK.findall(path.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)  # examples that make a SQLite file make it here
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    exec(compile("\n".join(blocks), str(path), "exec"), namespace)  # noqa: S102 - our own docs


def test_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [block] = BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
