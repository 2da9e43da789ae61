"""The notebooks read as JSON, and their helper modules loaded from file, for the tests
that check the teaching material (tests/test_notebook*.py, test_curriculum_coverage.py).

``notebooks/`` is not a package on ``sys.path`` during the test run, so the modules of
``notebooks/course/`` are loaded from their files under a private name. They import their
sibling ``course.words`` (the English/Japanese messages) as a notebook does, so loading one
puts ``notebooks/`` on the path.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def markdown(path: Path) -> list[str]:
    """The text of each markdown cell."""
    return [source(c) for c in cells(path) if c["cell_type"] == "markdown"]


def code(path: Path) -> str:
    """All code cells, joined."""
    return "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")


def headings(path: Path) -> list[str]:
    """Every markdown heading, without its #s."""
    return [
        line.lstrip("#").strip()
        for text in markdown(path)
        for line in text.splitlines()
        if line.startswith("#")
    ]


def load_course(name: str) -> ModuleType:
    """``notebooks/course/<name>.py`` as a module."""
    if str(NOTEBOOKS) not in sys.path:  # for `from course.words import say` in the module
        sys.path.append(str(NOTEBOOKS))
    spec = importlib.util.spec_from_file_location(
        f"course_{name}_under_test", NOTEBOOKS / "course" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
