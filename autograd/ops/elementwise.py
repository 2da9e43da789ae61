"""Elementwise math: exp log sqrt abs sin cos tanh sigmoid relu leaky_relu, and the
two-input selections maximum minimum clip where.

Derivatives at kinks follow PyTorch: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = alpha,
clip passes the gradient where lo <= x <= hi (both ends included), and ``maximum``/
``minimum`` split the gradient evenly between equal inputs. At nan inputs too: relu
passes the gradient (relu'(x) = 0 only where x <= 0), abs' = 0 (sign(nan) taken as 0),
and ``maximum``/``minimum`` send the whole gradient to both inputs when either is nan.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from .arithmetic import unbroadcast


class Exp(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    def backward(self, gy: Any) -> Any:
        return gy * self.output  # exp' = exp


class Log(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return np.log(x)

    def backward(self, gy: Any) -> Any:
        (x,) = self.saved_tensors
        return gy / x  # log'(x) = 1/x


class Sqrt(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(x)

    def backward(self, gy: Any) -> Any:
        return gy / (2.0 * self.output)  # sqrt'(x) = 1 / (2 sqrt x)


class Abs(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return np.abs(x)

    def backward(self, gy: Any) -> Any:
        (x,) = self.saved_tensors
        # |x|' = sign(x) = [x > 0] - [x < 0]: 0 at 0, and 0 at nan (as PyTorch)
        xd = x.data
        return gy * ((xd > 0).astype(xd.dtype) - (xd < 0))


class Sin(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return np.sin(x)

    def backward(self, gy: Any) -> Any:
        (x,) = self.saved_tensors
        return gy * x.cos()  # sin' = cos


class Cos(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return np.cos(x)

    def backward(self, gy: Any) -> Any:
        (x,) = self.saved_tensors
        return -gy * x.sin()  # cos' = -sin


class Tanh(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def backward(self, gy: Any) -> Any:
        y = self.output
        # tanh' = 1 - tanh^2, formed as (1 - y)(1 + y): near |y| = 1 the product keeps
        # the digits that 1 - y*y cancels away (and it is PyTorch's float32 value)
        return gy * ((1.0 - y) * (1.0 + y))


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + e^-x) to about 2 ulps over the whole range, in x's dtype.

    For x >= 0 it is 1 / (1 + e^-x); for x < 0 it is e^x / (1 + e^x): both written with
    e = e^-|x| in [0, 1], which never overflows. The numerator (1 for x >= 0, e for
    x < 0) is max(e, [x >= 0]): branch-free, and much faster than ``np.where`` on random
    signs. (The tanh form (1 + tanh(x/2)) / 2 is stable but not accurate: for x << 0 it
    rounds 1 + tanh(x/2) to a multiple of the float spacing near 1, so sigma(-17) came
    out 5.96e-8 instead of 4.14e-8 in float32 and sigma(-40) = 0 in float64.)
    """
    a = np.abs(x)
    if a.size and not np.max(a) <= _underflow_free(a.dtype):  # (nan: take the safe path)
        with np.errstate(under="ignore"):  # e^-|x| < the smallest normal: 0 or subnormal
            return _sigmoid_from_abs(x, a)
    return _sigmoid_from_abs(x, a)


