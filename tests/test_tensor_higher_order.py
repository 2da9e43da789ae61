"""Second and higher derivatives: backward passes recorded with ``create_graph=True``.

Every case of the shared op table goes through ``autograd.gradgradcheck`` (piecewise
linear ops included: away from their kinks the second derivative is 0 and must come out
as 0). Then closed-form derivatives a reader can check by hand, a Newton iteration
driven by ``grad(grad(f))``, and the contract of ``autograd.grad`` /
``backward(create_graph=True)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from test_tensor_cases import ALL_CASES, Case

import autograd as ag
from autograd import Tensor


def f64(a: Any, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def derivative(y: Tensor, x: Tensor) -> Tensor:
    """dy/dx as a differentiable Tensor (elementwise functions: d sum(y) / dx)."""
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    return g


# ----------------------------------------------------------------------------- the table
@pytest.mark.parametrize("c", ALL_CASES)
def test_gradgradcheck(c: Case) -> None:
    inputs = c.tensors(seed=2)
    assert ag.gradgradcheck(c.fn, *inputs, **c.tol) is True
    assert all(t.grad is None for t in inputs)


def test_gradgradcheck_catches_a_wrong_second_derivative() -> None:
    class BadSquare(ag.Function):
        def forward(self, x: np.ndarray) -> np.ndarray:
            self.save(x)
            return x * x

        def backward(self, gy: Tensor) -> Tensor:
            # right value, but built from a constant copy of x: d/dx of it is lost
            (x,) = self.saved_tensors
            return gy * 2.0 * x.detach()

    x = f64([0.5, 1.5])
    assert ag.gradcheck(lambda t: BadSquare.apply(t), x)
    with pytest.raises(ag.GradcheckError):
        ag.gradgradcheck(lambda t: BadSquare.apply(t), x)


# ----------------------------------------------------------------------------- closed forms
XS = np.linspace(-2.0, 2.0, 9)


def test_second_derivative_of_tanh() -> None:
    x = f64(XS)
    d2 = derivative(derivative(x.tanh(), x), x)
    t = np.tanh(XS)
    np.testing.assert_allclose(d2.data, -2.0 * t * (1.0 - t**2), rtol=1e-12, atol=1e-15)


def test_second_derivative_of_cube() -> None:
    x = f64(XS)
    d1 = derivative(x**3, x)
    np.testing.assert_allclose(d1.data, 3.0 * XS**2, rtol=1e-12)
    d2 = derivative(d1, x)
    np.testing.assert_allclose(d2.data, 6.0 * XS, rtol=1e-12, atol=1e-15)


def test_third_and_fourth_derivatives_of_x4() -> None:
    x = f64(XS)
    d = x**4
    expected = [4.0 * XS**3, 12.0 * XS**2, 24.0 * XS, np.full_like(XS, 24.0)]
    for order, want in enumerate(expected, start=1):
        d = derivative(d, x)
        np.testing.assert_allclose(d.data, want, rtol=1e-12, atol=1e-12, err_msg=f"order {order}")


def test_nth_derivative_of_sin_cycles() -> None:
    x = f64(XS)
    d = x.sin()
    cycle = [np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v), np.sin]
    for order in range(8):
        d = derivative(d, x)
        np.testing.assert_allclose(d.data, cycle[order % 4](XS), rtol=1e-12, atol=1e-14)


def _sig(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


THIRD = [
    pytest.param(lambda x: x.exp(), np.exp, id="exp"),
    pytest.param(lambda x: x.log(), lambda v: 2.0 / v**3, id="log"),
    pytest.param(lambda x: x.sqrt(), lambda v: 0.375 * v**-2.5, id="sqrt"),
    pytest.param(lambda x: 1.0 / x, lambda v: -6.0 / v**4, id="reciprocal"),
    pytest.param(lambda x: x**2.5, lambda v: 2.5 * 1.5 * 0.5 * v**-0.5, id="pow_scalar"),
    pytest.param(
        lambda x: x ** Tensor(np.full(9, 2.5)), lambda v: 2.5 * 1.5 * 0.5 * v**-0.5, id="pow_tensor"
    ),
    pytest.param(lambda x: x.sin(), lambda v: -np.cos(v), id="sin"),
    pytest.param(lambda x: x.cos(), np.sin, id="cos"),
    pytest.param(
        lambda x: x.tanh(),
        lambda v: -2.0 * (1 - np.tanh(v) ** 2) * (1 - 3 * np.tanh(v) ** 2),
        id="tanh",
    ),
    pytest.param(
        lambda x: x.sigmoid(),
        lambda v: _sig(v) * (1 - _sig(v)) * (1 - 6 * _sig(v) + 6 * _sig(v) ** 2),
        id="sigmoid",
    ),
]


@pytest.mark.parametrize(("f", "d3"), THIRD)
def test_third_derivatives(f: Any, d3: Any) -> None:
    v = np.linspace(0.3, 2.5, 9)  # positive: inside every domain above
    x = f64(v)
    d = f(x)
    for _ in range(3):
        d = derivative(d, x)
    np.testing.assert_allclose(d.data, d3(v), rtol=1e-10, atol=1e-12)


def test_hessian_of_logsumexp_is_softmax_covariance() -> None:
    v = np.array([0.2, -1.0, 0.7, 1.5])
    x = f64(v)
    (g,) = ag.grad(x.logsumexp(), x, create_graph=True)
    p = np.exp(v) / np.exp(v).sum()
    np.testing.assert_allclose(g.data, p, rtol=1e-12)
    hessian = np.stack([ag.grad(g[i], x)[0].data for i in range(4)])
    np.testing.assert_allclose(hessian, np.diag(p) - np.outer(p, p), rtol=1e-10, atol=1e-14)


def test_mixed_partials_are_symmetric() -> None:
    x, y = f64(0.7), f64(-1.3)
    f = (x * x * y).sin() + (x / (y * y))
    fx, fy = ag.grad(f, [x, y], create_graph=True)
    (fxy,) = ag.grad(fx, y)
    (fyx,) = ag.grad(fy, x)
    xv, yv = 0.7, -1.3
    exact = math.cos(xv**2 * yv) * 2 * xv - math.sin(xv**2 * yv) * xv**3 * 2 * yv - 2.0 / yv**3
    np.testing.assert_allclose(fxy.data, exact, rtol=1e-12)
    np.testing.assert_allclose(fyx.data, exact, rtol=1e-12)


def test_hessian_of_quadratic_form() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=(3, 3))
    x = f64(rng.normal(size=3))
    f = x @ (Tensor(a) @ x)  # x^T A x, Hessian A + A^T
    (g,) = ag.grad(f, x, create_graph=True)
    np.testing.assert_allclose(g.data, (a + a.T) @ x.data, rtol=1e-12)
    rows = [ag.grad(g[i], x)[0].data for i in range(3)]
    np.testing.assert_allclose(np.stack(rows), a + a.T, rtol=1e-12)


def test_piecewise_linear_second_derivatives_are_zero() -> None:
    x = f64([-1.5, -0.3, 0.4, 2.0])
    for y in (
        x.relu(),
        x.abs(),
        x.leaky_relu(0.2),
        x.clip(-1.0, 1.0),
        ag.maximum(x, 0.1 * x),
        x.amax(axis=0, keepdims=True),
        x.max(dim=0, keepdim=True).values,
        x.topk(2).values,
    ):
        g = derivative(y, x)
        (h,) = ag.grad(g.sum(), x, allow_unused=True)
        assert h is None or not np.any(h.data)


# ----------------------------------------------------------------------------- Newton
def test_newton_minimisation_with_grad_of_grad() -> None:
    """Newton's method x <- x - f'(x)/f''(x) on f(x) = x^4 - 3x^2 + x from x = 2.

    f' and f'' both come from the engine: f'' by differentiating f'."""

    def f(x: Tensor) -> Tensor:
        return x**4 - 3.0 * x**2 + x

    x = 2.0
    for _ in range(30):
        t = f64(x)
        (d1,) = ag.grad(f(t), t, create_graph=True)
        (d2,) = ag.grad(d1, t)
        step = d1.item() / d2.item()
        x -= step
        if abs(step) < 1e-14:
            break
    assert abs(4 * x**3 - 6 * x + 1) < 1e-12  # f'(x) = 0
    assert 12 * x**2 - 6 > 0  # a minimum, f''(x) > 0
    np.testing.assert_allclose(x, 1.1309011, atol=1e-6)


def test_newton_on_a_vector_function_converges_in_one_step_for_a_quadratic() -> None:
    rng = np.random.default_rng(8)
    m = rng.normal(size=(3, 3))
    a = m @ m.T + 3 * np.eye(3)  # positive definite
    b = rng.normal(size=3)
    x = f64(np.zeros(3))
    f = 0.5 * (x @ (Tensor(a) @ x)) - Tensor(b) @ x
    (g,) = ag.grad(f, x, create_graph=True)
    hessian = np.stack([ag.grad(g[i], x)[0].data for i in range(3)])
    x_new = x.data - np.linalg.solve(hessian, g.data)
    np.testing.assert_allclose(a @ x_new, b, rtol=1e-10)


# ----------------------------------------------------------------------------- grad() contract
def test_grad_returns_a_tuple_and_leaves_dot_grad_alone() -> None:
    x, y = f64([1.0, 2.0]), f64([3.0, -1.0])
    x.grad = Tensor(np.array([100.0, 100.0]))
    out = (x * y).sum()
    result = ag.grad(out, [x, y])
    assert isinstance(result, tuple) and len(result) == 2
    np.testing.assert_array_equal(result[0].data, y.data)
    np.testing.assert_array_equal(result[1].data, x.data)
    np.testing.assert_array_equal(x.grad.data, [100.0, 100.0])  # untouched
    assert y.grad is None
    single = ag.grad(out, x)
    assert isinstance(single, tuple) and len(single) == 1


def test_grad_with_grad_outputs_and_create_graph() -> None:
    x = f64([0.5, -1.0, 2.0])
    y = x**3
    v = np.array([1.0, 2.0, -1.0])
    (g,) = ag.grad(y, x, grad_outputs=Tensor(v), create_graph=True)
    np.testing.assert_allclose(g.data, v * 3 * x.data**2, rtol=1e-14)
    assert g.requires_grad and not g.is_leaf
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, v * 6 * x.data, rtol=1e-14)
    assert x.grad is None


def test_grad_with_respect_to_an_interior_node() -> None:
    x = f64([1.0, 2.0])
    h = x * 3.0
    y = (h * h).sum()
    (gh,) = ag.grad(y, h)
    np.testing.assert_array_equal(gh.data, 2 * h.data)
    assert h.grad is None and x.grad is None  # restored, nothing accumulated


def test_grad_restores_gradients_when_it_fails() -> None:
    x = f64([1.0, 2.0])
    x.grad = Tensor(np.array([7.0, 7.0]))
    h = x * 3.0
    with pytest.raises(ValueError, match="shape"):
        ag.grad(h, x, grad_outputs=np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [7.0, 7.0])
    assert h.grad is None


def test_grad_with_several_outputs() -> None:
    x = f64([1.0, 2.0])
    y1, y2 = x * 2.0, x * x
    (g,) = ag.grad([y1, y2], x, grad_outputs=[np.ones(2), np.array([1.0, 10.0])])
    np.testing.assert_allclose(g.data, [2.0 + 2.0, 2.0 + 40.0], rtol=1e-14)


def test_grad_without_create_graph_is_constant() -> None:
    x = f64([1.0, 2.0])
    (g,) = ag.grad((x**3).sum(), x)
    assert not g.requires_grad and g.is_leaf


def test_grad_allow_unused() -> None:
    x, unused = f64([1.0, 2.0]), f64([3.0])
    out = (x * x).sum()
    with pytest.raises(ValueError, match="allow_unused"):
        ag.grad(out, [x, unused])
    gx, gu = ag.grad(out, [x, unused], allow_unused=True)
    np.testing.assert_array_equal(gx.data, [2.0, 4.0])
    assert gu is None


def test_grad_of_a_non_scalar_needs_grad_outputs() -> None:
    x = f64([1.0, 2.0])
    with pytest.raises(ValueError, match="grad="):
        ag.grad(x * 2.0, x)


def test_backward_create_graph_allows_differentiating_dot_grad() -> None:
    x = f64([0.5, 1.5])
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(g.data, 3 * x.data**2, rtol=1e-14)
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data, rtol=1e-14)


def test_gradient_penalty_style_double_backward() -> None:
    """loss = f(w) + |df/dw|^2, the pattern of gradient-penalty training."""
    w = f64([0.3, -0.7])
    f = (w.sin() * w).sum()
    (g,) = ag.grad(f, w, create_graph=True)
    loss = f + (g * g).sum()
    loss.backward()
    wv = w.data
    fp = np.sin(wv) + wv * np.cos(wv)
    fpp = 2 * np.cos(wv) - wv * np.sin(wv)
    np.testing.assert_allclose(w.grad.data, fp + 2 * fp * fpp, rtol=1e-12)


def test_detached_operand_is_constant_in_second_derivative() -> None:
    x = f64([1.0, 2.0, 3.0])
    (g,) = ag.grad((x.detach() * x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, x.data)
    (h,) = ag.grad(g.sum(), x, allow_unused=True)
    assert h is None or not np.any(h.data)


def test_two_tensors_sharing_one_array_are_distinct_in_second_derivative() -> None:
    arr = np.array([1.0, 2.0])
    const, x = Tensor(arr), Tensor(arr, requires_grad=True)
    (g,) = ag.grad((const * x).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x, allow_unused=True)
    assert h is None or not np.any(h.data)


def test_detached_operand_in_first_derivative() -> None:
    x = f64([1.0, 2.0, 3.0])
    (x * x.detach()).sum().backward()
    np.testing.assert_array_equal(x.grad.data, x.data)
    x.grad = None
    (x.detach() * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, x.data)
