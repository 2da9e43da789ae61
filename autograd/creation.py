"""Tensor factories with PyTorch's names, arguments and dtype rules.

dtype rules (as ``torch``):

* ``tensor(data)`` infers the dtype from the data: Python ints -> int64, floats -> the
  default float dtype (float32), bools -> bool; a NumPy array keeps its dtype. The
  ``Tensor(...)`` constructor instead makes Python numbers float, as ``torch.Tensor``.
* ``arange`` with integer arguments gives int64 (``arange(5)``), with any float
  argument the default float dtype (``arange(0, 1, 0.1)``); ``full`` takes the dtype of
  its fill value the same way.
* ``zeros ones empty eye rand randn linspace`` give the default float dtype;
  ``randint randperm`` int64; ``*_like`` the dtype of their model. An explicit
  ``dtype=`` always wins, integer ones included.

Random factories draw from the default stream (``autograd.manual_seed``) unless given
``generator=`` (a seed or ``np.random.Generator``; ``rng=`` is the same argument).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .devices import check_device
from .dtype import get_default_dtype
from .ops.argnames import pick
from .random import as_generator
from .tensor import Tensor

__all__ = [
    "tensor",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "arange",
    "linspace",
    "eye",
    "randn",
    "rand",
    "randint",
    "randperm",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "randn_like",
    "rand_like",
]


def _shape(shape: tuple, op: str) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise TypeError(f"{op}: sizes must be non-negative ints, got {shape!r}")
    return tuple(int(n) for n in shape)


def _dtype(dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _make(data: np.ndarray, requires_grad: bool) -> Tensor:
    # ``dtype=`` keeps the array's dtype (the constructor would turn integers into floats)
    return Tensor(data, dtype=data.dtype, requires_grad=requires_grad)


def _generator(op: str, generator: Any, rng: Any) -> np.random.Generator:
    return as_generator(pick(op, "generator", generator, "rng", rng))


def _inferred(data: Any) -> np.ndarray:
    """``torch.tensor``'s dtype inference for Python data (see the module docstring)."""
    arr = np.asarray(data)
    if arr.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic)):
        return arr.astype(get_default_dtype())  # Python floats: the default float dtype
    if arr.dtype.kind in "iu" and not isinstance(data, (np.ndarray, np.generic)):
        return arr.astype(np.int64)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"tensor: cannot make a Tensor from data of dtype {arr.dtype}; pass real "
            "numbers or bools (or give dtype= explicitly)"
        )
    return arr


