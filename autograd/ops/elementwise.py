"""Elementwise math: exp log sqrt abs sin cos tanh sigmoid relu leaky_relu, and the
two-input selections maximum minimum clip where.

The smooth functions that ``Value`` shares (exp log sqrt sin cos tanh sigmoid) take
their forward, derivative and rule text from ``autograd/maths.py`` (``UnaryMath``); the
kinked ones (abs relu leaky_relu clip) and the selections are written out here.

Derivatives at kinks follow PyTorch: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = alpha,
clip passes the gradient where lo <= x <= hi (both ends included), and ``maximum``/
``minimum`` split the gradient evenly between equal inputs. At nan inputs too: relu
passes the gradient (relu'(x) = 0 only where x <= 0), abs' = 0 (sign(nan) taken as 0),
and ``maximum``/``minimum`` send the whole gradient to both inputs when either is nan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import array_cache, maths
from ..function import Function
from ..graph import _local as _grad_local
from ..maths import Unary, stable_sigmoid  # noqa: F401  (stable_sigmoid: nn imports it here)
from ..rules import DerivativeRule
from .broadcast import unbroadcast

if TYPE_CHECKING:  # for annotations only: tensor.py imports this module
    from ..tensor import Tensor

__all__ = [
    "exp",
    "log",
    "sqrt",
    "abs",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "maximum",
    "minimum",
    "clip",
    "where",
    "softplus",
    "log_sigmoid",
    "logsigmoid",
    "logaddexp",
]


class UnaryMath(Function):
    """An op ``y = f(x)`` whose maths is a :class:`autograd.maths.Unary`: forward
    ``f`` on the array, backward its ``vjp(gy, x, y)`` on Tensors, edge text its rule.
    A subclass only names its function: ``class Exp(UnaryMath): fn = maths.EXP``."""

    fn: Unary
    _vjp_reads: tuple[bool, bool]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        fn = cls.__dict__.get("fn")
        if fn is not None:
            cls.op = fn.name
            cls.rule = DerivativeRule.of("x", fn.rule)
            # forward: f on the array, keeping x only when the vjp reads it (an op that
            # reads only y allows x to change in place afterwards)
            # (a method set on the class being made: mypy flags any assignment to one)
            forward = _forward_saving_x(fn.array) if "x" in fn.uses else _forward(fn.array)
            cls.forward = forward  # type: ignore[method-assign]
            cls._vjp_reads = ("x" in fn.uses, "y" in fn.uses)
        super().__init_subclass__(**kwargs)

    def backward(self, gy: Any) -> Any:
        reads_x, reads_y = self._vjp_reads
        x = self.saved_tensors[0] if reads_x else None
        y = self.output if reads_y else None
        return self.fn.vjp(gy, x, y)


def _forward(f: Any) -> Any:
    def forward(self: Function, x: np.ndarray) -> np.ndarray:
        return f(x)

    return forward


def _forward_saving_x(f: Any) -> Any:
    def forward(self: Function, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return f(x)

    return forward


class Exp(UnaryMath):
    fn = maths.EXP


class Log(UnaryMath):
    fn = maths.LOG


class Sqrt(UnaryMath):
    fn = maths.SQRT


class Sin(UnaryMath):
    fn = maths.SIN


class Cos(UnaryMath):
    fn = maths.COS


class Tanh(UnaryMath):
    fn = maths.TANH


class Sigmoid(UnaryMath):
    fn = maths.SIGMOID


class Abs(Function):
    rule = DerivativeRule.of("x", "gy·sign({0})")

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return np.abs(x)

    def backward(self, gy: Any) -> Any:
        (x,) = self.saved_tensors
        # |x|' = sign(x) = [x > 0] - [x < 0]: 0 at 0, and 0 at nan (as PyTorch)
        xd = x.data
        return gy * ((xd > 0).astype(xd.dtype) - (xd < 0))


class ReLU(Function):
    op = "relu"
    rule = DerivativeRule.of("x", "gy·[{0}>0]")

    def forward(self, x: np.ndarray) -> np.ndarray:
        # relu'(x) = 0 where x <= 0, else 1 -- also at nan, whose gradient passes as in
        # PyTorch. Read off the output in one pass: y = max(x, 0) is 0 exactly where
        # x <= 0 (-0.0 included) and nan where x is nan, so [y != 0] is the derivative.
        # Mask and output come from autograd.array_cache (a large activation's arrays are
        # reused by the next step once nothing holds them, not fresh memory faulted in
        # page by page), in x's memory order as NumPy's own result would be: a conv
        # output is channel-major, and pooling and the conv's backward read it that way.
        y = np.maximum(x, 0, out=array_cache.empty_like(x))
        self.mask = np.not_equal(y, 0, out=array_cache.empty_like(x, np.bool_))
        return y

    def backward(self, gy: Any) -> Any:
        if not _grad_local.enabled:
            # nothing recorded (the usual backward): multiply by the bool mask directly
            # (float * bool keeps gy's dtype), instead of first converting the mask to a
            # float array the size of gy as the Tensor route does
            g = gy._data
            dtype = g.dtype if g.dtype.kind == "f" else np.result_type(g.dtype, np.bool_)
            out = array_cache.empty_like(g, dtype)
            return type(gy)._constant(np.multiply(g, self.mask, out=out))
        return gy * self.mask  # create_graph: a recorded, differentiable product


class LeakyReLU(Function):
    """f(x) = max(0, x) + alpha min(0, x);  f'(x) = 1 if x > 0 else alpha."""

    op = "leaky_relu"
    rule = DerivativeRule.of("x", "gy·({0}>0 ? 1 : α)")

    def forward(self, x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
        self.slope = np.where(x > 0, 1.0, alpha).astype(x.dtype)
        return x * self.slope

    def backward(self, gy: Any) -> Any:
        return gy * self.slope


class Where(Function):
    """``where(cond, a, b)``: gradient goes to ``a`` where cond holds, else to ``b``."""

    rule = DerivativeRule.of("a b", "gy·[cond]", "gy·[not cond]", broadcasts=True)

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


class _Select(Function):
    """maximum/minimum: the gradient goes to the input that was selected -- 1 to the
    winner, 1/2 to each on a tie -- and, as in PyTorch, whole to both where a nan makes
    the comparison unordered (the output is nan then)."""

    def _record(self, a_loses: np.ndarray, tie: np.ndarray, out: np.ndarray) -> np.ndarray:
        share = np.array(np.logical_not(a_loses), dtype=out.dtype)  # a's share; nan: 1
        if tie.any():
            share[np.broadcast_to(tie, share.shape)] = 0.5
        unordered = np.isnan(out)
        self.share, self.unordered = share, unordered if unordered.any() else None
        return out

    def backward(self, gy: Any) -> tuple:
        a, b = self.inputs
        share_b = 1.0 - self.share
        if self.unordered is not None:
            share_b = np.where(self.unordered, 1.0, share_b).astype(self.share.dtype)
        return unbroadcast(gy * self.share, a.shape), unbroadcast(gy * share_b, b.shape)


class Maximum(_Select):
    rule = DerivativeRule.of("a b", "gy·[{0}>{1}]", "gy·[{1}>{0}]", broadcasts=True)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self._record(a < b, a == b, np.maximum(a, b))


class Minimum(_Select):
    rule = DerivativeRule.of("a b", "gy·[{0}<{1}]", "gy·[{1}<{0}]", broadcasts=True)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self._record(a > b, a == b, np.minimum(a, b))


class Clip(Function):
    rule = DerivativeRule.of("x", "gy·[lo≤{0}≤hi]")

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


class Softplus(Function):
    """softplus(x) = log(1 + e^(βx)) / β, and x itself where βx > threshold (PyTorch's).

    Stable for any x: log(1 + e^z) = max(z, 0) + log1p(e^-|z|) (``np.logaddexp(0, z)``)
    never overflows. softplus'(x) = σ(βx), and 1 where the function is linear.
    """

    rule = DerivativeRule.of("x", "gy·σ(β·{0})")

    def forward(self, x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
        self.save(x)
        self.beta = beta
        z = x * beta
        self.linear = z > threshold
        return np.where(self.linear, x, np.logaddexp(0.0, z) / beta)

    def backward(self, gy: Any) -> Any:
        (x,) = self.saved_tensors
        slope = (x * self.beta).sigmoid()  # Tensor ops: differentiable again
        if self.linear.any():
            slope = where(self.linear, 1.0, slope)
        return gy * slope


class LogSigmoid(Function):
    """log σ(x) = -softplus(-x) = min(x, 0) - log1p(e^-|x|), stable for any x.

    (log σ)'(x) = 1 - σ(x) = σ(-x).
    """

    op = "log_sigmoid"
    rule = DerivativeRule.of("x", "gy·σ(−{0})")

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))

    def backward(self, gy: Any) -> Any:
        (x,) = self.saved_tensors
        return gy * (-x).sigmoid()


