"""The services stay a layer of use cases: their imports, read with ``ast``, have no cycle, no
import hidden inside a function to dodge one, and no call chain deeper than four service
modules. Reactions go through the bus (``services/reactions.py``), which these checks keep
honest (the bus itself: ``tests/unit/services/test_bus.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sendout.services

SERVICES = Path(sendout.services.__file__).parent
PACKAGE = "sendout.services"
#: Modules every use case may lean on without calling another use case: the call's context,
#: writing an event, retrying a conflict, and the bus. ``reactions`` is the wiring table
#: (it calls nothing): the chains start below it.
SUPPORT = {"context", "recording", "retries", "bus", "reactions"}
MAX_CHAIN = 4


def _modules() -> dict[str, ast.Module]:
    found: dict[str, ast.Module] = {}
    for path in sorted(SERVICES.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        name = ".".join((PACKAGE, *path.relative_to(SERVICES).with_suffix("").parts))
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


MODULES = _modules()


def _imports(tree: ast.Module, *, calls_only: bool) -> set[str]:
    """The service modules ``tree`` imports; ``calls_only``: leaving out imports of constants
    (an UPPER_CASE name is a value, not a call into the module)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in MODULES:
                    found.add(submodule)
                elif node.module in MODULES and not (calls_only and alias.name.isupper()):
                    found.add(node.module)
    return found


def _short(name: str) -> str:
    return name.removeprefix(PACKAGE + ".")


def test_no_service_imports_inside_a_function() -> None:
    nested = [
        f"{_short(name)}:{node.lineno}"
        for name, tree in MODULES.items()
        for top in tree.body
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for node in ast.walk(top)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert nested == []


def test_service_imports_have_no_cycle() -> None:
    graph = {name: _imports(tree, calls_only=False) for name, tree in MODULES.items()}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = (*path[path.index(name) :], name)
            pytest.fail("import cycle: " + " -> ".join(map(_short, cycle)))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())


def test_service_call_chains_are_at_most_four_modules_deep() -> None:
    graph = {
        name: {t for t in _imports(tree, calls_only=True) if _short(t) not in SUPPORT}
        for name, tree in MODULES.items()
    }
    longest: dict[str, tuple[str, ...]] = {}

    def chain(name: str) -> tuple[str, ...]:
        if name not in longest:
            below = [chain(t) for t in graph[name]]
            longest[name] = (name, *max(below, key=len, default=()))
        return longest[name]

    too_deep = [
        " -> ".join(map(_short, c))
        for name in graph
        if _short(name) not in SUPPORT and len(c := chain(name)) > MAX_CHAIN
    ]
    assert too_deep == []
