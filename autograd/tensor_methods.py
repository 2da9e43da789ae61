"""Operators and methods of ``Tensor``, each a thin call into ``autograd.ops``.

Kept apart from ``tensor.py`` so the node itself (data, grad, parents, backward) reads
on one screen. Comparisons return plain boolean arrays: they are not differentiable
and never become graph nodes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import arithmetic as ar
from .ops import elementwise as ew
from .ops import indexing, join, matmul, reduction, shape
from .tensor import Tensor


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _pow(self: Tensor, exponent: Any) -> Tensor:
    if isinstance(exponent, (int, float, np.number)):
        return ar.PowScalar.apply(self, exponent=float(exponent))
    return ar.Pow.apply(self, exponent)


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
    "__matmul__": lambda self, o: matmul.MatMul.apply(self, o),
    "__rmatmul__": lambda self, o: matmul.MatMul.apply(o, self),
    "__getitem__": indexing.getitem,
    # comparisons: boolean arrays, outside the graph
    "__lt__": lambda self, o: self.data < _data(o),
    "__le__": lambda self, o: self.data <= _data(o),
    "__gt__": lambda self, o: self.data > _data(o),
    "__ge__": lambda self, o: self.data >= _data(o),
    "__eq__": lambda self, o: self.data == _data(o),
    "__ne__": lambda self, o: self.data != _data(o),
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
    # reductions
    "sum": reduction.sum,
    "mean": reduction.mean,
    "max": reduction.max,
    "min": reduction.min,
    "var": reduction.var,
    "logsumexp": reduction.logsumexp,
    "argmax": reduction.argmax,
    "argmin": reduction.argmin,
    # shape
    "reshape": shape.reshape,
    "transpose": shape.transpose,
    "permute": shape.permute,
    "swapaxes": shape.swapaxes,
    "broadcast_to": shape.broadcast_to,
    "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze,
    "flatten": shape.flatten,
    "astype": shape.astype,
    "clone": shape.clone,
    "split": join.split,
    "pad": join.pad,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

Tensor.matmul = lambda self, o: matmul.MatMul.apply(self, o)  # type: ignore[attr-defined]
Tensor.pow = _pow  # type: ignore[attr-defined]
