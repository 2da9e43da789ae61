"""Equality with PyTorch: values and gradients of every op case, in float64.

For each case of the shared table the same float64 inputs go through deltagrad and
PyTorch; the outputs must agree, and so must the gradients of ``sum(w * out)`` with
respect to every input for a random weighting ``w`` (so every output element matters).
The second half pins the subgradients at ties and kinks, where finite differences say
nothing and PyTorch's choice is the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_tensor_cases import ALL_CASES, Case, tdims

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-10, 1e-12


def compare(
    fn: Callable[..., Tensor],
    torch_fn: Callable[..., Any],
    arrays: list[np.ndarray],
    seed: int = 0,
) -> None:
    """Assert equal outputs and equal gradients of a random-weighted sum of the output."""
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, tout = fn(*ours), torch_fn(*theirs)
    assert out.shape == tuple(tout.shape)
    assert out.dtype == np.dtype(str(tout.dtype).removeprefix("torch."))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=RTOL, atol=ATOL)

    w = np.random.default_rng(seed).uniform(-1.0, 1.0, size=out.shape)
    (out * w.astype(out.dtype)).sum().backward()
    (tout * torch.from_numpy(w).to(tout.dtype)).sum().backward()
    for i, (t, tt) in enumerate(zip(ours, theirs)):
        expected = np.zeros(t.shape) if tt.grad is None else tt.grad.numpy()
        assert t.grad is not None, f"input {i} received no gradient"
        np.testing.assert_allclose(
            t.grad.data, expected, rtol=RTOL, atol=ATOL, err_msg=f"gradient of input {i}"
        )


@pytest.mark.parametrize("c", ALL_CASES)
def test_matches_torch(c: Case) -> None:
    assert c.torch_fn is not None
    compare(c.fn, c.torch_fn, c.arrays(seed=0), seed=0)
    compare(c.fn, c.torch_fn, c.arrays(seed=1), seed=1)


# ----------------------------------------------------------------------------- ties and kinks
TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 0.0, 2.0], [-1.0, -1.0, -1.0, -1.0]])

TIE_CASES = [
    # full reductions: torch.max(x) / torch.min(x) split the gradient evenly among ties
    pytest.param(lambda x: x.max(), lambda x: x.max(), id="max_full"),
    pytest.param(lambda x: x.min(), lambda x: x.min(), id="min_full"),
    pytest.param(
        lambda x: ag.max(x, keepdims=True),
        lambda x: x.amax(dim=(0, 1), keepdim=True),
        id="max_full_keepdims",
    ),
    # amax/amin split the gradient evenly among ties, over one or several dims
    pytest.param(lambda x: x.amax(axis=1), lambda x: x.amax(dim=1), id="amax_axis1"),
    pytest.param(lambda x: x.amax(dim=0), lambda x: x.amax(dim=0), id="amax_dim0"),
    pytest.param(
        lambda x: x.amin(axis=-1, keepdims=True),
        lambda x: x.amin(dim=-1, keepdim=True),
        id="amin_axis_keepdims",
    ),
    pytest.param(lambda x: x.amin(dim=(0, 1)), lambda x: x.amin(dim=(0, 1)), id="amin_dims"),
    # max/min(dim) send the whole gradient to the index they return (the first tie)
    pytest.param(lambda x: x.max(dim=1).values, lambda x: x.max(dim=1).values, id="max_dim1"),
    pytest.param(lambda x: x.max(axis=0).values, lambda x: x.max(dim=0).values, id="max_axis0"),
    pytest.param(
        lambda x: x.min(-1, True).values, lambda x: x.min(-1, True).values, id="min_dim_keepdim"
    ),
    pytest.param(lambda x: x.relu(), lambda x: x.relu(), id="relu"),
    pytest.param(lambda x: (x - 2.0).relu(), lambda x: (x - 2.0).relu(), id="relu_at_zero"),
    pytest.param(lambda x: (x - 2.0).abs(), lambda x: (x - 2.0).abs(), id="abs_at_zero"),
    pytest.param(
        lambda x: (x - 2.0).leaky_relu(0.1),
        lambda x: torch.nn.functional.leaky_relu(x - 2.0, 0.1),
        id="leaky_at_zero",
    ),
    pytest.param(lambda x: x.clip(-1.0, 2.0), lambda x: x.clamp(-1.0, 2.0), id="clip_at_bounds"),
    pytest.param(lambda x: x.clip(0.0, 1.0), lambda x: x.clamp(0.0, 1.0), id="clip_outside"),
]


@pytest.mark.parametrize(("fn", "torch_fn"), TIE_CASES)
def test_ties_and_kinks_match_torch(fn: Callable, torch_fn: Callable) -> None:
    compare(fn, torch_fn, [TIES], seed=2)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_elementwise_extremum_ties_match_torch(name: str) -> None:
    a = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]])
    b = np.array([1.0, 0.5, 3.0])  # ties at (0,0), (0,2), (1,0), (1,1), broadcast over rows
    compare(getattr(ag, name), getattr(torch, name), [a, b], seed=3)
    compare(lambda x: getattr(ag, name)(x, x), lambda x: getattr(torch, name)(x, x), [a], seed=4)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_max_min_along_dim_return_torchs_indices_and_gradient(name: str, dim: int) -> None:
    """``max(dim)``/``min(dim)`` return (values, indices) and send the whole gradient to
    the returned index, as ``torch.max(x, dim)``; ``amax`` splits it among ties."""
    x = Tensor(TIES, requires_grad=True)
    values, indices = getattr(x, name)(dim=dim)
    (values * Tensor(np.arange(1.0, values.numel() + 1).reshape(values.shape))).sum().backward()
    tx = torch.tensor(TIES, requires_grad=True)
    tv, ti = getattr(torch, name)(tx, dim=dim)
    (tv * torch.arange(1.0, tv.numel() + 1, dtype=torch.float64).reshape(tv.shape)).sum().backward()
    np.testing.assert_array_equal(values.data, tv.detach().numpy())
    np.testing.assert_array_equal(indices.data, ti.numpy())
    assert indices.dtype == np.int64 and ti.dtype == torch.int64
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    assert getattr(x, name)(dim).values is not None  # positional dim, named fields
    x.grad = None
    getattr(x, "a" + name)(dim=dim).sum().backward()
    extremes = TIES == getattr(TIES, name)(axis=dim, keepdims=True)
    np.testing.assert_array_equal(x.grad.data != 0, extremes)  # amax reaches every tie
    assert extremes.sum() > values.numel() or dim == 0  # TIES has ties along dims 1 and -1


# ----------------------------------------------------------------------------- second order
# (ours, torch's) when the spellings differ, else one function for both
SECOND_ORDER = [
    pytest.param(lambda x: (x.tanh() * x).sum(), id="tanh"),
    pytest.param(lambda x: (x.sigmoid() * x.exp()).sum(), id="sigmoid_exp"),
    pytest.param(lambda x: ((x * x + 1.0).log() * x.sin()).sum(), id="log_sin"),
    pytest.param(lambda x: ((x * x + 1.0).sqrt() / (x.cos() + 2.0)).sum(), id="sqrt_div_cos"),
    pytest.param(lambda x: (x @ x.T).tanh().sum(), id="matmul"),
    pytest.param(lambda x: x.logsumexp(axis=1).sum() + (x**3).mean(), id="logsumexp_pow"),
    pytest.param(
        (
            lambda x: x.var(axis=0, ddof=0).sum() * x.sum(),
            lambda x: x.var(dim=0, correction=0).sum() * x.sum(),
        ),
        id="var",
    ),
    pytest.param(lambda x: x.var(dim=1).sum() * x.sum(), id="var_default_unbiased"),
    pytest.param(
        lambda x: (x.max(dim=1).values * x.topk(2, dim=0).values.sum()).sum(), id="max_dim_topk"
    ),
    pytest.param(
        (
            lambda x: (x[[0, 0, 1]] * x[:, ::-1][[1, 0, 0]]).sum(),
            lambda x: (x[[0, 0, 1]] * x.flip(1)[[1, 0, 0]]).sum(),
        ),
        id="indexing",
    ),
    pytest.param(
        (
            lambda x: ag.stack([x, x * x], axis=1).amax(axis=1).sum(),
            lambda x: torch.stack([x, x * x], dim=1).amax(dim=1).sum(),
        ),
        id="stack_max",
    ),
]


@pytest.mark.parametrize("f", SECOND_ORDER)
def test_hessian_vector_products_match_torch(f: Any) -> None:
    """d/dx (v . grad f(x)) -- the Hessian-vector product -- in both engines."""
    f, tf = f if isinstance(f, tuple) else (f, f)
    rng = np.random.default_rng(11)
    x0, v = rng.uniform(-1.0, 1.0, size=(2, 3)), rng.uniform(-1.0, 1.0, size=(2, 3))
    x = Tensor(x0, requires_grad=True)
    (g,) = ag.grad(f(x), x, create_graph=True)
    (hv,) = ag.grad((g * v).sum(), x)
    tx = torch.tensor(x0, requires_grad=True)
    (tg,) = torch.autograd.grad(tf(tx), tx, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.from_numpy(v)).sum(), tx)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(hv.data, thv.numpy(), rtol=RTOL, atol=ATOL)


def test_tdims_helper() -> None:
    assert tdims(None, 3) == (0, 1, 2)
    assert tdims(-1, 3) == (-1,)
    assert tdims((0, 2), 3) == (0, 2)
