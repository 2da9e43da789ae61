"""SGD forms ``lr * g`` at the commit in one reused buffer (``nn.optim.optimizer.Scaled``).

The buffer is shared by every parameter (of any shape) and every step of a thread, so
these tests check that the numbers are bit-for-bit those of ``w -= lr * g`` with a fresh
temporary, for parameters of different sizes updated in one step (the buffer is resized
and reused in between), in float32 and float64 (dtype kept), with mixed dtypes, momentum
and Nesterov, and step for step against ``torch.optim.SGD``.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD
from nn.optim.optimizer import Scaled

# a large, a small, a non-square and a 0-d parameter: the flat buffer grows, then
# smaller views of it are used, in one step
SHAPES = [(7, 13), (3,), (31, 5), ()]


def _params(dtype: type, seed: int = 0) -> list[Tensor]:
    rng = np.random.default_rng(seed)
    return [Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]


def _set_grads(params: list[Tensor], step: int, grad_dtype: type | None = None) -> list:
    rng = np.random.default_rng(100 + step)
    grads = []
    for p in params:
        g = rng.standard_normal(p.shape).astype(grad_dtype or p.dtype)
        p.grad = Tensor(g)
        grads.append(g)
    return grads


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_plain_sgd_is_bitwise_w_minus_lr_g_and_keeps_the_dtype(dtype: type) -> None:
    params = _params(dtype)
    expected = [p.data.copy() for p in params]
    opt = SGD(params, lr=0.1)
    for step in range(3):
        grads = _set_grads(params, step)
        for e, g in zip(expected, grads):
            e -= 0.1 * g  # the reference: a fresh temporary product
        opt.step()
        for p, e in zip(params, expected):
            assert p.data.dtype == dtype
            np.testing.assert_array_equal(p.data, e)


def test_float64_gradient_on_a_float32_parameter_rounds_as_before() -> None:
    # lr * g is formed in float64 (the gradient's dtype), then subtracted into float32
    params = _params(np.float32)
    expected = [p.data.copy() for p in params]
    grads = _set_grads(params, 0, grad_dtype=np.float64)
    SGD(params, lr=0.3).step()
    for p, e, g in zip(params, expected, grads):
        e -= 0.3 * g
        assert p.data.dtype == np.float32
        np.testing.assert_array_equal(p.data, e)


def test_a_numpy_float64_lr_promotes_the_product_as_lr_times_g_would() -> None:
    (p,) = [Tensor(np.linspace(-1, 1, 6, dtype=np.float32), requires_grad=True)]
    g = np.linspace(0.3, 0.9, 6).astype(np.float32)
    p.grad = Tensor(g)
    lr = np.float64(1 / 3)
    expected = p.data - lr * g  # float32 - float64 product, rounded into float32 below
    SGD([p], lr=lr).step()
    np.testing.assert_array_equal(p.data, expected.astype(np.float32))


def test_scaled_names_its_product_dtype_and_subtracts_in_place() -> None:
    g = np.arange(6, dtype=np.float32).reshape(2, 3)
    s = Scaled(0.5, g)
    assert s.dtype == np.float32
    # a NumPy float64 factor: float64 under NumPy 2, float32 under NumPy 1's value-based
    # casting -- whatever NumPy's own product gives, which is what the commit computes
    assert Scaled(np.float64(0.5), g).dtype == (np.float64(0.5) * g).dtype
    assert Scaled(0.5, g.astype(np.float16)).dtype == np.float16
    assert Scaled(0.5, g.astype(np.int64)).dtype == np.float64  # as 0.5 * int array
    w = np.ones((2, 3), dtype=np.float32)
    before = w
    s.subtract_from(w)
    assert w is before  # in place: a module keeps its arrays
    np.testing.assert_array_equal(w, 1 - 0.5 * g)
    np.testing.assert_array_equal(g, np.arange(6, dtype=np.float32).reshape(2, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01},
        {"lr": 0.1, "maximize": True},
    ],
)
def test_sgd_matches_torch_step_for_step(dtype: type, kwargs: dict) -> None:
    torch = pytest.importorskip("torch")
    params = _params(dtype, seed=3)
    theirs = [torch.tensor(p.data.copy(), requires_grad=True) for p in params]
    ours_opt, torch_opt = SGD(params, **kwargs), torch.optim.SGD(theirs, **kwargs)
    for step in range(4):
        grads = _set_grads(params, step)
        for t, g in zip(theirs, grads):
            t.grad = torch.tensor(g.copy())
        ours_opt.step()
        torch_opt.step()
        for p, t in zip(params, theirs):
            assert p.data.dtype == dtype
            tol = 1e-6 if dtype == np.float32 else 1e-14
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=tol, atol=tol)


def test_a_failed_step_still_changes_nothing() -> None:
    params = _params(np.float64)
    before = [p.data.copy() for p in params]
    _set_grads(params, 0)
    params[2].grad = Tensor(np.zeros((5, 31)))  # wrong shape: the check phase raises
    with pytest.raises(ValueError, match="shape"):
        SGD(params, lr=0.1).step()
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.data, b)


def test_a_parameter_above_the_kept_size_gets_a_fresh_product(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nn.optim.optimizer as optimizer

    monkeypatch.setattr(optimizer, "_KEEP_BYTES", 100)  # 12 float64: (7, 13) is above
    kept = optimizer._commit_buffer((3, 4), np.dtype(np.float64))
    assert optimizer._commit_buffer((2, 6), np.dtype(np.float64)).base is kept.base
    big = optimizer._commit_buffer((7, 13), np.dtype(np.float64))
    assert big.base is None and big.shape == (7, 13)
    # the numbers are the same either way
    params = _params(np.float64)
    expected = [p.data.copy() for p in params]
    grads = _set_grads(params, 0)
    SGD(params, lr=0.2).step()
    for p, e, g in zip(params, expected, grads):
        e -= 0.2 * g
        np.testing.assert_array_equal(p.data, e)
