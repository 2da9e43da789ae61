"""Every ``Value`` operation, checked three independent ways.

1. a hand-written central difference on plain floats (knows nothing about autograd),
2. ``autograd.numerical_grad`` (the library's own central difference),
3. PyTorch in float64, for values *and* gradients, when torch is installed.

Plus the documented kink conventions, error cases, comparisons/hashing and
hypothesis property tests over random composite expressions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value

# ----------------------------------------------------------------------------- helpers


def central_difference(
    f: Callable[[list[float]], float], xs: Sequence[float], h: float = 1e-6
) -> list[float]:
    """(f(x + h e_i) - f(x - h e_i)) / 2h for each i, on plain floats.

    Written independently of ``autograd.numerical_grad`` so that a bug shared by the
    engine and its own checker cannot hide.
    """
    grads = []
    for i in range(len(xs)):
        plus = list(xs)
        minus = list(xs)
        plus[i] += h
        minus[i] -= h
        grads.append((f(plus) - f(minus)) / (2.0 * h))
    return grads


def backprop(fn: Callable[..., Value], xs: Sequence[float]) -> tuple[float, list[float]]:
    """Forward value and backpropagated gradient of ``fn`` at the point ``xs``."""
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


def forward_only(fn: Callable[..., Value]) -> Callable[[list[float]], float]:
    """``fn`` as a float -> float function, for finite differences."""
    return lambda xs: fn(*[Value(x) for x in xs]).data


def close(a: float, b: float, rel: float = 1e-6, abs_: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# ----------------------------------------------------------------------------- op table


@dataclass(frozen=True)
class OpCase:
    """One operation: ``fn`` takes Values (and, unless ``torch_fn`` is given, tensors)."""

    name: str
    fn: Callable[..., Any]
    points: tuple[tuple[float, ...], ...]
    # (torch module, *tensors) -> tensor; None means ``fn`` works on tensors as is
    torch_fn: Callable[..., Any] | None = None


# Several points per op, negative ones included; kinks (0 for relu/abs) are tested
# separately because a central difference straddling a kink measures the average slope.
ANY = ((-2.3,), (-0.6,), (0.4,), (1.7,))
POSITIVE = ((0.25,), (1.0,), (3.5,))
NONZERO_PAIRS = ((-1.5, 2.0), (0.3, -0.7), (2.0, 2.0), (-0.8, -2.6))
POSITIVE_BASE_PAIRS = ((1.7, 2.3), (0.4, -1.2), (2.5, 0.5), (3.0, -2.0))


def _leaky(alpha: float) -> Callable[..., Any]:
    return lambda torch, t: torch.nn.functional.leaky_relu(t, alpha)


OPS: list[OpCase] = [
    # Value (op) Value
    OpCase("add", lambda a, b: a + b, NONZERO_PAIRS),
    OpCase("sub", lambda a, b: a - b, NONZERO_PAIRS),
    OpCase("mul", lambda a, b: a * b, NONZERO_PAIRS),
    OpCase("div", lambda a, b: a / b, NONZERO_PAIRS),
    OpCase("pow_value", lambda a, b: a**b, POSITIVE_BASE_PAIRS),
    # Value (op) number
    OpCase("add_num", lambda a: a + 2.5, ANY),
    OpCase("sub_num", lambda a: a - 2.5, ANY),
    OpCase("mul_num", lambda a: a * -1.5, ANY),
    OpCase("div_num", lambda a: a / -4.0, ANY),
    OpCase("pow2", lambda a: a**2, ANY),
    OpCase("pow3", lambda a: a**3, ANY),
    OpCase("pow_int_neg", lambda a: a**-1, ANY),
    OpCase("pow_minus2", lambda a: a**-2, ANY),
    OpCase("pow0", lambda a: a**0, ANY),
    OpCase("pow1", lambda a: a**1, ANY),
    OpCase("pow_half", lambda a: a**0.5, POSITIVE),
    OpCase("pow_1.5", lambda a: a**1.5, POSITIVE),
    OpCase("pow_-2.5", lambda a: a**-2.5, POSITIVE),
    # number (op) Value: the reflected operators
    OpCase("radd", lambda a: 2.5 + a, ANY),
    OpCase("rsub", lambda a: 2.5 - a, ANY),
    OpCase("rmul", lambda a: -1.5 * a, ANY),
    OpCase("rtruediv", lambda a: 3.0 / a, ANY),
    OpCase("rpow", lambda a: 2.0**a, ANY),
    OpCase("rpow_small_base", lambda a: 0.5**a, ANY),
    # unary
    OpCase("neg", lambda a: -a, ANY),
    OpCase("relu", lambda a: a.relu(), ANY),
    OpCase("leaky_relu", lambda a: a.leaky_relu(), ANY, _leaky(0.01)),
    OpCase("leaky_relu_0.2", lambda a: a.leaky_relu(0.2), ANY, _leaky(0.2)),
    OpCase("tanh", lambda a: a.tanh(), ANY),
    OpCase("sigmoid", lambda a: a.sigmoid(), ANY + ((-30.0,), (30.0,))),
    OpCase("exp", lambda a: a.exp(), ANY),
    OpCase("log", lambda a: a.log(), POSITIVE),
    OpCase("sqrt", lambda a: a.sqrt(), POSITIVE),
    OpCase("sin", lambda a: a.sin(), ANY),
    OpCase("cos", lambda a: a.cos(), ANY),
    OpCase("abs", lambda a: abs(a), ANY),
    OpCase("abs_method", lambda a: a.abs(), ANY, lambda torch, t: t.abs()),
]

CASES = [
    pytest.param(case, point, id=f"{case.name}@{point}") for case in OPS for point in case.points
]


@pytest.mark.parametrize(("case", "point"), CASES)
def test_op_gradient_matches_central_difference(case: OpCase, point: tuple[float, ...]) -> None:
    _, analytic = backprop(case.fn, point)
    ours = central_difference(forward_only(case.fn), point)
    leaves = [Value(x) for x in point]
    library = autograd.numerical_grad(case.fn, *leaves)
    for g, n1, n2 in zip(analytic, ours, library, strict=True):
        assert close(g, n1), (case.name, point, analytic, ours)
        assert close(g, n2), (case.name, point, analytic, library)


@pytest.mark.parametrize(("case", "point"), CASES)
def test_op_matches_torch_float64(case: OpCase, point: tuple[float, ...]) -> None:
    torch = pytest.importorskip("torch")
    data, grads = backprop(case.fn, point)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = case.torch_fn(torch, *ts) if case.torch_fn else case.fn(*ts)
    out.backward()
    assert close(data, out.item(), rel=1e-12, abs_=1e-14)
    for g, t in zip(grads, ts, strict=True):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert close(g, expected, rel=1e-12, abs_=1e-14), (case.name, point, grads, expected)


@pytest.mark.parametrize("case", OPS, ids=lambda c: c.name)
def test_op_records_float_local_grads_and_a_label(case: OpCase) -> None:
    leaves = [Value(x) for x in case.points[0]]
    out = case.fn(*leaves)
    assert type(out.data) is float
    assert isinstance(out.op, str) and out.op
    assert len(out.local_grads) == len(out.parents)
    assert all(type(g) is float for g in out.local_grads)
    # every leaf we passed in is reachable in one step (constants may be extra parents)
    assert all(any(p is v for p in out.parents) for v in leaves)


def test_common_op_labels() -> None:
    a, b = Value(2.0), Value(3.0)
    assert (a + b).op == "+"
    assert (a * b).op == "*"
    assert a.tanh().op == "tanh"
    assert a.relu().op == "relu"
    assert a.op == ""


def test_integer_data_is_stored_as_float() -> None:
    v = Value(3)
    assert type(v.data) is float and v.data == 3.0
    assert type((v + 2).data) is float
    assert Value(3, "x").label == "x"


def test_unary_plus_is_identity() -> None:
    a = Value(1.5)
    assert +a is a


def test_negative_base_integer_exponent_value() -> None:
    # (-1.5)^3 with a Value exponent: the base derivative is the usual power rule.
    a, b = Value(-1.5), Value(3.0)
    out = a**b
    out.backward()
    assert out.data == pytest.approx(-3.375)
    assert a.grad == pytest.approx(3.0 * 1.5**2)


# ----------------------------------------------------------------------------- kinks


def test_relu_derivative_at_zero_is_zero() -> None:
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)


def test_abs_derivative_at_zero_is_zero() -> None:
    x = Value(0.0)
    y = abs(x)
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)


@pytest.mark.parametrize("alpha", [0.01, 0.2])
def test_leaky_relu_derivative_at_zero_is_alpha(alpha: float) -> None:
    x = Value(0.0)
    y = x.leaky_relu(alpha) if alpha != 0.01 else x.leaky_relu()
    y.backward()
    assert y.data == 0.0
    assert x.grad == alpha


def test_sqrt_derivative_at_zero_is_plus_infinity() -> None:
    x = Value(0.0)
    y = x.sqrt()
    y.backward()
    assert y.data == 0.0 and x.grad == math.inf


def test_pow_value_exponent_derivative_at_zero_base_is_zero() -> None:
    # 0**b is constant (0) for b > 0, so d/db is 0, not 0 * log(0) = nan
    a, b = Value(0.0), Value(2.0)
    out = a**b
    out.backward()
    assert out.data == 0.0 and b.grad == 0.0 and a.grad == 0.0


def test_zero_to_the_zero() -> None:
    a, b = Value(0.0), Value(0.0)
    out = a**b
    out.backward()
    assert out.data == 1.0 and (a.grad, b.grad) == (0.0, 0.0)


def test_kinks_match_torch() -> None:
    torch = pytest.importorskip("torch")
    cases: list[tuple[Callable[[Value], Value], Callable[[Any], Any]]] = [
        (lambda v: v.relu(), torch.relu),
        (lambda v: abs(v), torch.abs),
        (lambda v: v.leaky_relu(0.2), lambda t: torch.nn.functional.leaky_relu(t, 0.2)),
        (lambda v: v.sqrt(), torch.sqrt),
    ]
    for ours, theirs in cases:
        x = Value(0.0)
        ours(x).backward()
        t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        theirs(t).backward()
        assert x.grad == t.grad.item()


@pytest.mark.parametrize("exponent", [0.5, 0.25])
def test_fractional_power_of_zero_is_defined(exponent: float) -> None:
    """0 ** 0.5 is 0 with derivative +inf -- exactly what ``sqrt`` and PyTorch give.

    The engine documents sqrt'(0) = +inf, so ``x ** 0.5`` must agree with ``x.sqrt()``
    at 0 instead of raising ``ZeroDivisionError``.
    """
    x = Value(0.0)
    y = x**exponent
    y.backward()
    assert y.data == 0.0
    assert x.grad == math.inf


def test_fractional_value_power_of_zero_is_defined() -> None:
    x, e = Value(0.0), Value(0.5)
    y = x**e
    y.backward()
    assert y.data == 0.0
    assert x.grad == math.inf


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_outside_domain_raises_value_error_naming_the_op(x: float) -> None:
    with pytest.raises(ValueError, match="log"):
        Value(x).log()


def test_sqrt_of_negative_raises_value_error_naming_the_op() -> None:
    with pytest.raises(ValueError, match="sqrt"):
        Value(-1.0).sqrt()


@pytest.mark.parametrize(
    "divide",
    [
        lambda: Value(1.0) / Value(0.0),
        lambda: Value(1.0) / 0,
        lambda: 1.0 / Value(0.0),
        lambda: Value(0.0) ** -1,
        lambda: Value(0.0) ** Value(-2.0),
    ],
    ids=["value/value", "value/number", "number/value", "zero**-1", "zero**value(-2)"],
)
def test_division_by_zero_raises_zero_division_error(divide: Callable[[], Value]) -> None:
    with pytest.raises(ZeroDivisionError):
        divide()


def test_non_real_power_raises_value_error() -> None:
    with pytest.raises(ValueError, match=r"\*\*"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(ValueError, match=r"\*\*"):
        Value(-8.0) ** Value(0.5)


def test_exp_overflow_raises_overflow_error_naming_the_op() -> None:
    with pytest.raises(OverflowError, match="exp"):
        Value(1000.0).exp()


def test_sigmoid_is_stable_in_both_tails() -> None:
    lo, hi = Value(-1000.0), Value(1000.0)
    s_lo, s_hi = lo.sigmoid(), hi.sigmoid()
    (s_lo + s_hi).backward()
    assert s_lo.data == 0.0 and s_hi.data == 1.0
    assert lo.grad == 0.0 and hi.grad == 0.0


@pytest.mark.parametrize(
    "bad", ["x", None, [1.0], 1j, object()], ids=["str", "None", "list", "complex", "object"]
)
def test_non_number_data_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        Value(bad)  # type: ignore[arg-type]


def test_value_of_value_raises_type_error() -> None:
    with pytest.raises(TypeError):
        Value(Value(1.0))  # type: ignore[arg-type]


def test_numeric_string_is_rejected_too() -> None:
    """``Value("1.5")`` must not silently become 1.5: data is "a real number"."""
    with pytest.raises(TypeError):
        Value("1.5")  # type: ignore[arg-type]


def test_operand_that_is_not_a_number_raises_type_error() -> None:
    with pytest.raises(TypeError):
        Value(1.0) + "x"  # type: ignore[operator]
    with pytest.raises(TypeError):
        "x" * Value(1.0)  # type: ignore[operator]


# ----------------------------------------------------------------------------- comparisons, hashing


def test_comparisons_return_python_bools_on_data() -> None:
    a, b = Value(1.0), Value(2.0)
    results = [a < b, a <= b, a > b, a >= b, a < 1.5, a <= 1.0, b > 1, b >= 3.0]
    assert all(type(r) is bool for r in results)
    assert results == [True, True, False, False, True, True, True, False]


def test_equality_and_hash_are_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert (a == b) is False
    assert hash(a) == object.__hash__(a)
    s = {a, b, a}
    assert len(s) == 2 and a in s and b in s
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"
    # mutating data must not move a Value inside a set
    a.data = 5.0
    assert a in s


# ----------------------------------------------------------------------------- properties

finite = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, database=None)


def composite_1(a: Any, b: Any, c: Any) -> Any:
    return (a * b + c).tanh() * a - (b * b + 1).log()


def composite_2(a: Any, b: Any, c: Any) -> Any:
    return (a * b).sigmoid() * (-(c * c)).exp() + a.sin() * b.cos()


def composite_3(a: Any, b: Any, c: Any) -> Any:
    # a reused on several paths, a reflected power and a division
    return ((a - b) ** 2 + 1).sqrt() / (2 + c.cos()) + 3 ** (a * 0.5) - a / (1 + a * a)


def composite_4(a: Any, b: Any, c: Any) -> Any:
    return (a * a * b - c / (1 + b * b)) ** 3 + (c + 4) ** -0.5


COMPOSITES = [composite_1, composite_2, composite_3, composite_4]


@pytest.mark.parametrize("fn", COMPOSITES, ids=lambda f: f.__name__)
@PROPERTY_SETTINGS
@given(a=finite, b=finite, c=finite)
def test_composite_gradient_matches_central_difference(
    fn: Callable[..., Any], a: float, b: float, c: float
) -> None:
    _, analytic = backprop(fn, (a, b, c))
    numeric = central_difference(forward_only(fn), (a, b, c))
    for g, n in zip(analytic, numeric, strict=True):
        assert math.isclose(g, n, rel_tol=1e-4, abs_tol=1e-5), (analytic, numeric)


@pytest.mark.parametrize("fn", COMPOSITES, ids=lambda f: f.__name__)
@PROPERTY_SETTINGS
@given(a=finite, b=finite, c=finite)
def test_composite_matches_torch(fn: Callable[..., Any], a: float, b: float, c: float) -> None:
    torch = pytest.importorskip("torch")
    data, grads = backprop(fn, (a, b, c))
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (a, b, c)]
    out = fn(*ts)
    out.backward()
    assert math.isclose(data, out.item(), rel_tol=1e-10, abs_tol=1e-12)
    for g, t in zip(grads, ts, strict=True):
        assert math.isclose(g, t.grad.item(), rel_tol=1e-9, abs_tol=1e-11)


@PROPERTY_SETTINGS
@given(a=finite, b=finite)
def test_product_and_sum_local_derivatives_are_exact(a: float, b: float) -> None:
    # d(xy)/dx is *exactly* y (it is stored, not approximated); d(x+y)/dx is exactly 1
    _, (ga, gb) = backprop(lambda x, y: x * y, (a, b))
    assert (ga, gb) == (b, a)
    _, (ga, gb) = backprop(lambda x, y: x + y, (a, b))
    assert (ga, gb) == (1.0, 1.0)


@PROPERTY_SETTINGS
@given(a=finite)
def test_self_cancelling_expression_has_zero_gradient(a: float) -> None:
    _, (g,) = backprop(lambda x: x - x + x * 0.0, (a,))
    assert g == 0.0