class LogAddExp(Function):
    """logaddexp(a, b) = log(e^a + e^b) = max(a, b) + log1p(e^-|a - b|), stable.

    d/da = e^a / (e^a + e^b) = σ(a - b) and d/db = σ(b - a): no exponential of a large
    number anywhere, and exactly 1/2 each where a = b. (Where a = b = ±inf, a - b is nan
    and so are the gradients, as in PyTorch.)
    """

    op = "logaddexp"
    rule = DerivativeRule.of("a b", "gy·σ({0} − {1})", "gy·σ({1} − {0})", broadcasts=True)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.save(a, b)
        return np.logaddexp(a, b)

    def backward(self, gy: Any) -> tuple:
        a, b = self.saved_tensors
        ga = gb = None
        with np.errstate(invalid="ignore"):  # inf - inf: nan, PyTorch's value there
            if self.needs_input_grad[0]:
                ga = unbroadcast(gy * (a - b).sigmoid(), a.shape)
            if self.needs_input_grad[1]:
                gb = unbroadcast(gy * (b - a).sigmoid(), b.shape)
        return ga, gb


# ---------------------------------------------------------------- functional forms
def exp(x: Any) -> Tensor:
    return Exp.apply(x)


def log(x: Any) -> Tensor:
    return Log.apply(x)


