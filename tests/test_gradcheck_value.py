"""``autograd.gradcheck`` and ``autograd.numerical_grad`` on scalar ``Value`` functions."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import autograd
from autograd import GradcheckError, Value, gradcheck, numerical_grad


def bad_square(x: Value, wrong_slope: float) -> Value:
    """x**2 whose recorded local derivative is ``wrong_slope * x`` instead of ``2x``.

    Built directly from the constructor, the way an op is assembled inside the engine,
    so the forward value is right and only the backward pass lies.
    """
    return Value(x.data**2, "", (x,), (wrong_slope * x.data,), "bad")


CORRECT: list[tuple[str, Callable[..., Value], tuple[float, ...]]] = [
    ("product", lambda a, b: a * b, (1.5, -2.0)),
    ("tanh_mlp_unit", lambda w, x, b: (w * x + b).tanh(), (0.3, -1.1, 0.2)),
    ("quotient", lambda a, b: (a * a + 1).log() / (b * b + 2), (0.7, 1.3)),
    ("powers", lambda a, b: a**b + 2**a - a**-2, (1.4, 0.6)),
    ("trig", lambda a: a.sin() * a.cos() + a.sigmoid(), (-0.8,)),
]


@pytest.mark.parametrize(("name", "fn", "point"), CORRECT, ids=[c[0] for c in CORRECT])
def test_gradcheck_accepts_correct_gradients(
    name: str, fn: Callable[..., Value], point: tuple[float, ...]
) -> None:
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    assert gradcheck(fn, *inputs) is True
    assert gradcheck(fn, inputs) is True  # one list works as well as separate arguments


def test_gradcheck_rejects_a_wrong_local_derivative_with_a_readable_table() -> None:
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")

    def fn(x: Value, y: Value) -> Value:
        return bad_square(x, wrong_slope=3.0) + x * y

    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, x, y)
    report = str(info.value)
    lines = report.splitlines()
    assert "analytic" in report and "numeric" in report
    x_row = next(line for line in lines if line.startswith("x "))
    y_row = next(line for line in lines if line.startswith("y "))
    # the broken input is flagged, the correct one is not
    assert x_row.rstrip().endswith("NO") and y_row.rstrip().endswith("yes")
    # analytic 3x + y = 4.0 vs numeric 2x + y = 2.5 both appear in x's row
    numbers = [float(tok) for tok in x_row.split()[1:4]]
    assert numbers[0] == pytest.approx(4.0) and numbers[1] == pytest.approx(2.5, rel=1e-6)
    assert numbers[2] == pytest.approx(1.5, rel=1e-6)


def test_gradcheck_error_is_an_assertion_error() -> None:
    # so a bare gradcheck(...) inside a test reads as a failed assertion
    assert issubclass(GradcheckError, AssertionError)


def test_gradcheck_names_unlabelled_inputs_by_position() -> None:
    a, b = Value(2.0), Value(1.0)
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda a, b: bad_square(a, 1.0) * b, a, b)


def test_gradcheck_tolerance_is_respected() -> None:
    x = Value(2.0, label="x")
    slightly_wrong = 2.0 * 1.01  # 1% too large

    def fn(v: Value) -> Value:
        return bad_square(v, slightly_wrong)

    with pytest.raises(GradcheckError):
        gradcheck(fn, x)  # default rtol = 1e-3
    assert gradcheck(fn, x, rtol=0.05) is True


def test_gradcheck_does_not_touch_grads_or_data() -> None:
    a, b = Value(0.3), Value(-0.9)
    a.grad, b.grad = 11.0, -4.0
    assert gradcheck(lambda a, b: (a * b).exp(), a, b)
    assert (a.grad, b.grad) == (11.0, -4.0)
    assert (a.data, b.data) == (0.3, -0.9)


def test_gradcheck_input_errors() -> None:
    with pytest.raises(ValueError):
        gradcheck(lambda: Value(1.0))
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda a: a.data * 2, Value(1.0))


def test_gradcheck_unused_input_has_zero_gradient() -> None:
    a, unused = Value(1.0), Value(5.0)
    assert gradcheck(lambda a, u: a * 3.0, a, unused) is True


def test_numerical_grad_matches_known_derivatives() -> None:
    a, b = Value(0.5), Value(2.0)
    da, db = numerical_grad(lambda a, b: a.exp() * b.sin(), a, b)
    assert da == pytest.approx(math.exp(0.5) * math.sin(2.0), rel=1e-8)
    assert db == pytest.approx(math.exp(0.5) * math.cos(2.0), rel=1e-8)


def test_numerical_grad_calls_fn_twice_per_input_and_restores_data() -> None:
    calls = 0

    def fn(*xs: Value) -> Value:
        nonlocal calls
        calls += 1
        total = xs[0]
        for x in xs[1:]:
            total = total + x * x
        return total

    xs = [Value(float(i)) for i in range(7)]
    numerical_grad(fn, xs)
    assert calls == 2 * len(xs)  # the cost backprop avoids
    assert [x.data for x in xs] == [float(i) for i in range(7)]


def test_numerical_grad_restores_data_when_fn_raises() -> None:
    x = Value(1.0)

    def explode(v: Value) -> Value:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_grad(explode, x)
    assert x.data == 1.0


def test_numerical_grad_eps_controls_the_error() -> None:
    # central differences have O(eps^2) truncation error: 10x smaller eps, ~100x less error
    x = Value(1.0)
    exact = math.cos(1.0)
    err_big = abs(numerical_grad(lambda v: v.sin(), x, eps=1e-2)[0] - exact)
    err_small = abs(numerical_grad(lambda v: v.sin(), x, eps=1e-3)[0] - exact)
    assert 50 < err_big / err_small < 200


def test_exported_names() -> None:
    for name in ("gradcheck", "numerical_grad", "GradcheckError"):
        assert hasattr(autograd, name)
