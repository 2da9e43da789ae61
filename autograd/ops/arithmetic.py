"""Broadcasting arithmetic: + - * / ** and negation, and the Tensor operators for them.

NumPy broadcasting repeats an operand along new or size-1 axes; the chain rule then
sums the gradient over exactly those axes (``unbroadcast``, ``ops/broadcast.py``), so
each operand gets a gradient of its own shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
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


class ArithmeticMethods:
    """Tensor's arithmetic operators (``Tensor`` inherits them); reflected forms swap
    the operands, so ``2 - x`` is ``Sub(2, x)``."""

    __slots__ = ()

    def __add__(self, other: Any) -> Any:
        return Add.apply(self, other)

    def __radd__(self, other: Any) -> Any:
        return Add.apply(other, self)

    def __sub__(self, other: Any) -> Any:
        return Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Any:
        return Sub.apply(other, self)

    def __mul__(self, other: Any) -> Any:
        return Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Any:
        return Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Any:
        return Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return Div.apply(other, self)

    def __neg__(self) -> Any:
        return Neg.apply(self)

    def __pos__(self) -> Any:
        return self

    def __rpow__(self, other: Any) -> Any:
        return Pow.apply(other, self)

    __pow__ = pow = _pow
