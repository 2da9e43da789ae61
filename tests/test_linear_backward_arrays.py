"""LinearOp's backward on plain arrays (the usual case: nothing recorded), including the
one-output-feature outer product, against PyTorch in float32 and float64, and against
the recorded (create_graph) Tensor-op backward."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from nn.functional.linear import linear

TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def rand(*shape: int, seed: int, dtype: Any) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape).astype(dtype)


SHAPES = [
    pytest.param((5,), 1, id="1d-one-output"),
    pytest.param((7, 5), 1, id="2d-one-output"),
    pytest.param((3, 4, 5), 1, id="3d-one-output"),
    pytest.param((7, 5), 3, id="2d"),
    pytest.param((2, 3, 5), 4, id="3d"),
]


@pytest.mark.parametrize("x_shape, out_features", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients_match_torch(
    torch: Any, x_shape: tuple, out_features: int, dtype: Any, bias: bool
) -> None:
    x_np = rand(*x_shape, seed=1, dtype=dtype)
    w_np = rand(out_features, x_shape[-1], seed=2, dtype=dtype)
    b_np = rand(out_features, seed=3, dtype=dtype)
    g_np = rand(*x_shape[:-1], out_features, seed=4, dtype=dtype)
    x, w = Tensor(x_np, requires_grad=True), Tensor(w_np, requires_grad=True)
    b = Tensor(b_np, requires_grad=True) if bias else None
    (linear(x, w, b) * Tensor(g_np)).sum().backward()
    tx = torch.tensor(x_np, requires_grad=True)
    tw = torch.tensor(w_np, requires_grad=True)
    tb = torch.tensor(b_np, requires_grad=True) if bias else None
    (torch.nn.functional.linear(tx, tw, tb) * torch.from_numpy(g_np)).sum().backward()
    pairs = [(x, tx), (w, tw)] + ([(b, tb)] if bias else [])
    for ours, theirs in pairs:
        assert ours.grad.dtype == dtype
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("x_shape, out_features", SHAPES)
def test_array_backward_equals_recorded_backward(x_shape: tuple, out_features: int) -> None:
    """The plain-array backward and the create_graph (Tensor op) backward: same numbers."""
    x = Tensor(rand(*x_shape, seed=5, dtype=np.float64), requires_grad=True)
    w = Tensor(rand(out_features, x_shape[-1], seed=6, dtype=np.float64), requires_grad=True)
    b = Tensor(rand(out_features, seed=7, dtype=np.float64), requires_grad=True)
    g = Tensor(rand(*x_shape[:-1], out_features, seed=8, dtype=np.float64))
    plain = ag.grad((linear(x, w, b) * g).sum(), [x, w, b])
    recorded = ag.grad((linear(x, w, b) * g).sum(), [x, w, b], create_graph=True)
    for p, r in zip(plain, recorded):
        np.testing.assert_allclose(p.data, r.data, rtol=1e-14, atol=1e-15)


def test_linear_gradcheck_one_output() -> None:
    x = Tensor(rand(4, 3, seed=9, dtype=np.float64), requires_grad=True)
    w = Tensor(rand(1, 3, seed=10, dtype=np.float64), requires_grad=True)
    b = Tensor(rand(1, seed=11, dtype=np.float64), requires_grad=True)
    assert ag.gradcheck(lambda x, w, b: (linear(x, w, b) ** 2).sum(), [x, w, b])
