"""Indexing ``x[idx]`` and its adjoint, scatter-add into zeros; and ``x[idx] = v``.

Forward picks elements; backward puts each upstream gradient back where its element
came from. With integer-array indexing an element can be picked several times, so the
backward *accumulates* (``np.add.at``) instead of assigning. The two ops are each
other's gradient, so indexing is differentiable to any order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import array_cache
from ..function import Function
from ..rules import DerivativeRule
from .broadcast import unbroadcast

if TYPE_CHECKING:  # for annotations only: tensor.py imports this module
    from ..tensor import Tensor

__all__ = ["getitem"]


def normalize_index(index: Any) -> Any:
    """Tensors become arrays; lists become integer/boolean arrays (NumPy rules)."""
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    data = getattr(index, "data", None)
    if isinstance(data, np.ndarray):  # a Tensor
        index = data
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray) and index.dtype.kind == "f":
        raise TypeError(
            f"indexing: index array has dtype {index.dtype}; indices must be integers or "
            "booleans (make integer Tensors with dtype=np.int64)"
        )
    return index


def _is_basic(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


class GetItem(Function):
    op = "getitem"
    rule = DerivativeRule.of("x", "scatter gy into zeros {shape}")
    view_of_input = True  # basic indexing returns a view of x

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.index = index
        try:
            out = x[index]
        except IndexError as err:
            raise ValueError(f"{err} (Tensor shape {x.shape})") from None
        if not isinstance(out, np.ndarray):
            # every axis took an int: NumPy hands back a scalar *copy*. A 0-d view instead
            # (x[i, j, ...]) keeps ``t[i][j] += 1`` writing into t, as in PyTorch.
            out = x[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
        return out

    def backward(self, gy: Any) -> Any:
        return IndexAdd.apply(gy, index=self.index, shape=self.inputs[0].shape)


class IndexAdd(Function):
    """zeros(shape) with ``gy`` added at ``index`` (repeated positions accumulate)."""

    op = "index_add"
    rule = DerivativeRule.of("g", "gather gy[index]")

    def forward(self, gy: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
        self.index = index
        out = array_cache.zeros(shape, gy.dtype)  # (reused between steps when large)
        if _is_basic(index):
            out[index] = gy  # basic indexing never repeats a position
        else:
            np.add.at(out, index, gy)
        return out

    def backward(self, gz: Any) -> Any:
        return GetItem.apply(gz, index=self.index)


def getitem(x: Any, index: Any) -> Tensor:
    return GetItem.apply(x, index=normalize_index(index))


class IndexPut(Function):
    """``x`` with ``v`` written at ``index`` -- the out-of-place form of ``x[index] = v``.

    y = x outside the indexed positions and y[index] = v (broadcast), so
    dy/dx passes the gradient where x survived and 0 where it was overwritten, and
    dv = sum of gy[index] over the axes that broadcasting stretched.
    """

    op = "index_put"
    rule = DerivativeRule.of("x v", "gy, 0 where overwritten", "gy[index]", broadcasts=True)

    def forward(self, x: np.ndarray, v: np.ndarray, index: Any) -> np.ndarray:
        self.index = index
        out = x.copy()
        try:
            out[index] = v
        except IndexError as err:
            raise ValueError(f"{err} (Tensor shape {x.shape})") from None
        except ValueError as err:
            raise ValueError(
                f"cannot put a value of shape {v.shape} into x[index] of shape "
                f"{np.shape(x[index])}: {err}"
            ) from None
        return out

    def backward(self, gy: Any) -> tuple:
        x, v = self.inputs
        gx = gv = None
        if self.needs_input_grad[0]:
            keep = np.ones(x.shape, dtype=gy.dtype)
            keep[self.index] = 0  # overwritten positions get nothing
            gx = gy * keep
        if self.needs_input_grad[1]:
            gv = unbroadcast(GetItem.apply(gy, index=self.index), v.shape)
            if gv.dtype != v.dtype:
                gv = gv.astype(v.dtype)
        return gx, gv


def index_put(x: Any, index: Any, value: Any) -> Tensor:
    """The Tensor ``x`` with ``value`` put at ``index`` (a new Tensor; differentiable)."""
    return IndexPut.apply(x, value, index=normalize_index(index))


class IndexingMethods:
    """Tensor's ``t[index]``, and ``lst[t]`` for a one-element integer Tensor
    (``Tensor`` inherits them; ``t[index] = v`` is in ``autograd/inplace.py``)."""

    __slots__ = ()
    _data: np.ndarray  # a mixin: the array is Tensor's slot

    __getitem__ = getitem

    def __index__(self) -> int:
        """``lst[t]`` and ``range(t)`` for a one-element integer Tensor, as in PyTorch."""
        data = self._data
        if data.size != 1 or data.dtype.kind not in "iub":
            raise TypeError(
                f"only a one-element integer Tensor can be used as an index, this one has "
                f"shape {data.shape} and dtype {data.dtype}; use int(t) or t.long()"
            )
        return int(data.reshape(()))
