"""The default floating dtype: what Python numbers, lists and integer arrays become."""

from __future__ import annotations

import numpy as np

__all__ = ["get_default_dtype", "set_default_dtype"]


class _Default:
    dtype: np.dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype new Tensors get from Python numbers/lists and integer arrays (float32)."""
    return _Default.dtype


def set_default_dtype(dtype: object) -> None:
    """Change the default floating dtype (``np.float32`` or ``np.float64``, say).

    The default dtype is global to the process, shared by all threads (as PyTorch's
    is), unlike grad mode and anomaly mode, which are per thread.
    """
    dt = np.dtype(dtype)  # type: ignore[call-overload]
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dt}")
    _Default.dtype = dt
