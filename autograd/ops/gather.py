"""Picking elements by index along a dimension: ``gather``, ``topk``, ``sort`` (and the
``max(dim)``/``min(dim)`` of ``reduction.py``, which pick the extreme's index).

All are one op, :class:`Gather`: forward takes ``x[..., index, ...]`` along ``dim``;
backward scatters each gradient back to where its element came from (zeros elsewhere):

    y_j = x_{index_j}   =>   dL/dx_i = Σ_{j: index_j = i} gy_j
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..function import Function, Nodes
from ..rules import DerivativeRule
from .argnames import dim_of
from .indexing import IndexAdd

if TYPE_CHECKING:  # for annotations only: tensor.py imports this module
    from ..tensor import Tensor

__all__ = ["gather", "topk", "sort"]


class Gather(Function):
    """``np.take_along_axis(x, index, dim)``: pick one element per position along ``dim``.

    Backward puts each upstream gradient back where its element came from (a
    scatter-add into zeros), so only the picked elements get gradient -- that is how
    PyTorch differentiates ``max(dim)``, ``topk`` and ``gather``.
    """

    rule = DerivativeRule.of("x", "scatter gy to the gathered positions")

    def forward(
        self, x: np.ndarray, index: np.ndarray, dim: int, keepdim: bool = True
    ) -> np.ndarray:
        self.dim = dim % x.ndim if x.ndim else 0
        self.index_shape = index.shape
        if x.ndim == 0:
            self.where: Any = ()
            return x.copy()
        # open-grid coordinates: ``where`` addresses exactly the gathered elements
        grids = list(np.ogrid[tuple(slice(n) for n in index.shape)])
        grids[self.dim] = index
        self.where = tuple(grids)
        y = x[self.where]
        return y if keepdim else np.squeeze(y, axis=self.dim)

    def backward(self, gy: Any) -> Any:
        gy = gy.reshape(self.index_shape)  # put a squeezed dim back first
        return IndexAdd.apply(gy, index=self.where, shape=self.inputs[0].shape)


class TopK(Gather):
    op = "topk"
    rule = DerivativeRule.of("x", "scatter gy to the top-k positions")


class Sort(Gather):
    op = "sort"
    rule = DerivativeRule.of("x", "gy sent back to each value's original position")


class TopKResult(NamedTuple):
    """What ``topk`` returns: the k values and their int64 indices."""

    values: Any
    indices: Any


def indices_tensor(idx: np.ndarray) -> Any:
    return Nodes.Tensor._constant(np.asarray(idx, dtype=np.int64))


def single_dim(op: str, x: Any, dim: Any) -> int:
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(
            f"{op}(dim=...) takes one dimension (an int), got {dim!r}; to reduce over "
            f"several dimensions use a{op}(dim={dim!r}) (values only)"
        )
    ndim = x.ndim
    if not -builtins.max(ndim, 1) <= dim < builtins.max(ndim, 1):
        raise ValueError(
            f"{op}: dim {dim} is out of range for a Tensor of shape {x.shape} "
            f"(valid {-builtins.max(ndim, 1)}..{builtins.max(ndim, 1) - 1})"
        )
    return int(dim) % ndim if ndim else 0


def topk(
    x: Any,
    k: int,
    dim: int | None = None,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
    *,
    axis: int | None = None,
) -> TopKResult:
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim``.

    Returns ``(values, indices)``; ``values`` is differentiable (the gradient goes to
    the picked elements), ``indices`` are int64. Ties keep the earlier element first.
    """
    dim = dim_of("topk", dim, axis)
    d = single_dim("topk", x, -1 if dim is None else dim)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for dimension {d} of size {n}")
    data = x.data if x.ndim else x.data.reshape(1)
    # a stable sort of the negated values puts the largest first and keeps ties in order
    order = np.argsort(-data if largest else data, axis=d, kind="stable")
    idx = np.take(order, np.arange(k), axis=d)
    if not sorted:
        idx = np.sort(idx, axis=d)
    if x.ndim == 0:
        return TopKResult(x if k else x.reshape(0)[:0], indices_tensor(idx))
    return TopKResult(TopK.apply(x, index=idx, dim=d), indices_tensor(idx))


class SortResult(NamedTuple):
    """What ``sort`` returns: the sorted values and their int64 indices."""

    values: Any
    indices: Any


def sort(
    x: Any,
    dim: int | None = None,
    descending: bool = False,
    stable: bool = False,
    *,
    axis: int | None = None,
) -> SortResult:
    """``x`` sorted along ``dim`` (default the last), as ``torch.sort``.

    Returns ``(values, indices)`` with ``values = x.gather(dim, indices)``: the gradient of
    each sorted value goes back to the element it came from. The sort is always stable
    (equal elements keep their order), which is one of the orders PyTorch may return.
    """
    dim = dim_of("sort", dim, axis)
    if x.ndim == 0:
        return SortResult(x, indices_tensor(np.zeros((), dtype=np.int64)))
    d = single_dim("sort", x, -1 if dim is None else dim)
    key = x.data
    if descending:  # a stable ascending sort of the negated key (booleans: NumPy has no -True)
        key = ~key if key.dtype.kind == "b" else -key
    order = np.argsort(key, axis=d, kind="stable")
    return SortResult(Sort.apply(x, index=order, dim=d), indices_tensor(order))


def gather(x: Any, dim: int, index: Any) -> Tensor:
    """``out[i][j] = x[i][index[i][j]]`` for ``dim=1`` (PyTorch's ``gather``)."""
    idx = np.asarray(getattr(index, "data", index))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must hold integers, got dtype {idx.dtype}")
    if idx.ndim != x.ndim:
        raise ValueError(
            f"gather: index has {idx.ndim} dimensions but the input has {x.ndim}; they must match"
        )
    return Gather.apply(x, index=idx, dim=dim)


class GatherMethods:
    """Tensor's ``gather``, ``topk`` and ``sort`` (``Tensor`` inherits them)."""

    __slots__ = ()

    gather = gather
    topk = topk
    sort = sort
