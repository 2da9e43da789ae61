"""Importing the bench-only peer libraries."""

from __future__ import annotations

from types import ModuleType

import numpy as np


def import_dezero() -> tuple[ModuleType, ModuleType, ModuleType] | None:
    """``(dezero, dezero.functions, dezero.layers)``, or None when DeZero is unavailable.

    DeZero 0.0.13 still refers to ``np.int``, which NumPy 1.24 removed; the alias is
    restored (bench processes only) so the package imports at all.
    """
    if not hasattr(np, "int"):
        np.int = int  # type: ignore[attr-defined]
    try:
        import dezero
        import dezero.functions as DF
        import dezero.layers as DL
    except Exception:
        return None
    return dezero, DF, DL
