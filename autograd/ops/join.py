"""Joining and cutting: concatenate, stack, split, pad.

Concatenation's gradient is the upstream gradient cut back into the input pieces;
padding's gradient is the upstream gradient with the border cut off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..function import Function


class Concatenate(Function):
    op = "concat"

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

    def forward(self, x: np.ndarray, pad_width: Any, value: float = 0.0) -> np.ndarray:
        self.pad_width = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
        return np.pad(x, self.pad_width, mode="constant", constant_values=value)

    def backward(self, gy: Any) -> Any:
        index = tuple(slice(lo, n - hi) for (lo, hi), n in zip(self.pad_width, gy.shape))
        return gy[index]


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Any:
    """Join tensors along an existing axis (all other dimensions must agree)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: need at least one tensor")
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Any:
    """Join tensors of equal shape along a new axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: need at least one tensor")
    shapes = {getattr(t, "shape", np.shape(t)) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    from ..tensor import Tensor
    from .shape import unsqueeze

    ndim = len(next(iter(shapes))) + 1
    return Concatenate.apply(
        *[unsqueeze(t if isinstance(t, Tensor) else Tensor(t), axis) for t in tensors],
        axis=axis % ndim,
    )


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """NumPy's ``split``: a number of equal sections or a list of cut points."""
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(
                f"split: axis {axis} of size {n} does not divide into "
                f"{indices_or_sections} equal sections"
            )
        step = n // indices_or_sections
        cuts = list(range(step, n, step))
    else:
        cuts = list(indices_or_sections)
    bounds = [0, *cuts, n]
    axis = axis % x.ndim
    return [x[(slice(None),) * axis + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:])]


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0.0) -> Any:
    """``np.pad`` in constant mode (the only mode with a simple, exact gradient here)."""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; use mode='constant'")
    return Pad.apply(x, pad_width=pad_width, value=constant_values)
