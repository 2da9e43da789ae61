"""Shape ops: reshape, transpose/permute, broadcast_to, squeeze/unsqueeze/flatten.

They move numbers around without changing them, so each gradient is the inverse move:
reshape back, transpose with the inverse permutation, sum over broadcast axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from .arithmetic import unbroadcast


class Reshape(Function):
    view_of_input = True  # NumPy returns a view when it can

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"cannot reshape {x.shape} ({x.size} elements) into {shape}"
            ) from None

    def backward(self, gy: Any) -> Any:
        return gy.reshape(self.inputs[0].shape)


class Transpose(Function):
    view_of_input = True  # NumPy returns a view when it can

    def forward(self, x: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
        self.axes = tuple(reversed(range(x.ndim))) if axes is None else axes
        return np.transpose(x, self.axes)

    def backward(self, gy: Any) -> Any:
        return gy.transpose(*np.argsort(self.axes).tolist())  # inverse permutation


class BroadcastTo(Function):
    op = "broadcast_to"
    view_of_input = True

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    def backward(self, gy: Any) -> Any:
        return unbroadcast(gy, self.inputs[0].shape)


class Clone(Function):
    """A copy of the data; the gradient passes through unchanged."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def backward(self, gy: Any) -> Any:
        return gy


class AsType(Function):
    """dtype cast; the gradient is cast back to the input's dtype."""

    op = "astype"

    def forward(self, x: np.ndarray, dtype: Any) -> np.ndarray:
        return x.astype(dtype)

    def backward(self, gy: Any) -> Any:
        return gy.astype(self.inputs[0].dtype)


def reshape(x: Any, *shape: Any) -> Any:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if tuple(shape) == x.shape:
        return x
    return Reshape.apply(x, shape=tuple(shape))


def transpose(x: Any, *axes: Any) -> Any:
    """NumPy semantics: no axes reverses them all; otherwise a permutation."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if axes and sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} dimensions")
    return Transpose.apply(x, axes=tuple(a % x.ndim for a in axes) if axes else None)


def permute(x: Any, *dims: Any) -> Any:
    return transpose(x, *dims)


def swapaxes(x: Any, a: int, b: int) -> Any:
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return Transpose.apply(x, axes=tuple(perm))


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


def squeeze(x: Any, axis: Any = None) -> Any:
    if axis is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(a % x.ndim for a in axes)
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(
                    f"squeeze: axis {a} has size {x.shape[a]}, not 1 (shape {x.shape})"
                )
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    return reshape(x, shape)


def unsqueeze(x: Any, axis: int) -> Any:
    ndim = x.ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"unsqueeze: axis {axis} out of range for a result with {ndim} dims")
    shape = list(x.shape)
    shape.insert(axis % ndim, 1)
    return reshape(x, tuple(shape))


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge dimensions ``start_dim..end_dim`` into one (PyTorch's ``flatten``)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = start_dim % x.ndim, end_dim % x.ndim
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(x.shape[s : e + 1]))
    return reshape(x, x.shape[:s] + (merged,) + x.shape[e + 1 :])


def clone(x: Any) -> Any:
    """A Tensor with its own copy of the data (differentiable, like ``torch.clone``)."""
    return Clone.apply(x)


def astype(x: Any, dtype: Any) -> Any:
    dtype = np.dtype(dtype)
    if dtype == x.dtype:
        return x
    if dtype.kind not in "fc":
        # integers and booleans are not differentiable: the result is a constant, as a
        # cast to an integer dtype is in PyTorch
        return AsType.apply(x.detach(), dtype=dtype)
    return AsType.apply(x, dtype=dtype)
