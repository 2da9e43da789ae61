"""Reductions: sum mean amax amin max min var std logsumexp, argmax argmin, topk.

Each takes PyTorch's ``dim``/``keepdim`` or NumPy's ``axis``/``keepdims``. Where the two
libraries give one call different meanings, PyTorch's wins: ``max(dim=...)``/``min``
return ``(values, indices)`` and ``var`` divides by n - 1 unless told otherwise.

The gradient of a reduction is the upstream gradient broadcast back over the reduced
axes (times 1/n for the mean). ``max``/``min`` split it evenly between tied maxima --
the subgradient PyTorch uses for full reductions -- so the total still adds up to gy.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..function import Function, Nodes
from ..rules import DerivativeRule
from .argnames import dim_of, keepdim_of, pick
from .elementwise import maximum, minimum
from .gather import Gather, indices_tensor, single_dim

if TYPE_CHECKING:  # for annotations only: tensor.py imports this module
    from ..tensor import Tensor

__all__ = [
    "sum",
    "mean",
    "max",
    "min",
    "amax",
    "amin",
    "var",
    "std",
    "logsumexp",
    "argmax",
    "argmin",
    "softmax",
    "log_softmax",
]


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
    rule = DerivativeRule.of("x", "broadcast gy to {shape}")

    def forward(self, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        self.axes = _axes(axis, x.ndim)
        self.keepdims = keepdims
        return np.sum(x, axis=self.axes, keepdims=keepdims)

    def backward(self, gy: Any) -> Any:
        # d(sum x)/dx_i = 1 for every summed element
        return _expand(gy, self.inputs[0].shape, self.axes, self.keepdims)


class Mean(Function):
    rule = DerivativeRule.of("x", "gy/n broadcast to {shape}, n = {n}")

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
    rule = DerivativeRule.of("x", "gy·[{0} = max]  (max(): ties share; max(dim): the index only)")

    reduce = staticmethod(np.max)


class Min(_Extremum):
    rule = DerivativeRule.of("x", "gy·[{0} = min]  (min(): ties share; min(dim): the index only)")

    reduce = staticmethod(np.min)


class LogSumExp(Function):
    """log sum_i exp(x_i), computed as m + log sum exp(x - m) with m = max x (no overflow).

    d/dx_i = exp(x_i - lse) = softmax(x)_i.
    """

    rule = DerivativeRule.of("x", "gy·softmax({0})")

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


class MaxAlong(Gather):
    op = "max"
    rule = Max.rule


class MinAlong(Gather):
    op = "min"
    rule = Min.rule


class MaxMin(NamedTuple):
    """What ``max(dim=...)``/``min(dim=...)`` return, like ``torch.return_types.max``."""

    values: Any
    indices: Any


def sum(  # noqa: A001
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Sum over ``dim`` (all dimensions when None); ``keepdim`` keeps them as size 1."""
    return Sum.apply(
        x, axis=dim_of("sum", dim, axis), keepdims=keepdim_of("sum", keepdim, keepdims)
    )


