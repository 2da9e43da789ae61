"""Reductions with NumPy's ``axis``/``keepdims``: sum mean max min var logsumexp, argmax.

The gradient of a reduction is the upstream gradient broadcast back over the reduced
axes (times 1/n for the mean). ``max``/``min`` split it evenly between tied maxima --
the subgradient PyTorch uses for full reductions -- so the total still adds up to gy.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..function import Function


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    out = []
    for a in axis:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a Tensor with {ndim} dimensions")
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def _expand(gy: Any, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    """Put the reduced axes back as size 1 and broadcast gy to ``shape``."""
    if not keepdims:
        kept = list(shape)
        for a in axes:
            kept[a] = 1
        gy = gy.reshape(tuple(kept))
    return gy.broadcast_to(shape)


class Sum(Function):
    def forward(self, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.axes = _axes(axis, x.ndim)
        self.keepdims = keepdims
        return np.sum(x, axis=self.axes, keepdims=keepdims)

    def backward(self, gy: Any) -> Any:
        # d(sum x)/dx_i = 1 for every summed element
        return _expand(gy, self.inputs[0].shape, self.axes, self.keepdims)


class Mean(Function):
    def forward(self, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.axes = _axes(axis, x.ndim)
        self.keepdims = keepdims
        return np.mean(x, axis=self.axes, keepdims=keepdims)

    def backward(self, gy: Any) -> Any:
        shape = self.inputs[0].shape
        n = int(np.prod([shape[a] for a in self.axes]))
        return _expand(gy, shape, self.axes, self.keepdims) * (1.0 / builtins.max(n, 1))


class _Extremum(Function):
    reduce: Any = None

    def forward(self, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.axes = _axes(axis, x.ndim)
        self.keepdims = keepdims
        y = self.reduce(x, axis=self.axes, keepdims=True)
        hits = x == y
        # share of the gradient per element: 1/(number of tied extremes) at the extremes
        self.share = (hits / hits.sum(axis=self.axes, keepdims=True)).astype(x.dtype)
        return y if keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, gy: Any) -> Any:
        return _expand(gy, self.inputs[0].shape, self.axes, self.keepdims) * self.share


class Max(_Extremum):
    reduce = staticmethod(np.max)


class Min(_Extremum):
    reduce = staticmethod(np.min)


class LogSumExp(Function):
    """log sum_i exp(x_i), computed as m + log sum exp(x - m) with m = max x (no overflow).

    d/dx_i = exp(x_i - lse) = softmax(x)_i.
    """

    def forward(self, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.axes = _axes(axis, x.ndim)
        self.keepdims = keepdims
        m = np.max(x, axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        y = m + np.log(np.sum(np.exp(x - m), axis=self.axes, keepdims=True))
        return y if keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, gy: Any) -> Any:
        (x,) = self.inputs
        lse = _expand(self.output, x.shape, self.axes, self.keepdims)
        return _expand(gy, x.shape, self.axes, self.keepdims) * (x - lse).exp()


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return Max.apply(x, axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return Min.apply(x, axis=axis, keepdims=keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """Variance with NumPy's convention (``ddof=0``: divide by n; ``ddof=1``: by n - 1).

    Built from differentiable ops: mean((x - mean x)^2) * n / (n - ddof).
    """
    axes = _axes(axis, x.ndim)
    n = int(np.prod([x.shape[a] for a in axes]))
    if n - ddof <= 0:
        raise ValueError(f"var: {n} elements with ddof={ddof} leaves no degrees of freedom")
    d = x - x.mean(axis=axes, keepdims=True)
    return (d * d).sum(axis=axes, keepdims=keepdims) * (1.0 / (n - ddof))


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """Index of the maximum (a plain integer array: not differentiable)."""
    return np.argmax(getattr(x, "data", x), axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    return np.argmin(getattr(x, "data", x), axis=axis, keepdims=keepdims)
