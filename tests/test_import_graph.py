"""The import graph of the packages: no circles, and dependencies only downward.

The source of ``autograd/``, ``nn/``, ``viz/`` and ``deltagrad/`` is parsed (``ast``; nothing
is imported), and every import becomes an arrow ``importer -> imported module``:

* imports at module level AND imports inside functions count: a late import still ties
  the two files together (it only hides the circle from the interpreter);
* imports under ``if TYPE_CHECKING:`` do not count: they never run;
* ``from package import name`` points at the submodule ``package.name`` when there is
  one, else at the package's ``__init__``; parent packages are not implied (importing
  ``autograd.ops.shape`` is an arrow to that file alone).

Layers: ``autograd <- nn <- viz`` (``deltagrad`` may use all three): autograd imports
neither nn nor viz, nn does not import viz.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "viz", "deltagrad")
LAYER = {"autograd": 0, "nn": 1, "viz": 2, "deltagrad": 3}

# No exceptions: every circle and upward import fails the test.
KNOWN: set = set()


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, except those under ``if TYPE_CHECKING:``."""
    out: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def _targets(name: str, is_package: bool, node: ast.AST, modules: dict) -> set[str]:
    """The modules of ours that one import statement in module ``name`` points at."""
    if isinstance(node, ast.Import):
        bases = [alias.name for alias in node.names]
        return {_ours(b, modules) for b in bases} - {None}
    package = name if is_package else name.rpartition(".")[0]
    if node.level:
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    out = set()
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        out.add(sub if sub in modules else _ours(base, modules))
    return out - {None}


def _ours(dotted: str, modules: dict) -> str | None:
    """The longest prefix of ``dotted`` that is one of our modules (None: not ours)."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        arrows: set[str] = set()
        for node in _imports(tree):
            arrows |= _targets(name, is_package, node, modules)
        graph[name] = arrows - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_is_read(graph: dict[str, set[str]]) -> None:
    # a few arrows that certainly exist: the checks below look at real data
    assert "autograd.function" in graph["autograd.ops.elementwise"]
    assert "autograd.graph" in graph["autograd.function"]
    assert "autograd" in graph["nn.module"] or "autograd.tensor" in graph["nn.module"]


def test_no_import_circles(graph: dict[str, set[str]]) -> None:
    found = {c for c in circles(graph) if c not in KNOWN}
    assert not found, "import circles (files that import each other in a loop): " + "; ".join(
        " <-> ".join(sorted(c)) for c in found
    )


def test_autograd_has_no_circle_at_all(graph: dict[str, set[str]]) -> None:
    assert not [c for c in circles(graph) if any(m.startswith("autograd") for m in c)]


def test_imports_point_downward(graph: dict[str, set[str]]) -> None:
    upward = sorted(
        (importer, target)
        for importer, targets in graph.items()
        for target in targets
        if LAYER[target.split(".")[0]] > LAYER[importer.split(".")[0]]
        and (importer, target.split(".")[0]) not in KNOWN
    )
    assert not upward, f"imports from a lower package into a higher one: {upward}"


def test_the_checker_finds_a_circle_and_an_upward_import() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset({"a", "b", "c"})]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import viz\n"
        "def f():\n    import nn\n"
    )
    names = [a.name for node in _imports(tree) for a in getattr(node, "names", [])]
    assert "nn" in names and "viz" not in names