def mean(
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    return Mean.apply(
        x, axis=dim_of("mean", dim, axis), keepdims=keepdim_of("mean", keepdim, keepdims)
    )


def amax(
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Largest values over one or several dimensions (values only, like ``torch.amax``).

    Tied maxima share the gradient evenly.
    """
    return Max.apply(
        x, axis=dim_of("amax", dim, axis), keepdims=keepdim_of("amax", keepdim, keepdims)
    )


def amin(
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    return Min.apply(
        x, axis=dim_of("amin", dim, axis), keepdims=keepdim_of("amin", keepdim, keepdims)
    )


def _extremum_along(op: str, x: Any, dim: Any, keepdim: bool, fn: Any, pick: Any) -> MaxMin:
    d = single_dim(op, x, dim)
    data = x.data
    idx = pick(data, axis=d, keepdims=True) if data.ndim else np.zeros((), np.int64)
    values = fn.apply(x, index=idx, dim=d, keepdim=keepdim)
    if not keepdim and data.ndim:
        idx = np.squeeze(idx, axis=d)
    return MaxMin(values, indices_tensor(idx))


def max(  # noqa: A001
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Any:
    """PyTorch's ``max``.

    * ``max()``: the largest element (0-d; tied maxima share the gradient evenly).
    * ``max(dim)`` (or ``axis=``): a named tuple ``(values, indices)`` -- the largest
      value along ``dim`` and where it is (int64). The gradient goes to that index only.
      (NumPy's ``max(axis=...)`` returns values alone; here use ``amax`` for that.)
    * ``max(other)`` with a Tensor: the elementwise ``maximum``.
    """
    if isinstance(dim, Nodes.Tensor):
        return maximum(x, dim)
    d = dim_of("max", dim, axis)
    k = keepdim_of("max", keepdim, keepdims)
    if d is None:
        return Max.apply(x, axis=None, keepdims=k)
    return _extremum_along("max", x, d, k, MaxAlong, np.argmax)


def min(  # noqa: A001
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Any:
    """PyTorch's ``min``: see :func:`max` (``(values, indices)`` with a ``dim``)."""
    if isinstance(dim, Nodes.Tensor):
        return minimum(x, dim)
    d = dim_of("min", dim, axis)
    k = keepdim_of("min", keepdim, keepdims)
    if d is None:
        return Min.apply(x, axis=None, keepdims=k)
    return _extremum_along("min", x, d, k, MinAlong, np.argmin)


def logsumexp(
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    return LogSumExp.apply(
        x, axis=dim_of("logsumexp", dim, axis), keepdims=keepdim_of("logsumexp", keepdim, keepdims)
    )


def var(
    x: Any,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool | None = None,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: bool | None = None,
    ddof: float | None = None,
) -> Tensor:
    """Variance, PyTorch's convention: divides by n - 1 (``correction=1``) by default.

    ``correction`` (PyTorch) and ``ddof`` (NumPy) are the same number: the result is
    sum (x - mean x)^2 / (n - correction). ``unbiased=False`` means ``correction=0``.
    (NumPy's ``var`` defaults to ``ddof=0``: pass ``correction=0`` for that.)
    Built from differentiable ops.
    """
    d = dim_of("var", dim, axis)
    keep = keepdim_of("var", keepdim, keepdims)
    c = pick("var", "correction", correction, "ddof", ddof)
    if unbiased is not None:
        if c is not None:
            raise TypeError("var: got both unbiased= and correction=/ddof=; pass only one")
        c = 1 if unbiased else 0
    c = 1 if c is None else c
    axes = _axes(d, x.ndim)
    n = int(np.prod([x.shape[a] for a in axes]))
    if n - c <= 0:
        raise ValueError(
            f"var: {n} elements with ddof={c} (correction={c}) leave no degrees of "
            "freedom; use correction=0 for the population variance"
        )
    dev = x - x.mean(axis=axes, keepdims=True)
    return (dev * dev).sum(axis=axes, keepdims=keep) * (1.0 / (n - c))


def std(
    x: Any,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool | None = None,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: bool | None = None,
    ddof: float | None = None,
) -> Tensor:
    """Standard deviation: ``sqrt(var(...))`` with the same arguments (n - 1 by default)."""
    return var(
        x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims, ddof=ddof
    ).sqrt()


def argmax(
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Index of the maximum, an int64 Tensor outside the graph (not differentiable).

    With no ``dim`` the index is into the flattened tensor, as in PyTorch.
    """
    d = dim_of("argmax", dim, axis)
    k = keepdim_of("argmax", keepdim, keepdims)
    return indices_tensor(np.argmax(getattr(x, "data", x), axis=d, keepdims=k))


def argmin(
    x: Any,
    dim: Any = None,
    keepdim: bool | None = None,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Index of the minimum, an int64 Tensor outside the graph."""
    d = dim_of("argmin", dim, axis)
    k = keepdim_of("argmin", keepdim, keepdims)
    return indices_tensor(np.argmin(getattr(x, "data", x), axis=d, keepdims=k))


def _softmax_dim(op: str, x: Any, dim: Any, axis: Any) -> int:
    d = dim_of(op, dim, axis)
    if d is None:
        raise TypeError(f"{op}: pass dim= (the axis that sums to 1), e.g. x.{op}(dim=1)")
    return single_dim(op, x, d)


def softmax(x: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, as ``torch.softmax``; a composite of
    differentiable ops (``nn.functional.softmax`` is the fused one). The row maximum is
    subtracted first -- it cancels in the ratio -- so no ``exp`` overflows."""
    d = _softmax_dim("softmax", x, dim, axis)
    m = np.max(x.data, axis=d, keepdims=True)
    shifted = x - np.where(np.isfinite(m), m, 0).astype(x.dtype)
    e = shifted.exp()
    return e / e.sum(dim=d, keepdim=True)


def log_softmax(x: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, as ``torch.log_softmax``."""
    d = _softmax_dim("log_softmax", x, dim, axis)
    return x - logsumexp(x, dim=d, keepdim=True)


class ReductionMethods:
    """Tensor's reductions (``Tensor`` inherits them): ``x.sum(dim)`` is ``sum(x, dim)``."""

    __slots__ = ()

    sum = sum
    mean = mean
    max = max
    min = min
    amax = amax
    amin = amin
    var = var
    std = std
    logsumexp = logsumexp
    argmax = argmax
    argmin = argmin
    softmax = softmax
    log_softmax = log_softmax
