"""softplus, log_sigmoid (logsigmoid) and logaddexp: stable at any magnitude, as PyTorch.

The ordinary cases (gradcheck, second order, values and gradients vs torch) are rows of
``test_tensor_cases.py``; here: the extremes where the naive formulas overflow,

    softplus(x)    = log(1 + e^x)            e^1000 = inf
    log_sigmoid(x) = -log(1 + e^-x)          e^1000 = inf
    logaddexp(a, b) = log(e^a + e^b)         e^1000 + e^1000 = inf, e^-1000 = 0

and PyTorch's ``threshold``: softplus is x itself where beta x > threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional

EXTREMES = [-1000.0, -50.0, -20.5, -1e-3, 0.0, 1e-3, 19.9, 20.0, 20.1, 50.0, 1000.0]


def _both(ours: Callable, theirs: Callable, *columns: list[float], dtype: Any) -> None:
    xs = [Tensor(np.array(c, dtype=dtype), requires_grad=True) for c in columns]
    ts = [
        torch.tensor(c, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
        for c in columns
    ]
    y, ty = ours(*xs), theirs(*ts)
    y.sum().backward()
    ty.sum().backward()
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-6, atol=0)
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-6, atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta,threshold", [(1.0, 20.0), (2.0, 3.0), (0.5, 20.0)])
def test_softplus_matches_torch_at_extremes(dtype: Any, beta: float, threshold: float) -> None:
    _both(
        lambda x: ag.softplus(x, beta=beta, threshold=threshold),
        lambda x: F.softplus(x, beta=beta, threshold=threshold),
        EXTREMES,
        dtype=dtype,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_sigmoid_matches_torch_at_extremes(dtype: Any) -> None:
    _both(ag.log_sigmoid, F.logsigmoid, EXTREMES, dtype=dtype)
    assert ag.logsigmoid is ag.log_sigmoid


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logaddexp_matches_torch_at_extremes(dtype: Any) -> None:
    a = [1000.0, -1000.0, 1000.0, 0.0, 3.0, -2.0]
    b = [1000.0, -1000.0, -1000.0, -np.inf, 3.0, 5.0]
    _both(ag.logaddexp, torch.logaddexp, a, b, dtype=dtype)


def test_exact_values() -> None:
    x = Tensor([0.0, 1000.0, -1000.0], dtype=np.float64, requires_grad=True)
    np.testing.assert_array_equal(ag.softplus(x).data, [np.log(2.0), 1000.0, 0.0])
    np.testing.assert_array_equal(ag.log_sigmoid(x).data, [-np.log(2.0), 0.0, -1000.0])
    y = ag.logaddexp(x, x)
    np.testing.assert_allclose(y.data, x.data + np.log(2.0), rtol=1e-15)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])  # 1/2 + 1/2


def test_softplus_is_linear_above_the_threshold() -> None:
    x = Tensor([10.0, 10.5], dtype=np.float64, requires_grad=True)
    y = x.softplus(beta=2.0, threshold=20.0)  # beta x = 20 (not above), 21 (above)
    assert y.data[1] == 10.5 and y.data[0] != 10.0
    y.sum().backward()
    assert x.grad.data[1] == 1.0 and x.grad.data[0] < 1.0


def test_softplus_second_derivative_matches_torch() -> None:
    # d2/dx2 softplus = beta sigma(bx)(1 - sigma(bx)): the backward is differentiable
    xs = np.array([-3.0, -0.5, 0.25, 2.0])
    x = Tensor(xs, requires_grad=True)
    (g,) = ag.grad(ag.softplus(x, beta=1.5).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    t = torch.tensor(xs, requires_grad=True)
    (tg,) = torch.autograd.grad(F.softplus(t, beta=1.5).sum(), t, create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), t)
    np.testing.assert_allclose(h.data, th.numpy(), rtol=1e-12)


def test_bad_arguments_name_the_op() -> None:
    x = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="softplus.*beta"):
        ag.softplus(x, beta=0.0)
    with pytest.raises(ValueError, match="logaddexp.*shapes"):
        ag.logaddexp(x, Tensor([1.0, 2.0, 3.0]))


def test_drawings_show_the_rules() -> None:
    from viz.graph.rules import derivative_rule

    a = Tensor([1.0], requires_grad=True, label="a")
    b = Tensor([2.0], requires_grad=True, label="b")
    assert derivative_rule(ag.logaddexp(a, b), 1, ["a", "b"]) == "∂/∂b = gy·σ(b − a)"
    assert derivative_rule(ag.softplus(a), 0, ["a"]) == "∂/∂a = gy·σ(β·a)"
    assert derivative_rule(ag.log_sigmoid(a), 0, ["a"]) == "∂/∂a = gy·σ(−a)"


def test_functional_names_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    import nn.functional as F

    x = np.linspace(-30.0, 30.0, 13)
    np.testing.assert_allclose(
        F.softplus(Tensor(x), beta=2.0).data,
        torch.nn.functional.softplus(torch.tensor(x), beta=2.0).numpy(),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        F.logsigmoid(Tensor(x)).data,
        torch.nn.functional.logsigmoid(torch.tensor(x)).numpy(),
        rtol=1e-12,
    )
