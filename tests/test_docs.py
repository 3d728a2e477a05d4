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


# `from softtoken._qr import ...`, `import softtoken.lifecycle._x`, `from softtoken.a._b ...`
PRIVATE_IMPORT = re.compile(r"^\s*(?:from|import)\s+softtoken(?:\.\w+)*\._\w*", re.MULTILINE)


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_g1_examples_import_only_public_modules(path: Path) -> None:
    # Issue 13 item 7: a guide that imports a private module teaches an API that may
    # change without notice; every name an example needs has a public path.
    private = [
        match.group(0).strip()
        for block in BLOCK.findall(path.read_text(encoding="utf-8"))
        for match in PRIVATE_IMPORT.finditer(block)
    ]
    assert not private, private
