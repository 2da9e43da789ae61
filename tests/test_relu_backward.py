"""ReLU's backward: the unrecorded route multiplies by the bool mask on the arrays, the
recorded one (``create_graph=True``) by Tensor ops. Both must give PyTorch's gradient,
keep the dtype, and agree with each other, at zeros and nan too (relu'(0) = 0; a nan
input passes its gradient, as in PyTorch). (A nan *gradient* where x <= 0 gives nan * 0 =
nan here but 0 in PyTorch, whose backward selects instead of multiplying; not tested.)"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor


def _inputs(dtype: type) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((9, 13)).astype(dtype)
    x[0, :4] = [0.0, -0.0, np.nan, 1e-30]
    gy = rng.standard_normal((9, 13)).astype(dtype)
    return x, gy


def _ours(x: np.ndarray, gy: np.ndarray, create_graph: bool) -> np.ndarray:
    t = Tensor(x, requires_grad=True)
    t.relu().backward(Tensor(gy), create_graph=create_graph)
    assert t.grad is not None
    return t.grad.data


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("create_graph", [False, True])
def test_relu_grad_matches_torch_and_keeps_dtype(dtype: type, create_graph: bool) -> None:
    torch = pytest.importorskip("torch")
    x, gy = _inputs(dtype)
    g = _ours(x, gy, create_graph)
    xt = torch.tensor(x, requires_grad=True)
    torch.relu(xt).backward(torch.tensor(gy))
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, xt.grad.numpy())  # a product by 0 or 1: exact


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_both_routes_give_the_same_gradient(dtype: type) -> None:
    x, gy = _inputs(dtype)
    np.testing.assert_array_equal(_ours(x, gy, False), _ours(x, gy, True))
    expected = gy * (x > 0)
    expected[0, 2] = gy[0, 2]  # nan input: the gradient passes
    np.testing.assert_array_equal(_ours(x, gy, False), expected)


def test_non_contiguous_input_and_gradient() -> None:
    x, gy = _inputs(np.float64)
    xs, gs = x.T[::2], gy.T[::2]  # strided views, (7, 9)
    assert not xs.flags.c_contiguous and not gs.flags.c_contiguous
    g = _ours(xs, gs, False)
    expected = gs * (xs > 0)
    expected[~(xs <= 0) & ~(xs > 0)] = gs[~(xs <= 0) & ~(xs > 0)]
    np.testing.assert_array_equal(g, expected)


def test_relu_gradcheck_float64_away_from_the_kink() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 6))
    x[np.abs(x) < 0.05] = 0.5  # central differences need |x| > h
    gy = rng.standard_normal((5, 6))
    g = _ours(x, gy, False)
    h = 1e-6
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        numeric[idx] = ((np.maximum(xp, 0) - np.maximum(xm, 0)) * gy).sum() / (2 * h)
    np.testing.assert_allclose(g, numeric, rtol=1e-7, atol=1e-9)


def test_create_graph_records_the_product_with_the_upstream_gradient() -> None:
    # g = gy * [x > 0] is recorded: its derivative with respect to gy is the mask itself
    # (and relu'' = 0, so g does not depend on x)
    x, gy = _inputs(np.float64)
    x[0, 2] = 1.0  # no nan for this one
    t = Tensor(x, requires_grad=True)
    up = Tensor(gy, requires_grad=True)
    (g,) = autograd.grad(t.relu(), t, grad_outputs=up, create_graph=True)
    assert g.requires_grad
    (g2,) = autograd.grad(g.sum(), up)
    np.testing.assert_array_equal(g2.data, (x > 0).astype(np.float64))
