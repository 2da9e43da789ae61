"""Indexing ``x[idx]`` and its adjoint, scatter-add into zeros.

Forward picks elements; backward puts each upstream gradient back where its element
came from. With integer-array indexing an element can be picked several times, so the
backward *accumulates* (``np.add.at``) instead of assigning. The two ops are each
other's gradient, so indexing is differentiable to any order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function


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
    return all(
        p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts
    )


class GetItem(Function):
    op = "getitem"

    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        self.index = index
        try:
            return x[index]
        except IndexError as err:
            raise ValueError(f"{err} (Tensor shape {x.shape})") from None

    def backward(self, gy: Any) -> Any:
        return IndexAdd.apply(gy, index=self.index, shape=self.inputs[0].shape)


class IndexAdd(Function):
    """zeros(shape) with ``gy`` added at ``index`` (repeated positions accumulate)."""

    op = "index_add"

    def forward(self, gy: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
        self.index = index
        out = np.zeros(shape, dtype=gy.dtype)
        if _is_basic(index):
            out[index] = gy  # basic indexing never repeats a position
        else:
            np.add.at(out, index, gy)
        return out

    def backward(self, gz: Any) -> Any:
        return GetItem.apply(gz, index=self.index)


def getitem(x: Any, index: Any) -> Any:
    return GetItem.apply(x, index=normalize_index(index))
