"""Refuse to build on someone else's ``autograd``.

PyPI's ``autograd`` (HIPS) has the same import name as deltagrad's engine; installed into
the same environment it replaces ``autograd/__init__.py`` without a word, and ``import
nn`` would then fail with "cannot import name 'Tensor' from 'autograd'" -- or, after an
uninstall, find an empty namespace package. This check runs first in ``nn`` (and so in
``viz``, which imports it) and says what happened and where the doctor is.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["require_deltagrad_autograd"]

_DOCTOR = Path(__file__).resolve().parents[1] / "viz" / "cli" / "doctor.py"


def require_deltagrad_autograd() -> None:
    """Raise ImportError unless ``import autograd`` gives deltagrad's engine."""
    try:
        import autograd
    except ImportError as err:
        raise ImportError(
            f"deltagrad's nn and viz need deltagrad's `autograd` package, which cannot be "
            f"imported ({err}). Reinstall deltagrad (pip install -e . in the checkout), "
            f"then run `{sys.executable} {_DOCTOR}` to check the environment"
        ) from None
    if hasattr(autograd, "Tensor") and hasattr(autograd, "Value"):
        return
    where = getattr(autograd, "__file__", None) or list(getattr(autograd, "__path__", []))
    raise ImportError(
        f"deltagrad's nn and viz need deltagrad's `autograd`, but `import autograd` loaded "
        f"a different package from {where} (it has no Tensor or Value; HIPS autograd from "
        f"PyPI has the same name and overwrites it). Run `{sys.executable} {_DOCTOR}`: it "
        "names the package and the command that fixes it"
    )
