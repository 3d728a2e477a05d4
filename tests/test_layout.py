"""The layout's rules, read from the source (``docs/internals.md`` draws the map):

* no import circle among the library's modules (``TYPE_CHECKING`` and function-level
  imports count: a circle a type checker walks is still a circle for a reader);
* a flow under ``softtoken.lifecycle`` imports another flow only through its public
  names (its package, or a module of it whose name has no leading underscore);
* the core never imports an adapter (storage, mail, proofing and key backends) at run
  time, directly or through other core modules;
* no module over 400 lines, no folder with more than 12 modules besides ``__init__``.
"""

from __future__ import annotations

import ast
import graphlib
import warnings
from pathlib import Path

import pytest

import softtoken

SRC = Path(softtoken.__file__).parent

#: Modules that talk to the world: only the composition roots may import them. (Document
#: review is a provider too, but it does no I/O: an officer's confirmation is its input.)
ADAPTERS = (
    "softtoken.storage.memory",
    "softtoken.storage.sql",
    "softtoken.mail.memory",
    "softtoken.mail.smtp",
    "softtoken.ca.keys._pkcs11",
    "softtoken.proofing.paotang",
    "softtoken.proofing.oidc",
)
#: The composition roots and the packages that exist to wire or drive adapters.
NOT_CORE = (
    "softtoken",
    "softtoken._wiring",
    "softtoken._facade",
    "softtoken._registration_settings",
    "softtoken.cli",
    "softtoken.testing",
    "softtoken.authenticator",
    "softtoken.device",
    "softtoken.devices",
    "softtoken.storage",  # the package's __init__ opens an adapter by URL
    "softtoken.mail",  # the package's __init__ re-exports the mail adapters
    "softtoken.proofing",  # likewise for the proofing adapters
    "softtoken.ca",  # likewise for the key backends
)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


class _ImportLister(ast.NodeVisitor):
    """The library modules one module imports, each with whether the import runs when
    the module loads (False under ``TYPE_CHECKING``)."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.found: set[tuple[str, bool]] = set()
        self.runtime = True

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name != "TYPE_CHECKING":
            self.generic_visit(node)
            return
        self.runtime = False
        for stmt in node.body:
            self.visit(stmt)
        self.runtime = True
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.update((a.name, self.runtime) for a in node.names if a.name in MODULES)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        for alias in node.names:
            full = f"{base}.{alias.name}"
            target = full if full in MODULES else base
            if target in MODULES:
                self.found.add((target, self.runtime))


def _imports(name: str) -> set[tuple[str, bool]]:
    path = MODULES[name]
    lister = _ImportLister(name if path.name == "__init__.py" else name.rpartition(".")[0])
    lister.visit(ast.parse(path.read_text(encoding="utf-8")))
    return lister.found


GRAPH = {name: _imports(name) for name in MODULES}


def _circle(edges: dict[str, set[str]]) -> list[str]:
    """One import circle, or [] when there is none."""
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return []


def test_no_import_circle_among_the_library_modules() -> None:
    edges = {name: {target for target, _ in GRAPH[name]} for name in MODULES}
    assert _circle(edges) == []


def test_the_circle_finder_sees_a_circle() -> None:
    # The rule above must be able to fail.
    assert sorted(set(_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}))) == ["a", "b", "c"]


def _flow(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) >= 3 and parts[:2] == ["softtoken", "lifecycle"]:
        package = MODULES[".".join(parts[:3])]
        return parts[2] if package.name == "__init__.py" else None
    return None


def test_a_flow_imports_another_flow_only_through_its_public_names() -> None:
    offences = []
    for name in MODULES:
        flow = _flow(name)
        if flow is None:
            continue
        for target, _ in GRAPH[name]:
            other = _flow(target)
            if other is None or other == flow:
                continue
            inside = target.split(".")[3:]
            if any(part.startswith("_") for part in inside):
                offences.append(f"{name} -> {target}")
    assert offences == []


def test_the_core_never_imports_an_adapter() -> None:
    core = [n for n in MODULES if not _within(n, ADAPTERS) and not _within(n, NOT_CORE)]
    core += [
        n
        for n in MODULES
        if n
        in {
            "softtoken.storage._repositories",
            "softtoken.storage._unit_of_work",
            "softtoken.mail._outbox",
            "softtoken.mail._templates",
            "softtoken.mail._message",
            "softtoken.proofing._service",
            "softtoken.proofing._result",
            "softtoken.ca._service",
            "softtoken.ca._authority",
        }
    ]
    offences = []
    for start in core:
        seen, todo = {start}, [start]
        while todo:
            for target, runtime in GRAPH[todo.pop()]:
                if not runtime or target in seen:
                    continue
                if _within(target, ADAPTERS):
                    offences.append(f"{start} reaches {target}")
                    continue
                seen.add(target)
                if not _within(target, NOT_CORE) or target in core:
                    todo.append(target)
    assert offences == []


def test_modules_and_folders_stay_small() -> None:
    long = {
        str(path.relative_to(SRC)): lines
        for path in MODULES.values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
    folders: dict[Path, int] = {}
    for path in MODULES.values():
        if path.name != "__init__.py":
            folders[path.parent] = folders.get(path.parent, 0) + 1
    crowded = {str(folder.relative_to(SRC)): n for folder, n in folders.items() if n > 12}
    assert crowded == {}


@pytest.mark.parametrize(
    ("old", "new"),
    [("softtoken.devices", "softtoken.protocol"), ("softtoken.device", "softtoken.authenticator")],
)
def test_the_old_device_paths_still_import_and_warn(old: str, new: str) -> None:
    import importlib
    import sys

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new):
        module = importlib.import_module(old)
    current = importlib.import_module(new)
    assert module.__all__ == current.__all__
    for name in current.__all__:
        assert getattr(module, name) is getattr(current, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.import_module(new)  # the new path does not warn


def test_every_public_name_resolves() -> None:
    for name in softtoken.__all__:
        assert getattr(softtoken, name) is not None