def tensor(data: Any, *, dtype: Any = None, requires_grad: bool = False, label: str = "") -> Tensor:
    """A new Tensor holding a copy of ``data``, its dtype inferred as ``torch.tensor`` does.

    ``tensor([1, 2])`` is int64, ``tensor([1.0, 2])`` float32 (the default float dtype),
    ``tensor([True])`` bool, ``tensor(np.zeros(3))`` float64. (``Tensor([1, 2])`` is
    float32: the constructor always makes Python numbers floats.)
    """
    if isinstance(data, Tensor):
        data = data._data
    arr = np.array(data, dtype=dtype) if dtype is not None else np.array(_inferred(data))
    return Tensor(arr, dtype=arr.dtype, requires_grad=requires_grad, label=label)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor sharing memory with ``array`` (writes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a np.ndarray, got {type(array).__name__}")
    return Tensor._constant(array)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(_shape(size, "zeros"), _dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_shape(size, "ones"), _dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uninitialised memory (whatever was there), as ``torch.empty``."""
    return _make(np.empty(_shape(size, "empty"), _dtype(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``size`` filled with ``fill_value``; the dtype follows the value (int -> int64)."""
    size = _shape((size,) if isinstance(size, (int, np.integer)) else tuple(size), "full")
    if dtype is None:  # a NumPy scalar counts as a Python number here, as in torch
        value = fill_value.item() if isinstance(fill_value, np.generic) else fill_value
        dtype = _inferred(value).dtype
    dt = np.dtype(dtype)
    return _make(np.full(size, fill_value, dt), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def arange(*args: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``arange(end)``, ``arange(start, end)``, ``arange(start, end, step)``.

    Integer arguments give int64 (``arange(5)``), any float one the default float dtype.
    """
    if not 1 <= len(args) <= 3:
        raise TypeError(f"arange: takes end, start/end or start/end/step, got {args!r}")
    if dtype is None:
        integral = all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args)
        dtype = np.int64 if integral else get_default_dtype()
    return _make(np.arange(*args, dtype=np.dtype(dtype)), requires_grad)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise TypeError(f"linspace: steps must be a non-negative int, got {steps!r}")
    return _make(np.linspace(start, end, int(steps)).astype(_dtype(dtype)), requires_grad)


def randn(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    rng: Any = None,
) -> Tensor:
    """Standard normal samples."""
    g = _generator("randn", generator, rng)
    return _make(g.standard_normal(_shape(size, "randn")).astype(_dtype(dtype)), requires_grad)


def rand(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    rng: Any = None,
) -> Tensor:
    """Uniform samples on [0, 1)."""
    g = _generator("rand", generator, rng)
    return _make(g.random(_shape(size, "rand")).astype(_dtype(dtype)), requires_grad)


def randint(
    *args: Any,
    generator: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    rng: Any = None,
) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: ints in [low, high), int64."""
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError(f"randint: takes (high, size) or (low, high, size), got {args!r}")
    if low >= high:
        raise ValueError(f"randint: needs low < high, got low={low}, high={high}")
    size = _shape((size,) if isinstance(size, (int, np.integer)) else tuple(size), "randint")
    g = _generator("randint", generator, rng)
    data = g.integers(low, high, size=size, dtype=np.int64)
    return _make(data.astype(np.dtype(dtype) if dtype is not None else np.int64), requires_grad)


def randperm(
    n: int, generator: Any = None, dtype: Any = None, requires_grad: bool = False, rng: Any = None
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    g = _generator("randperm", generator, rng)
    data = g.permutation(int(n)).astype(np.dtype(dtype) if dtype is not None else np.int64)
    return _make(data, requires_grad)


def _like(t: Any) -> np.ndarray:
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros_like(_like(t), dtype=dtype), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones_like(_like(t), dtype=dtype), requires_grad)


def empty_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.empty_like(_like(t), dtype=dtype), requires_grad)


def full_like(t: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.full_like(_like(t), fill_value, dtype=dtype), requires_grad)


def _random_like(
    op: str, draw: str, t: Any, generator: Any, dtype: Any, requires_grad: bool, rng: Any
) -> Tensor:
    """``t``'s shape (and dtype, unless ``dtype=``) filled by ``generator.<draw>(shape)``."""
    a = _like(t)
    values = getattr(_generator(op, generator, rng), draw)(a.shape)
    return _make(values.astype(np.dtype(dtype) if dtype is not None else a.dtype), requires_grad)


def randn_like(
    t: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False, rng: Any = None
) -> Tensor:
    return _random_like("randn_like", "standard_normal", t, generator, dtype, requires_grad, rng)


def rand_like(
    t: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False, rng: Any = None
) -> Tensor:
    return _random_like("rand_like", "random", t, generator, dtype, requires_grad, rng)


def _on_the_cpu(factory: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Give a factory PyTorch's ``device=`` (and ``pin_memory=``) keywords: the CPU is
    accepted (``"cpu"``, ``device("cpu")``), any other device raises ``ValueError``."""

    @functools.wraps(factory)
    def with_device(
        *args: Any, device: Any = None, pin_memory: bool = False, **kwargs: Any
    ) -> Tensor:
        if device is not None:
            check_device(factory.__name__, device)
        return factory(*args, **kwargs)

    return with_device


for _name in __all__:
    globals()[_name] = _on_the_cpu(globals()[_name])
del _name


# ---------------------------------------------------------------- Tensor.new_*
# New tensors with this one's dtype (PyTorch's ``t.new_zeros(2, 3)``). They are the
# factories above with a default dtype, so they are attached here rather than declared
# in tensor.py (creation.py builds on tensor.py, not the other way round).
def _new(factory: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return factory(
            *size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad
        )

    method.__name__ = f"new_{factory.__name__}"
    method.__doc__ = f"``{factory.__name__}(*size)`` with this Tensor's dtype."
    return method


def _new_full(
    self: Tensor, size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return full(
        size, fill_value, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad
    )


def _new_tensor(self: Tensor, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


Tensor.new_zeros = _new(zeros)
Tensor.new_ones = _new(ones)
Tensor.new_empty = _new(empty)
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
