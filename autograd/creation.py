"""Tensor constructors. Random ones take ``rng`` (a seed or ``np.random.Generator``) so
results are reproducible without a hidden global random state."""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtype import get_default_dtype
from .tensor import Tensor

__all__ = [
    "tensor", "zeros", "ones", "full", "arange", "randn", "rand", "eye",
    "zeros_like", "ones_like", "full_like", "randn_like", "rand_like",
]


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _dtype(dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _rng(rng: Any) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, label: str = "") -> Tensor:
    """Same as ``Tensor(...)`` (PyTorch spelling)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, label=label)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape), _dtype(dtype)), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), _dtype(dtype)), requires_grad=requires_grad)


def full(shape: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(np.full(shape, fill_value, _dtype(dtype)), requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


def arange(*args: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``np.arange`` in the default float dtype unless ``dtype`` says otherwise."""
    return Tensor(np.arange(*args, dtype=_dtype(dtype)), requires_grad=requires_grad)


def randn(*shape: Any, rng: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    data = _rng(rng).standard_normal(_shape(shape)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape: Any, rng: Any = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1)."""
    data = _rng(rng).random(_shape(shape)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad=requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(np.asarray(t), dtype=dtype), requires_grad=requires_grad)


def full_like(t: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.full_like(np.asarray(t), fill_value, dtype=dtype), requires_grad=requires_grad)


def randn_like(t: Any, rng: Any = None, requires_grad: bool = False) -> Tensor:
    a = np.asarray(t)
    return Tensor(_rng(rng).standard_normal(a.shape).astype(a.dtype), requires_grad=requires_grad)


def rand_like(t: Any, rng: Any = None, requires_grad: bool = False) -> Tensor:
    a = np.asarray(t)
    return Tensor(_rng(rng).random(a.shape).astype(a.dtype), requires_grad=requires_grad)
