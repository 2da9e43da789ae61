"""The old import paths of nn's modules, kept working for one release.

nn was regrouped into subpackages (``nn.data``, ``nn.models``, ``nn.textbook``,
``nn.scalar``; the README's "What moved" table). Instead of a stub file per old module,
one import hook answers for every old path: ``import nn.sequence`` (or
``from nn.rtrl import cost_table``) still works and emits a ``DeprecationWarning`` that
names the new path. A module that was split (``nn.sequence``) comes back as a module
holding each of its old names, taken from wherever the name lives now.

The hook only answers for the names listed below; every other import goes the usual way.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import types
import warnings
from typing import Any

__all__ = ["MOVED", "KEPT", "install"]

#: old module -> its new module; or, for a module that was split, -> {name: new module}.
MOVED: dict[str, str | dict[str, str]] = {
    "nn.data_inputs": "nn.data.inputs",
    "nn.preprocessing": "nn.data.preprocessing",
    "nn.seq2seq": "nn.models.seq2seq",
    "nn.ensemble": "nn.models.ensemble",
    "nn.elman": "nn.textbook.elman",
    "nn.rtrl": "nn.textbook.rtrl",
    "nn.scalar_conv": "nn.scalar.conv",
    "nn.sequence": {
        "SequenceLoader": "nn.data.sequence",
        "detach_state": "nn.data.sequence",
        "State": "nn.data.sequence",
        "sequence_cross_entropy": "nn.functional.loss",
        "fit_truncated_bptt": "nn.train.truncated_bptt",
        "evaluate_truncated": "nn.train.truncated_bptt",
        "recurrent_layer": "nn.models.char_rnn",
        "CharRNN": "nn.models.char_rnn",
        "generate": "nn.models.char_rnn",
    },
}

#: old module -> new module, kept for good (no warning): ``from nn.datasets import ...``.
KEPT: dict[str, str] = {"nn.datasets": "nn.data.datasets"}


def _new_path(old: str) -> str:
    """Where the old module's contents live now, in words."""
    target = MOVED[old]
    if isinstance(target, str):
        return target
    homes: dict[str, list[str]] = {}
    for name, where in target.items():
        if name != "State":
            homes.setdefault(where, []).append(name)
    return "; ".join(f"{', '.join(names)} from {where}" for where, names in homes.items())


_IMPORTLIB_DIR = os.path.dirname(importlib.__file__)


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points the warning at the import statement itself, past
    this module and the import machinery's own frames. (``warnings`` already leaves
    importlib's ``_bootstrap`` frames out of the count, so they are not counted here.)"""
    frame: types.FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None:
        name = frame.f_code.co_filename
        bootstrap = "importlib" in name and "_bootstrap" in name
        if name != __file__ and not bootstrap and not name.startswith(_IMPORTLIB_DIR):
            return level
        if not bootstrap:
            level += 1
        frame = frame.f_back
    return 1


def _alias(old: str) -> types.ModuleType:
    """The module that the old path stands for now (importing it if needed)."""
    target = KEPT.get(old) or MOVED[old]
    if old in MOVED:
        warnings.warn(
            f"{old} has moved: import {_new_path(old)} instead (the old path goes away "
            "in the next release)",
            DeprecationWarning,
            stacklevel=_caller_stacklevel(),
        )
    if isinstance(target, str):
        return importlib.import_module(target)
    merged = types.ModuleType(old, f"Deprecated: {old} was split; import {_new_path(old)}.")
    for name, where in target.items():
        setattr(merged, name, getattr(importlib.import_module(where), name))
    # (typeshed's ModuleType has no __all__: every module may set one)
    merged.__all__ = [name for name in target if name != "State"]  # type: ignore[attr-defined]
    return merged


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _alias(spec.name)
        self._own_spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # Nothing to run: create_module made (or imported) the module. The import system
        # has just stamped the old name's spec on it; a moved module gets its own back.
        if self._own_spec is not None:
            module.__spec__ = self._own_spec


class _MovedFinder(importlib.abc.MetaPathFinder):
    """Finds the old paths in ``MOVED`` and ``KEPT``; ``None`` (look elsewhere) otherwise."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname in MOVED or fullname in KEPT:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader())
        return None


_FINDER = _MovedFinder()


def install() -> None:
    """Put the hook on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _FINDER)


def module_getattr(name: str) -> types.ModuleType:
    """``nn.<old name>`` as an attribute (``import nn; nn.rtrl``): import the old path."""
    if f"nn.{name}" in MOVED or f"nn.{name}" in KEPT:
        return importlib.import_module(f"nn.{name}")
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
