"""Operators and methods of ``Tensor``, each a thin call into ``autograd.ops``.

Kept apart from ``tensor.py`` so the node itself (data, grad, parents, backward) reads
on one screen. Names and meanings are PyTorch's (see the README's table of where they
differ from NumPy). Comparisons return boolean Tensors outside the graph: they are not
differentiable.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import creation
from .ops import arithmetic as ar
from .ops import elementwise as ew
from .ops import indexing, join, matmul, reduction, shape
from .tensor import Tensor


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _compare(op: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        out = op(self.data, _data(other))
        return Tensor._constant(out if isinstance(out, np.ndarray) else np.asarray(out))

    return method


def _logical(op: Any, name: str) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        a, b = self.data, np.asarray(_data(other))
        if a.dtype.kind not in "biu" or b.dtype.kind not in "biu":
            raise TypeError(
                f"{name}: needs bool (or integer) Tensors, got {a.dtype} and {b.dtype}; "
                "compare first, e.g. (x > 0) & (x < 1)"
            )
        return Tensor._constant(np.asarray(op(a, b)))

    return method


def _invert(self: Tensor) -> Tensor:
    if self.data.dtype.kind not in "biu":
        raise TypeError(f"~: needs a bool (or integer) Tensor, got dtype {self.dtype}")
    return Tensor._constant(np.asarray(~self.data))


def _cast(dtype: Any) -> Any:
    def method(self: Tensor) -> Tensor:
        return shape.astype(self, dtype)

    return method


def _type(self: Tensor, dtype: Any = None) -> Any:
    """``type()``: the dtype's name; ``type(dtype)``: a cast (PyTorch's two meanings)."""
    if dtype is None:
        return str(self.dtype)
    return shape.astype(self, dtype)


def _numel(self: Tensor) -> int:
    """Number of elements (NumPy's ``.size``)."""
    return self.data.size


def _new(name: str) -> Any:
    def method(self: Tensor, *size: Any, dtype: Any = None,
               requires_grad: bool = False) -> Tensor:
        fill = getattr(creation, name)  # looked up late: creation imports this module
        return fill(*size, dtype=self.dtype if dtype is None else dtype,
                    requires_grad=requires_grad)

    return method


def _new_full(self: Tensor, size: Any, fill_value: Any, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    return creation.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                         requires_grad=requires_grad)


def _new_tensor(self: Tensor, data: Any, dtype: Any = None,
                requires_grad: bool = False) -> Tensor:
    return creation.tensor(data, dtype=self.dtype if dtype is None else dtype,
                           requires_grad=requires_grad)


def _expand(self: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` (``-1`` keeps a dimension), PyTorch's ``expand``."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    lead = len(sizes) - self.ndim
    target = tuple(
        self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes)
    )
    return shape.broadcast_to(self, target)


def _clamp(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return ew.clip(self, min, max)


def _pow(self: Tensor, exponent: Any) -> Tensor:
    if isinstance(exponent, (int, float, np.number)):
        return ar.PowScalar.apply(self, exponent=float(exponent))
    return ar.Pow.apply(self, exponent)


def _index(self: Tensor) -> int:
    """``lst[t]`` and ``range(t)`` for a one-element integer Tensor, as in PyTorch."""
    if self.data.size != 1 or self.dtype.kind not in "iub":
        raise TypeError(
            f"only a one-element integer Tensor can be used as an index, this one has "
            f"shape {self.shape} and dtype {self.dtype}; use int(t) or t.long()"
        )
    return int(self.data.reshape(()))


_METHODS: dict[str, Any] = {
    # arithmetic (reflected forms swap the operands)
    "__add__": lambda self, o: ar.Add.apply(self, o),
    "__radd__": lambda self, o: ar.Add.apply(o, self),
    "__sub__": lambda self, o: ar.Sub.apply(self, o),
    "__rsub__": lambda self, o: ar.Sub.apply(o, self),
    "__mul__": lambda self, o: ar.Mul.apply(self, o),
    "__rmul__": lambda self, o: ar.Mul.apply(o, self),
    "__truediv__": lambda self, o: ar.Div.apply(self, o),
    "__rtruediv__": lambda self, o: ar.Div.apply(o, self),
    "__neg__": lambda self: ar.Neg.apply(self),
    "__pos__": lambda self: self,
    "__pow__": _pow,
    "__rpow__": lambda self, o: ar.Pow.apply(o, self),
    "mm": lambda self, o: matmul.MatMul.apply(self, o),
    "__index__": _index,
    "__matmul__": lambda self, o: matmul.MatMul.apply(self, o),
    "__rmatmul__": lambda self, o: matmul.MatMul.apply(o, self),
    "__getitem__": indexing.getitem,
    # comparisons: boolean Tensors, outside the graph
    "__lt__": _compare(operator.lt),
    "__le__": _compare(operator.le),
    "__gt__": _compare(operator.gt),
    "__ge__": _compare(operator.ge),
    "__eq__": _compare(operator.eq),
    "__ne__": _compare(operator.ne),
    "lt": _compare(operator.lt),
    "le": _compare(operator.le),
    "gt": _compare(operator.gt),
    "ge": _compare(operator.ge),
    "eq": _compare(operator.eq),
    "ne": _compare(operator.ne),
    "__and__": _logical(np.bitwise_and, "&"),
    "__or__": _logical(np.bitwise_or, "|"),
    "__xor__": _logical(np.bitwise_xor, "^"),
    "__rand__": _logical(np.bitwise_and, "&"),
    "__ror__": _logical(np.bitwise_or, "|"),
    "__rxor__": _logical(np.bitwise_xor, "^"),
    "__invert__": _invert,
    "logical_not": lambda self: Tensor._constant(np.logical_not(self.data)),
    "any": lambda self, dim=None, keepdim=False: Tensor._constant(
        np.asarray(np.any(self.data, axis=dim, keepdims=keepdim))),
    "all": lambda self, dim=None, keepdim=False: Tensor._constant(
        np.asarray(np.all(self.data, axis=dim, keepdims=keepdim))),
    # elementwise
    "exp": ew.exp,
    "log": ew.log,
    "sqrt": ew.sqrt,
    "abs": ew.abs,
    "__abs__": ew.abs,
    "sin": ew.sin,
    "cos": ew.cos,
    "tanh": ew.tanh,
    "sigmoid": ew.sigmoid,
    "relu": ew.relu,
    "leaky_relu": ew.leaky_relu,
    "clip": ew.clip,
    "clamp": _clamp,
    # reductions
    "sum": reduction.sum,
    "mean": reduction.mean,
    "max": reduction.max,
    "min": reduction.min,
    "amax": reduction.amax,
    "amin": reduction.amin,
    "var": reduction.var,
    "std": reduction.std,
    "topk": reduction.topk,
    "sort": reduction.sort,
    "softmax": reduction.softmax,
    "log_softmax": reduction.log_softmax,
    "gather": reduction.gather,
    "logsumexp": reduction.logsumexp,
    "argmax": reduction.argmax,
    "argmin": reduction.argmin,
    # shape
    "reshape": shape.reshape,
    "view": shape.view,
    "contiguous": lambda self: self,
    "diag": shape.diag,
    "view_as": lambda self, other: shape.view(self, *other.shape),
    "reshape_as": lambda self, other: shape.reshape(self, other.shape),
    "expand_as": lambda self, other: _expand(self, *other.shape),
    "type_as": lambda self, other: shape.astype(self, other.dtype),
    "transpose": shape.transpose,
    "t": shape.t,
    "narrow": shape.narrow,
    "expand": _expand,
    "permute": shape.permute,
    "swapaxes": shape.swapaxes,
    "broadcast_to": shape.broadcast_to,
    "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze,
    "flatten": shape.flatten,
    "astype": shape.astype,
    "clone": shape.clone,
    "split": join.split,
    "chunk": join.chunk,
    "pad": join.pad,
    # sizes and dtypes, PyTorch's spelling (``size()`` itself lives in tensor.py)
    "numel": _numel,
    "dim": lambda self: self.data.ndim,
    "is_floating_point": lambda self: self.data.dtype.kind == "f",
    "float": _cast(np.float32),
    "double": _cast(np.float64),
    "half": _cast(np.float16),
    "long": _cast(np.int64),
    "int": _cast(np.int32),
    "short": _cast(np.int16),
    "bool": _cast(np.bool_),
    "type": _type,
    # new tensors with this one's dtype
    "new_zeros": _new("zeros"),
    "new_ones": _new("ones"),
    "new_empty": _new("empty"),
    "new_full": _new_full,
    "new_tensor": _new_tensor,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

Tensor.matmul = lambda self, o: matmul.MatMul.apply(self, o)  # type: ignore[attr-defined]
Tensor.pow = _pow  # type: ignore[attr-defined]
