"""Where the modules of viz went when the flat package was split (old path -> new path).

``import viz.describe`` (and ``from viz.describe import summarize``) keep working for one
release: the old path gives a stand-in module that hands out the names of the new
module(s) and warns once, with a ``DeprecationWarning`` naming where to import from.
``viz.render``, ``viz.graph``, ``viz.animation``, ``viz.plots`` and ``viz.cli`` are
packages now and keep their public names, so they need no stand-in.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

#: Old module path -> the new module(s) holding its names (searched in this order).
MOVED: dict[str, tuple[str, ...]] = {
    "viz.drawing": ("viz.graph.drawing",),
    "viz.describe": ("viz.graph.describe",),
    "viz.rules": ("viz.graph.rules",),
    "viz.dot": ("viz.graph.dot",),
    "viz.collapse": ("viz.graph.collapse", "viz.graph.model_map"),
    "viz.nonfinite": ("viz.graph.nonfinite",),
    "viz.replay": ("viz.animation.replay",),
    "viz.frames": ("viz.animation.frames", "viz.animation.scene"),
    "viz.frame_drawer": ("viz.animation.frame_drawer", "viz.animation.scene"),
    "viz.frame_export": ("viz.animation.frame_export",),
    "viz.player": (
        "viz.animation.player",
        "viz.animation.frame_drawer",
        "viz.animation.scene",
        "viz.animation.frame_export",
    ),
    "viz.plots_layers": ("viz.plots.layers",),
    "viz._mpl": ("viz.plots._mpl",),
    "viz.expr": ("viz.cli.expression", "viz.cli.expression_check"),
    "viz.expr_check": ("viz.cli.expression_check",),
    "viz.demo": ("viz.cli.demo",),
}


def _stand_in(old: str, new: tuple[str, ...]) -> types.ModuleType:
    """A module named ``old`` whose attributes are looked up in the ``new`` modules."""
    module = types.ModuleType(old, f"Moved: import from {' / '.join(new)} instead.")

    def __getattr__(name: str) -> Any:
        for target in new:
            found = importlib.import_module(target)
            if hasattr(found, name):
                return getattr(found, name)
        raise AttributeError(f"module {old!r} (now {' / '.join(new)}) has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({n for t in new for n in dir(importlib.import_module(t))})

    # a module's own __getattr__/__dir__ (PEP 562), which typeshed declares as methods
    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    return module


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the old paths only: every other import goes to Python's own finders."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {' / '.join(new)}; import from there (or from viz) -- "
            "the old path goes away in the next release",
            DeprecationWarning,
            # 2: the import statement (warnings skips importlib's own frames by itself)
            stacklevel=2,
        )
        return _stand_in(spec.name, new)

    def exec_module(self, module: types.ModuleType) -> None:
        pass  # nothing to run: the stand-in only forwards attribute lookups


if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
    sys.meta_path.append(_MovedFinder())
