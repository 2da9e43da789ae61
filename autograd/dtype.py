"""dtypes: PyTorch's names for NumPy dtypes, and the default floating dtype.

``autograd.float32``, ``autograd.long`` ... are plain ``np.dtype`` objects, so
``x.dtype == autograd.float32`` and ``dtype=autograd.int64`` work everywhere NumPy
dtypes do. The default floating dtype is what Python floats and the ``Tensor(...)``
constructor's Python numbers, lists and integer arrays become.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

__all__ = [
    "get_default_dtype",
    "set_default_dtype",
    "float16",
    "half",
    "float32",
    "float64",
    "double",
    "int8",
    "uint8",
    "int16",
    "short",
    "int32",
    "int64",
    "long",
    "bool_",
]

# PyTorch's dtype names (``float`` is float32 and ``int`` int32 there, not 64-bit)
float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
# ``autograd.float``/``int``/``bool`` are exported by ``autograd/__init__.py`` (defining
# them here would hide Python's builtins inside this module)


class _Default:
    dtype: np.dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype new Tensors get from Python numbers/lists and integer arrays (float32)."""
    return _Default.dtype


def set_default_dtype(dtype: DTypeLike) -> None:
    """Change the default floating dtype (``np.float32`` or ``np.float64``, say).

    The default dtype is global to the process, shared by all threads (as PyTorch's
    is), unlike grad mode and anomaly mode, which are per thread.
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dt}")
    _Default.dtype = dt
