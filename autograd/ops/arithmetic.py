"""Broadcasting arithmetic: + - * / ** and negation, and the Tensor operators for them.

NumPy broadcasting repeats an operand along new or size-1 axes; the chain rule then
sums the gradient over exactly those axes (``unbroadcast``, ``ops/broadcast.py``), so
each operand gets a gradient of its own shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..anomaly import _Anomaly
from ..function import Function, Nodes
from ..graph import _GradMode
from ..graph import _local as _grad_local
from ..rules import DerivativeRule
from .broadcast import unbroadcast
from .elementwise import where

__all__: list[str] = []  # reached as operators and methods: a + b, a.pow(b)


class Add(Function):
    op = "+"
    rule = DerivativeRule.of("a b", "gy", "gy", broadcasts=True)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, gy: Any) -> tuple:
        # d(a+b)/da = d(a+b)/db = 1: the gradient passes through unchanged
        a, b = self.inputs
        return unbroadcast(gy, a.shape), unbroadcast(gy, b.shape)


class Sub(Function):
    op = "-"
    rule = DerivativeRule.of("a b", "gy", "−gy", broadcasts=True)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    def backward(self, gy: Any) -> tuple:
        # d(a-b)/da = 1, d(a-b)/db = -1
        a, b = self.inputs
        gb = -unbroadcast(gy, b.shape) if self.needs_input_grad[1] else None
        return unbroadcast(gy, a.shape), gb


class Mul(Function):
    op = "*"
    rule = DerivativeRule.of("a b", "gy·{1}", "gy·{0}", broadcasts=True)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save(a, b)
        return a * b

    def backward(self, gy: Any) -> tuple:
        # d(ab)/da = b, d(ab)/db = a: each input receives gy times the *other* input
        a, b = self.saved_tensors
        ga = unbroadcast(gy * b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(gy * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    op = "/"
    rule = DerivativeRule.of("a b", "gy/{1}", "−gy·{0}/{1}²", broadcasts=True)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save(a, b)
        return a / b

    def backward(self, gy: Any) -> tuple:
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        a, b = self.saved_tensors
        ga = unbroadcast(gy / b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-gy * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    op = "neg"
    rule = DerivativeRule.of("x", "−gy")

    def forward(self, a: np.ndarray) -> np.ndarray:
        return -a

    def backward(self, gy: Any) -> Any:
        return -gy


class PowScalar(Function):
    """``x ** c`` for a constant exponent ``c``: d/dx = c x^(c-1)."""

    op = "**"
    rule = DerivativeRule.of(
        "a b", "gy·{1}·{0}^({1}−1)", "gy·y·ln {0}", broadcasts=True, constants={"b": "exponent"}
    )

    def forward(self, x: np.ndarray, exponent: float) -> np.ndarray:
        self.exponent = exponent
        self.save(x)
        if exponent == -0.5:  # PyTorch's rsqrt: -inf at -0 and nan at -inf, as 1/sqrt(x)
            return 1.0 / np.sqrt(x)  # (and x**0.5, NumPy's sqrt, is what x**1.5 needs)
        return x**exponent

    def backward(self, gy: Any) -> Any:
        (x,) = self.saved_tensors
        c = self.exponent
        if c == 0:
            return gy * 0.0
        if c == 1:
            return gy
        return gy * (c * PowScalar.apply(x, exponent=c - 1))


class Pow(Function):
    """``a ** b`` with a Tensor exponent.

    d/da = b a^(b-1);  d/db = a^b log a, taken as 0 where a <= 0 (there a^b is only
    defined for integer b and does not vary smoothly with b).
    """

    op = "**"
    rule = DerivativeRule.of(
        "a b", "gy·{1}·{0}^({1}−1)", "gy·y·ln {0}", broadcasts=True, constants={"b": "exponent"}
    )

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save(a, b)
        return a**b

    def backward(self, gy: Any) -> tuple:
        a, b = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(gy * b * a ** (b - 1.0), a.shape)
        if self.needs_input_grad[1]:
            safe_a = where(a.data > 0, a, 1.0)
            gb = unbroadcast(gy * self.output * safe_a.log(), b.shape)
        return ga, gb


def _pow(self: Any, exponent: Any) -> Any:
    """``self ** exponent``: a number exponent is a constant of the op (``PowScalar``)."""
    if isinstance(exponent, (int, float, np.number)):
        return PowScalar.apply(self, exponent=float(exponent))
    return Pow.apply(self, exponent)


def _operator(name: str, op: type[Function], ufunc: Any, reflected: bool = False) -> Any:
    """The Tensor operator for ``op`` (``__mul__`` for ``Mul``, ...).

    Two routes. Recorded -- an operand requires grad and grad mode is on -- through
    ``op.apply``, which builds the graph node. Otherwise nothing is recorded (every
    product inside a backward pass, all of ``no_grad``): the short route, the ufunc
    straight on the arrays and one constant Tensor, with the operand dtype policy of
    ``Function.apply`` (a number takes the Tensor's float dtype). Anomaly mode and
    errors take the recorded route, which checks and explains them.
    """

    apply = op.apply  # bound once: the recorded route costs what a direct call did

    def method(self: Any, other: Any) -> Any:
        if (
            (_GradMode.all_on or _grad_local.enabled)
            and (self.requires_grad or (isinstance(other, Nodes.Tensor) and other.requires_grad))
            or _Anomaly.any_on
        ):
            return apply(other, self) if reflected else apply(self, other)
        Tensor = Nodes.Tensor
        b = other._data if isinstance(other, Tensor) else Nodes.constant_like(other, self)._data
        try:
            data = ufunc(b, self._data) if reflected else ufunc(self._data, b)
        except ValueError:  # e.g. shapes that do not broadcast: apply names op and shapes
            return apply(other, self) if reflected else apply(self, other)
        return Tensor._constant(data)

    method.__name__ = method.__qualname__ = name
    return method


def _neg(self: Any) -> Any:
    """``-self``; unrecorded (see ``_operator``) it is one ufunc call."""
    if ((_GradMode.all_on or _grad_local.enabled) and self.requires_grad) or _Anomaly.any_on:
        return Neg.apply(self)
    return Nodes.Tensor._constant(-self._data)


class ArithmeticMethods:
    """Tensor's arithmetic operators (``Tensor`` inherits them); reflected forms swap
    the operands, so ``2 - x`` is ``Sub(2, x)``."""

    __slots__ = ()

    __add__ = _operator("__add__", Add, np.add)
    __radd__ = _operator("__radd__", Add, np.add, reflected=True)
    __sub__ = _operator("__sub__", Sub, np.subtract)
    __rsub__ = _operator("__rsub__", Sub, np.subtract, reflected=True)
    __mul__ = _operator("__mul__", Mul, np.multiply)
    __rmul__ = _operator("__rmul__", Mul, np.multiply, reflected=True)
    __truediv__ = _operator("__truediv__", Div, np.true_divide)
    __rtruediv__ = _operator("__rtruediv__", Div, np.true_divide, reflected=True)
    __neg__ = _neg

    def __pos__(self) -> Any:
        return self

    def __rpow__(self, other: Any) -> Any:
        return Pow.apply(other, self)

    __pow__ = pow = _pow
