"""Comparisons and logic: ``< <= > >= == !=``, ``& | ^ ~``, ``any``, ``all``.

They return boolean Tensors outside the graph: a comparison is a step function, whose
derivative is 0 almost everywhere, so nothing is recorded (as in PyTorch).
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..function import Nodes

if TYPE_CHECKING:  # for annotations only: tensor.py imports this module
    from ..tensor import Tensor

__all__: list[str] = []  # reached as operators and methods: x > 0, mask.any()


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Nodes.Tensor) else x


def _constant(array: Any) -> Any:
    return Nodes.Tensor._constant(array if isinstance(array, np.ndarray) else np.asarray(array))


def _compare(op: Any) -> Any:
    def method(self: Any, other: Any) -> Any:
        return _constant(op(self._data, _data(other)))

    method.__doc__ = f"``{op.__name__}`` elementwise: a bool Tensor, not differentiable."
    return method


def _logical(op: Any, name: str) -> Any:
    def method(self: Any, other: Any) -> Any:
        a, b = self._data, np.asarray(_data(other))
        if a.dtype.kind not in "biu" or b.dtype.kind not in "biu":
            raise TypeError(
                f"{name}: needs bool (or integer) Tensors, got {a.dtype} and {b.dtype}; "
                "compare first, e.g. (x > 0) & (x < 1)"
            )
        return _constant(op(a, b))

    return method


class CompareMethods:
    """Tensor's comparison and logical operators (``Tensor`` inherits them)."""

    __slots__ = ()
    _data: np.ndarray  # a mixin: the array is Tensor's slot

    __lt__ = lt = _compare(operator.lt)
    __le__ = le = _compare(operator.le)
    __gt__ = gt = _compare(operator.gt)
    __ge__ = ge = _compare(operator.ge)
    __eq__ = eq = _compare(operator.eq)
    __ne__ = ne = _compare(operator.ne)
    __and__ = __rand__ = _logical(np.bitwise_and, "&")
    __or__ = __ror__ = _logical(np.bitwise_or, "|")
    __xor__ = __rxor__ = _logical(np.bitwise_xor, "^")

    def __invert__(self) -> Any:
        data = self._data
        if data.dtype.kind not in "biu":
            raise TypeError(f"~: needs a bool (or integer) Tensor, got dtype {data.dtype}")
        return _constant(~data)

    def logical_not(self) -> Tensor:
        return _constant(np.logical_not(self._data))

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """True where any element (along ``dim``) is nonzero."""
        return _constant(np.any(self._data, axis=dim, keepdims=keepdim))

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """True where every element (along ``dim``) is nonzero."""
        return _constant(np.all(self._data, axis=dim, keepdims=keepdim))
