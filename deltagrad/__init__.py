"""``import deltagrad as torch``: PyTorch's namespace laid over deltagrad's packages.

Learners arrive with PyTorch programs. deltagrad's own packages are ``autograd`` (the
engine), ``nn`` (layers, losses, optimizers, data) and ``viz`` (pictures); this module maps
PyTorch's names onto them, so porting a program means changing its import lines only::

    import torch                       ->  import deltagrad as torch
    import torch.nn as nn              ->  import deltagrad.nn as nn        (or: import nn)
    import torch.nn.functional as F    ->  import deltagrad.nn.functional as F
    import torch.optim as optim        ->  import deltagrad.optim as optim
    from torch.utils.data import ...   ->  from deltagrad.utils.data import ...

Nothing is copied or wrapped: ``deltagrad.nn`` *is* the ``nn`` package
(``deltagrad.nn is nn``), ``deltagrad.optim`` is ``nn.optim``, ``deltagrad.utils.data`` is
``nn.data`` and ``deltagrad.autograd`` is ``autograd`` (``torch.autograd.Function``,
``torch.autograd.grad``). Every Tensor function and factory of ``autograd`` is a
top-level name here, as in ``torch``. This module sits above ``nn`` (like ``viz``), so the
engine never imports it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import TYPE_CHECKING

import autograd
import nn
from autograd import *  # noqa: F403  (the engine's public names, as torch's top level)
from autograd import __all__ as _engine_names
from nn import optim

# deltagrad.X (and every submodule under it) is the very same module object as the target.
_ALIASES = {
    f"{__name__}.nn": "nn",
    f"{__name__}.optim": "nn.optim",
    f"{__name__}.utils.data": "nn.data",
    f"{__name__}.autograd": "autograd",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # Already executed under its own name: nothing runs twice. The import system has
        # just stamped the alias's spec on it; give the module its own spec back.
        module.__spec__ = self._own_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``deltagrad.nn.functional`` as ``nn.functional`` (the same module object), so
    classes are never loaded twice under two names."""

    def find_spec(self, fullname: str, path: object, target: object = None):  # noqa: ANN201
        for alias, real in _ALIASES.items():
            if fullname == alias or fullname.startswith(alias + "."):
                target_name = real + fullname[len(alias) :]
                try:
                    found = importlib.util.find_spec(target_name)
                except ModuleNotFoundError:
                    found = None
                if found is None:  # let the import system say "No module named deltagrad.x"
                    return None
                return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name))
        return None


if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())

# ``deltagrad.utils`` is a namespace holding ``data`` (torch.utils.data).
utils = types.ModuleType(f"{__name__}.utils", "PyTorch's torch.utils: `data` is nn.data")
utils.__path__ = []  # a package, so `import deltagrad.utils.data` is looked up by the finder
sys.modules[utils.__name__] = utils
setattr(utils, "data", importlib.import_module(f"{__name__}.utils.data"))  # noqa: B010
for _alias in (f"{__name__}.nn", f"{__name__}.optim", f"{__name__}.autograd"):
    importlib.import_module(_alias)


# (as in autograd/__init__.py: type checkers see only the declaration)
if TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        """``deltagrad.__version__`` is ``autograd.__version__``, read on first use."""
        if name == "__version__":
            return autograd.__version__
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [*_engine_names, "autograd", "nn", "optim", "utils"]
