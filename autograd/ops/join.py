"""Joining and cutting: cat/concatenate, stack, split, chunk, pad.

``split`` has PyTorch's meaning (a chunk *size* or a list of sizes), not NumPy's (a
number of sections or a list of cut points); ``chunk`` asks for a number of pieces.

Concatenation's gradient is the upstream gradient cut back into the input pieces;
padding's gradient is the upstream gradient with the border cut off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..function import Function, Nodes
from ..rules import DerivativeRule
from .argnames import dim_of
from .shape import unsqueeze

if TYPE_CHECKING:  # for annotations only: tensor.py imports this module
    from ..tensor import Tensor

__all__ = ["cat", "concatenate", "stack", "split", "chunk", "pad"]


class Concatenate(Function):
    op = "concat"
    rule = DerivativeRule.of("x", "slice {i} of gy", variadic=True)

    def forward(self, *arrays: np.ndarray, axis: int = 0) -> np.ndarray:
        ndim = arrays[0].ndim
        self.axis = axis % ndim if ndim else 0
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, gy: Any) -> tuple:
        grads = []
        start = 0
        for t, needed in zip(self.inputs, self.needs_input_grad):
            stop = start + t.shape[self.axis]
            if needed:
                index = (slice(None),) * self.axis + (slice(start, stop),)
                grads.append(gy[index])
            else:
                grads.append(None)
            start = stop
        return tuple(grads)


class Pad(Function):
    """Constant padding (``np.pad(..., mode="constant")``)."""

    rule = DerivativeRule.of("x", "crop gy to {shape}")

    def forward(self, x: np.ndarray, pad_width: Any, value: float = 0.0) -> np.ndarray:
        self.pad_width = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
        return np.pad(x, self.pad_width, mode="constant", constant_values=value)

    def backward(self, gy: Any) -> Any:
        index = tuple(slice(lo, n - hi) for (lo, hi), n in zip(self.pad_width, gy.shape))
        return gy[index]


def _cat(op: str, tensors: Sequence[Any], dim: Any, axis: Any) -> Any:
    d = dim_of(op, dim, axis)
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: need at least one tensor")
    return Concatenate.apply(*tensors, axis=0 if d is None else d)


def cat(tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension (all other dimensions must agree)."""
    return _cat("cat", tensors, dim, axis)


def concatenate(
    tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None
) -> Tensor:
    """NumPy's name for :func:`cat`."""
    return _cat("concatenate", tensors, dim, axis)


def stack(tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join tensors of equal shape along a new dimension ``dim``."""
    d = dim_of("stack", dim, axis)
    d = 0 if d is None else d
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: need at least one tensor")
    shapes = {getattr(t, "shape", np.shape(t)) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    Tensor = Nodes.Tensor
    ndim = len(next(iter(shapes))) + 1
    return Concatenate.apply(
        *[unsqueeze(t if isinstance(t, Tensor) else Tensor(t), d) for t in tensors],
        axis=d % ndim,
    )


def _pieces(x: Any, d: int, sizes: list[int]) -> tuple:
    bounds = np.cumsum([0, *sizes]).tolist()
    return tuple(x[(slice(None),) * d + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:]))


def _split_dim(op: str, x: Any, dim: Any) -> int:
    if x.ndim == 0:
        raise ValueError(f"{op}: a 0-d Tensor has no dimension to cut")
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(f"{op}: dim {dim} is out of range for a Tensor of shape {x.shape}")
    return dim % x.ndim


def split(
    x: Any,
    split_size_or_sections: Any,
    dim: int | None = None,
    *,
    axis: int | None = None,
) -> tuple:
    """PyTorch's ``split``: cut ``x`` along ``dim`` into pieces of a given size.

    * an int ``s``: pieces of ``s`` elements each, the last one smaller if ``s`` does
      not divide the size (``split(2)`` of 5 elements gives sizes 2, 2, 1);
    * a list of sizes, which must add up to the size of ``dim``.

    (NumPy's ``split(x, 4)`` asks for 4 *pieces*: that is ``chunk(4)`` here.)
    """
    d = dim_of("split", dim, axis)
    d = _split_dim("split", x, 0 if d is None else d)
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s <= 0:
            raise ValueError(f"split: the piece size must be positive, got {s}")
        sizes = [s] * (n // s) + ([n % s] if n % s else [])
        return _pieces(x, d, sizes or [0])
    sizes = [int(v) for v in split_size_or_sections]
    if sum(sizes) != n or any(v < 0 for v in sizes):
        raise ValueError(
            f"split: sizes {sizes} must be >= 0 and add up to {n}, the size of dim {dim} "
            f"(shape {x.shape}); to cut into k equal pieces use chunk(k, dim)"
        )
    return _pieces(x, d, sizes)


def chunk(x: Any, chunks: int, dim: int | None = None, *, axis: int | None = None) -> tuple:
    """Cut ``x`` into ``chunks`` pieces along ``dim`` (PyTorch's ``chunk``).

    Each piece has ceil(n / chunks) elements, the last one fewer; as in PyTorch that
    can mean fewer than ``chunks`` pieces (``chunk(4)`` of 6 elements: 2, 2, 2).
    """
    d = dim_of("chunk", dim, axis)
    d = _split_dim("chunk", x, 0 if d is None else d)
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be a positive int, got {chunks!r}")
    n = x.shape[d]
    size = -(-n // int(chunks))  # ceil(n / chunks)
    return split(x, size if size else 1, d)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0.0) -> Tensor:
    """``np.pad`` in constant mode (the only mode with a simple, exact gradient here)."""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; use mode='constant'")
    return Pad.apply(x, pad_width=pad_width, value=constant_values)


class JoinMethods:
    """Tensor's ``split``, ``chunk`` and ``pad`` (``Tensor`` inherits them)."""

    __slots__ = ()

    split = split
    chunk = chunk
    pad = pad