def sqrt(x: Any) -> Tensor:
    return Sqrt.apply(x)


def abs(x: Any) -> Tensor:  # noqa: A001 - mirrors numpy/torch naming
    return Abs.apply(x)


def sin(x: Any) -> Tensor:
    return Sin.apply(x)


def cos(x: Any) -> Tensor:
    return Cos.apply(x)


def tanh(x: Any) -> Tensor:
    return Tanh.apply(x)


def sigmoid(x: Any) -> Tensor:
    return Sigmoid.apply(x)


def relu(x: Any) -> Tensor:
    return ReLU.apply(x)


def leaky_relu(x: Any, alpha: float = 0.01) -> Tensor:
    return LeakyReLU.apply(x, alpha=alpha)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if condition else b`` (condition: boolean array, not differentiated)."""
    condition = np.asarray(getattr(condition, "data", condition), dtype=bool)
    return Where.apply(a, b, condition=condition)


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(a, b)


def clip(x: Any, lo: Any = None, hi: Any = None) -> Tensor:
    if lo is None and hi is None:
        raise ValueError("clip: give lo, hi or both")
    return Clip.apply(x, lo=lo, hi=hi)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, linear where ``beta x > threshold`` (PyTorch's
    ``F.softplus``); a smooth relu. Shape of ``x``."""
    if beta == 0:
        raise ValueError(
            "softplus: beta must be nonzero (the function divides by it); the default is 1"
        )
    return Softplus.apply(x, beta=beta, threshold=threshold)


def log_sigmoid(x: Any) -> Tensor:
    """``log(sigmoid(x))``, stable for any x (PyTorch's ``F.logsigmoid``)."""
    return LogSigmoid.apply(x)


logsigmoid = log_sigmoid  # PyTorch's spelling (torch.nn.functional.logsigmoid)


def logaddexp(x: Any, other: Any) -> Tensor:
    """``log(exp(x) + exp(other))`` elementwise with broadcasting, stable
    (``torch.logaddexp``)."""
    return LogAddExp.apply(x, other)


class ElementwiseMethods:
    """Tensor's elementwise methods (``Tensor`` inherits them): ``x.exp()`` is ``exp(x)``."""

    __slots__ = ()

    exp = exp
    log = log
    sqrt = sqrt
    abs = __abs__ = abs
    sin = sin
    cos = cos
    tanh = tanh
    sigmoid = sigmoid
    relu = relu
    leaky_relu = leaky_relu
    clip = clip
    softplus = softplus
    log_sigmoid = logsigmoid = log_sigmoid
    logaddexp = logaddexp

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002  (PyTorch's names)
        """PyTorch's name for :func:`clip`: ``min``/``max`` bounds, either may be None."""
        return clip(self, min, max)
