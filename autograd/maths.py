"""The smooth elementwise functions both engines use, each written once.

A function ``y = f(x)`` is four things side by side: its value on a Python float
(``math``), its value on an array (NumPy), the chain rule's step

    vjp(gy, x, y) = gy · f'(x)        (written with x and y = f(x), whichever is shorter)

and the text of that step as drawings show it. ``vjp`` is one expression that works on
floats (``Value``: ``gy = 1`` gives the local derivative), on arrays, and on Tensors
(``Tensor`` backward: differentiable again, so higher derivatives come free)::

    exp:      gy · y                    sin:      gy · cos x
    log:      gy / x                    cos:     -gy · sin x
    sqrt:     gy / (2y)                 tanh:     gy · (1 - y)(1 + y)
    sigmoid:  gy · y (1 - y)

``Value.exp`` and ``autograd.exp`` both take their derivative from ``EXP.vjp`` here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Unary", "EXP", "LOG", "SQRT", "SIN", "COS", "TANH", "SIGMOID", "stable_sigmoid"]


class Unary:
    """One elementwise function ``y = f(x)`` and its derivative.

    Attributes
    ----------
    name : str
        The op label (``"exp"``); also the method name on ``Tensor``/``Value``.
    scalar : callable
        ``f`` on a Python float.
    array : callable
        ``f`` on a NumPy array (same dtype out).
    vjp : callable
        ``vjp(gy, x, y) = gy · f'(x)`` on floats, arrays or Tensors.
    uses : str
        Which of ``x``, ``y`` the ``vjp`` reads: ``"x"``, ``"y"`` or ``"xy"`` (a Tensor
        op then keeps only what it needs for backward).
    rule : str
        The ``vjp`` as drawings show it, ``{0}`` standing for the input's name.
    """

    __slots__ = ("name", "scalar", "array", "vjp", "uses", "rule")

    def __init__(
        self,
        name: str,
        scalar: Callable[[float], float],
        array: Callable[[np.ndarray], np.ndarray],
        vjp: Callable[[Any, Any, Any], Any],
        uses: str,
        rule: str,
    ) -> None:
        self.name, self.scalar, self.array, self.vjp = name, scalar, array, vjp
        self.uses, self.rule = uses, rule

    def __repr__(self) -> str:
        return f"<Unary {self.name}: vjp = {self.rule}>"


def _generic(name: str) -> Callable[[Any], Any]:
    """``name`` (``"cos"``, ...) on a float (math), an array (NumPy) or a node (method)."""
    on_float, on_array = getattr(math, name), getattr(np, name)

    def f(x: Any) -> Any:
        if type(x) is float:
            return on_float(x)
        if isinstance(x, np.ndarray):
            return on_array(x)
        return getattr(x, name)()

    f.__name__ = name
    return f


_cos, _sin = _generic("cos"), _generic("sin")


def stable_sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigma(x) = 1 / (1 + e^-x), to about 2 ulps wherever sigma(x) is a normal number.

    Accurate in both tails, unlike the tanh form (1 + tanh(x/2)) / 2 used before: for
    x << 0 that rounds 1 + tanh(x/2) to the float spacing near 1, so sigma(-17) came out
    5.96e-8 instead of 4.14e-8 in float32 and sigma(-40) = 0 in float64. The plain form
    has no cancellation anywhere: for x < 0, e^-x = e^|x| is exact to an ulp, and so are
    1 + e^|x| and its reciprocal -- the same accuracy as the sign-branched
    e^x / (1 + e^x), with half the passes over the data. Only below x = -88.7 (float32)
    or -709.8 (float64) does e^-x overflow to inf, giving sigma = 0 where the exact value
    is a subnormal smaller than the least normal number (PyTorch's value there, too).

    ``out``: an array to write the result into; it may be ``x`` itself (in place).
    """
    y = np.empty_like(x) if out is None else out  # (an array even for 0-d x)
    # e^-x overflows to inf for x << 0 and underflows for x >> 0: both give the right
    # sigma (0 and 1), so NumPy's flags (a warning by default) are switched off here --
    # cheaper than checking min(x) and max(x) first
    with np.errstate(over="ignore", under="ignore"):
        np.negative(x, out=y)
        np.exp(y, out=y)
        y += 1.0
        np.reciprocal(y, out=y)
    return y


def _sigmoid(x: float) -> float:
    """sigma(x) on a float, without overflow: e^-x for x >= 0, e^x / (1 + e^x) below."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# exp' = exp
EXP = Unary("exp", math.exp, np.exp, lambda gy, x, y: gy * y, "y", "gy·y")
# log'(x) = 1/x
LOG = Unary("log", math.log, np.log, lambda gy, x, y: gy / x, "x", "gy/{0}")
# sqrt'(x) = 1 / (2 sqrt x)
SQRT = Unary("sqrt", math.sqrt, np.sqrt, lambda gy, x, y: gy / (2.0 * y), "y", "gy/(2y)")
# sin' = cos
SIN = Unary("sin", math.sin, np.sin, lambda gy, x, y: gy * _cos(x), "x", "gy·cos {0}")
# cos' = -sin
COS = Unary("cos", math.cos, np.cos, lambda gy, x, y: -gy * _sin(x), "x", "−gy·sin {0}")
# tanh' = 1 - tanh^2, formed as (1 - y)(1 + y): near |y| = 1 the product keeps the digits
# that 1 - y*y cancels away (and it is PyTorch's float32 value)
TANH = Unary(
    "tanh", math.tanh, np.tanh, lambda gy, x, y: gy * ((1.0 - y) * (1.0 + y)), "y", "gy·(1−y²)"
)
# sigma' = sigma (1 - sigma)
SIGMOID = Unary(
    "sigmoid", _sigmoid, stable_sigmoid, lambda gy, x, y: gy * y * (1.0 - y), "y", "gy·y(1−y)"
)