def _sigmoid_from_abs(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    e = np.exp(-a)
    return np.maximum(e, x >= 0) / (1.0 + e)


_UNDERFLOW_FREE: dict[np.dtype, float] = {}


def _underflow_free(dtype: np.dtype) -> float:
    """|x| up to which e^-|x| is surely a normal number (708 in float64, 87 in float32):
    beyond it exp may raise NumPy's underflow flag, which ``np.errstate(all=
    "raise")`` would turn into an error for a perfectly good sigmoid."""
    limit = _UNDERFLOW_FREE.get(dtype)
    if limit is None:
        tiny = np.finfo(dtype).tiny if dtype.kind == "f" else np.finfo(np.float64).tiny
        limit = _UNDERFLOW_FREE[dtype] = float(np.floor(-np.log(tiny)))
    return limit


class Sigmoid(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return stable_sigmoid(x)

    def backward(self, gy: Any) -> Any:
        y = self.output
        return gy * y * (1.0 - y)  # sigma' = sigma (1 - sigma)


class ReLU(Function):
    op = "relu"

    def forward(self, x: np.ndarray) -> np.ndarray:
        # relu'(x) = 0 where x <= 0, else 1 -- also at nan, whose gradient passes as in
        # PyTorch (the comparison with nan is False)
        self.mask = ~(x <= 0)
        return np.maximum(x, 0)

    def backward(self, gy: Any) -> Any:
        return gy * self.mask


class LeakyReLU(Function):
    """f(x) = max(0, x) + alpha min(0, x);  f'(x) = 1 if x > 0 else alpha."""

    op = "leaky_relu"

    def forward(self, x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
        self.slope = np.where(x > 0, 1.0, alpha).astype(x.dtype)
        return x * self.slope

    def backward(self, gy: Any) -> Any:
        return gy * self.slope


class Where(Function):
    """``where(cond, a, b)``: gradient goes to ``a`` where cond holds, else to ``b``."""

    def forward(self, a: np.ndarray, b: np.ndarray, condition: np.ndarray) -> np.ndarray:
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, gy: Any) -> tuple:
        a, b = self.inputs
        zero = gy * 0.0
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(where(self.condition, gy, zero), a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(where(self.condition, zero, gy), b.shape)
        return ga, gb


def _shares(a_loses: np.ndarray, b_loses: np.ndarray, tie: np.ndarray,
            dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Shares of the gradient for a and b: 1 to the winner, 1/2 each on ties, and (as
    PyTorch) 1 to both where a comparison with nan makes neither lose."""
    half_tie = 0.5 * tie
    return ((1.0 - half_tie - a_loses).astype(dtype, copy=False),
            (1.0 - half_tie - b_loses).astype(dtype, copy=False))


class Maximum(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shares = _shares(a < b, a > b, a == b, np.result_type(a, b))
        return np.maximum(a, b)

    def backward(self, gy: Any) -> tuple:
        a, b = self.inputs
        share_a, share_b = self.shares
        return unbroadcast(gy * share_a, a.shape), unbroadcast(gy * share_b, b.shape)


class Minimum(Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.shares = _shares(a > b, a < b, a == b, np.result_type(a, b))
        return np.minimum(a, b)

    def backward(self, gy: Any) -> tuple:
        a, b = self.inputs
        share_a, share_b = self.shares
        return unbroadcast(gy * share_a, a.shape), unbroadcast(gy * share_b, b.shape)


class Clip(Function):
    def forward(self, x: np.ndarray, lo: Any = None, hi: Any = None) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        self.inside = inside
        return np.clip(x, lo, hi)

    def backward(self, gy: Any) -> Any:
        return gy * self.inside  # 1 inside [lo, hi], 0 where clipped


# ---------------------------------------------------------------- functional forms
def exp(x: Any) -> Any:
    return Exp.apply(x)


def log(x: Any) -> Any:
    return Log.apply(x)


def sqrt(x: Any) -> Any:
    return Sqrt.apply(x)


def abs(x: Any) -> Any:  # noqa: A001 - mirrors numpy/torch naming
    return Abs.apply(x)


def sin(x: Any) -> Any:
    return Sin.apply(x)


def cos(x: Any) -> Any:
    return Cos.apply(x)


def tanh(x: Any) -> Any:
    return Tanh.apply(x)


def sigmoid(x: Any) -> Any:
    return Sigmoid.apply(x)


def relu(x: Any) -> Any:
    return ReLU.apply(x)


def leaky_relu(x: Any, alpha: float = 0.01) -> Any:
    return LeakyReLU.apply(x, alpha=alpha)


def where(condition: Any, a: Any, b: Any) -> Any:
    """Elementwise ``a if condition else b`` (condition: boolean array, not differentiated)."""
    condition = np.asarray(getattr(condition, "data", condition), dtype=bool)
    return Where.apply(a, b, condition=condition)


def maximum(a: Any, b: Any) -> Any:
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Any:
    return Minimum.apply(a, b)


def clip(x: Any, lo: Any = None, hi: Any = None) -> Any:
    if lo is None and hi is None:
        raise ValueError("clip: give lo, hi or both")
    return Clip.apply(x, lo=lo, hi=hi)
