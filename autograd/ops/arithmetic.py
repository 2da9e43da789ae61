"""Broadcasting arithmetic: + - * / ** and negation, with the one ``unbroadcast``.

NumPy broadcasting repeats an operand along new or size-1 axes; the chain rule then
sums the gradient over exactly those axes, so each operand gets a gradient of its own
shape. ``unbroadcast`` is that sum, written with differentiable ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


class Add(Function):
    op = "+"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, gy: Any) -> tuple:
        # d(a+b)/da = d(a+b)/db = 1: the gradient passes through unchanged
        a, b = self.inputs
        return unbroadcast(gy, a.shape), unbroadcast(gy, b.shape)


class Sub(Function):
    op = "-"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    def backward(self, gy: Any) -> tuple:
        # d(a-b)/da = 1, d(a-b)/db = -1
        a, b = self.inputs
        gb = -unbroadcast(gy, b.shape) if self.needs_input_grad[1] else None
        return unbroadcast(gy, a.shape), gb


class Mul(Function):
    op = "*"

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

    def forward(self, a: np.ndarray) -> np.ndarray:
        return -a

    def backward(self, gy: Any) -> Any:
        return -gy


class PowScalar(Function):
    """``x ** c`` for a constant exponent ``c``: d/dx = c x^(c-1)."""

    op = "**"

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

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save(a, b)
        return a**b

    def backward(self, gy: Any) -> tuple:
        a, b = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(gy * b * a ** (b - 1.0), a.shape)
        if self.needs_input_grad[1]:
            from .elementwise import where

            safe_a = where(a.data > 0, a, 1.0)
            gb = unbroadcast(gy * self.output * safe_a.log(), b.shape)
        return ga, gb
