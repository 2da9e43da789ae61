"""Property-based tests (hypothesis): broadcasting arithmetic over random shape pairs.

For any two mutually broadcastable shapes, ``a op b`` must equal NumPy's result and each
operand's gradient must have the operand's own shape and equal the NumPy-computed
"unbroadcast" sum: the upstream gradient times the local derivative, summed over the
axes that broadcasting added or stretched.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

import autograd as ag
from autograd import Tensor

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)

shape_pairs = mutually_broadcastable_shapes(
    num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=3
)


def numpy_unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reference: sum g over leading axes, then over axes where ``shape`` has size 1."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


# op -> (deltagrad op, NumPy op, dL/da and dL/db given a, b, upstream g)
BINARY: dict[str, tuple[Callable, Callable, Callable, Callable]] = {
    "add": (lambda a, b: a + b, np.add, lambda a, b, g: g, lambda a, b, g: g),
    "sub": (lambda a, b: a - b, np.subtract, lambda a, b, g: g, lambda a, b, g: -g),
    "mul": (lambda a, b: a * b, np.multiply, lambda a, b, g: g * b, lambda a, b, g: g * a),
    "div": (lambda a, b: a / b, np.divide, lambda a, b, g: g / b, lambda a, b, g: -g * a / (b * b)),
    "pow": (
        lambda a, b: a**b,
        np.power,
        lambda a, b, g: g * b * a ** (b - 1),
        lambda a, b, g: g * a**b * np.log(a),
    ),
    # ties (hypothesis draws them often) split the gradient evenly, as in PyTorch
    "maximum": (
        ag.maximum,
        np.maximum,
        lambda a, b, g: g * ((a > b) + 0.5 * (a == b)),
        lambda a, b, g: g * ((a < b) + 0.5 * (a == b)),
    ),
    "minimum": (
        ag.minimum,
        np.minimum,
        lambda a, b, g: g * ((a < b) + 0.5 * (a == b)),
        lambda a, b, g: g * ((a > b) + 0.5 * (a == b)),
    ),
}


def values(shape: tuple[int, ...]) -> st.SearchStrategy:
    """Positive and well away from 0 (so / and ** are smooth), float64."""
    return arrays(np.float64, shape, elements=st.floats(0.5, 2.0))


@st.composite
def operands(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    (sa, sb), out = draw(shape_pairs)
    a, b = draw(values(sa)), draw(values(sb))
    g = draw(arrays(np.float64, out, elements=st.floats(-2.0, 2.0)))
    return a, b, g


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(data=operands())
def test_broadcasting_binary_ops(name: str, data: tuple) -> None:
    op, np_op, da, db = BINARY[name]
    a0, b0, g = data
    a, b = Tensor(a0, requires_grad=True), Tensor(b0, requires_grad=True)
    out = op(a, b)
    expected = np_op(a0, b0)
    assert out.shape == expected.shape == g.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    out.backward(g)
    assert a.grad.shape == a0.shape and b.grad.shape == b0.shape
    np.testing.assert_allclose(
        a.grad.data, numpy_unbroadcast(da(a0, b0, g), a0.shape), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        b.grad.data, numpy_unbroadcast(db(a0, b0, g), b0.shape), rtol=1e-12, atol=1e-12
    )


@SETTINGS
@given(data=operands(), scalar=st.floats(-3.0, 3.0).filter(lambda s: abs(s) > 0.1))
def test_python_scalars_on_either_side(data: tuple, scalar: float) -> None:
    a0 = data[0]
    for expr, grad in [
        (lambda x: scalar * x - x / scalar, np.full(a0.shape, scalar - 1.0 / scalar)),
        (lambda x: scalar / x + scalar - x, -scalar / a0**2 - 1.0),
    ]:
        a = Tensor(a0, requires_grad=True)
        y = expr(a)
        assert y.shape == a0.shape and y.dtype == np.float64
        y.backward(np.ones(a0.shape))
        np.testing.assert_allclose(a.grad.data, grad, rtol=1e-12)


@SETTINGS
@given(shapes=shape_pairs)
def test_where_routes_gradient_to_the_chosen_operand(shapes: tuple) -> None:
    (sa, sb), out = shapes
    rng = np.random.default_rng(sum(out) + len(out))
    cond = rng.random(out) < 0.5
    a0, b0 = rng.normal(size=sa), rng.normal(size=sb)
    a, b = Tensor(a0, requires_grad=True), Tensor(b0, requires_grad=True)
    y = ag.where(cond, a, b)
    np.testing.assert_array_equal(y.data, np.where(cond, a0, b0))
    y.backward(np.ones(out))
    np.testing.assert_array_equal(a.grad.data, numpy_unbroadcast(cond * 1.0, sa))
    np.testing.assert_array_equal(b.grad.data, numpy_unbroadcast(~cond * 1.0, sb))


@SETTINGS
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple),
    data=st.data(),
)
def test_reductions_over_random_axes(shape: tuple, data: st.DataObject) -> None:
    ndim = len(shape)
    axes = data.draw(
        st.lists(st.integers(-ndim, ndim - 1), unique_by=lambda a: a % ndim, max_size=ndim).map(
            tuple
        ),
        label="axes",
    )
    axis = None if not axes else axes
    keepdims = data.draw(st.booleans(), label="keepdims")
    x0 = np.random.default_rng(len(shape)).normal(size=shape)
    x = Tensor(x0, requires_grad=True)
    y = x.sum(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(y.data, x0.sum(axis=axis, keepdims=keepdims), rtol=1e-12)
    y.backward(np.ones(y.shape))
    np.testing.assert_array_equal(x.grad.data, np.ones(shape))
    x.grad = None
    m = x.mean(axis=axis, keepdims=keepdims)
    m.backward(np.ones(m.shape))
    n = x0.size // max(m.numel(), 1)
    np.testing.assert_allclose(x.grad.data, np.full(shape, 1.0 / n), rtol=1e-12)
