"""Layers and their functional forms.

Against PyTorch (float64, same weights): outputs and the gradients of a randomly
weighted sum of the output w.r.t. the input and every parameter. Without a PyTorch
equivalent (Maxout) a NumPy reference; statistics for Dropout and the default init;
central-difference gradient checks (first and second order) for the functional ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor

F64 = np.float64
RTOL, ATOL = 1e-10, 1e-12


def randomize(module: nn.Module, seed: int) -> None:
    """Non-trivial parameter values (e.g. a different PReLU slope per channel)."""
    rng = np.random.default_rng(seed)
    for p in module.parameters():
        p.data = rng.uniform(-1.0, 1.0, size=p.shape)


def copy_params(ours: nn.Module, theirs: Any, torch: Any) -> None:
    with torch.no_grad():
        names = [n for n, _ in theirs.named_parameters()]
        assert names == [n for n, _ in ours.named_parameters()]
        for name, p in ours.named_parameters():
            theirs.get_parameter(name).copy_(torch.from_numpy(p.data.copy()))


def compare_module(ours: nn.Module, theirs: Any, x: np.ndarray, torch: Any, seed: int = 0) -> None:
    """Equal outputs; equal gradients w.r.t. the input and each parameter."""
    xt = Tensor(x.copy(), requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    out, tout = ours(xt), theirs(tx)
    assert out.shape == tuple(tout.shape)
    assert out.dtype == F64
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    w = np.random.default_rng(seed).uniform(-1.0, 1.0, size=out.shape)
    (out * w).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(
        xt.grad.data, tx.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg="input gradient"
    )
    for name, p in ours.named_parameters():
        tp = theirs.get_parameter(name)
        assert p.grad is not None, f"{name} received no gradient"
        np.testing.assert_allclose(
            p.grad.data, tp.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"gradient of {name}"
        )


# (ours factory, torch factory, input shape)
LayerCase = tuple[Callable[[], nn.Module], Callable[[Any], Any], tuple[int, ...]]


def case(ours: Callable[[], nn.Module], theirs: Callable[[Any], Any], shape: tuple, id: str) -> Any:
    return pytest.param(ours, theirs, shape, id=id)


LAYER_CASES = [
    case(lambda: nn.Linear(4, 3, dtype=F64), lambda t: t.nn.Linear(4, 3), (5, 4), "linear-2d"),
    case(lambda: nn.Linear(4, 3, dtype=F64), lambda t: t.nn.Linear(4, 3), (2, 5, 4), "linear-3d"),
    case(lambda: nn.Linear(4, 3, dtype=F64), lambda t: t.nn.Linear(4, 3), (4,), "linear-1d"),
    case(
        lambda: nn.Linear(4, 3, bias=False, dtype=F64),
        lambda t: t.nn.Linear(4, 3, bias=False),
        (5, 4),
        "linear-nobias-2d",
    ),
    case(
        lambda: nn.Linear(4, 3, bias=False, dtype=F64),
        lambda t: t.nn.Linear(4, 3, bias=False),
        (2, 3, 4),
        "linear-nobias-3d",
    ),
    case(lambda: nn.Linear(1, 1, dtype=F64), lambda t: t.nn.Linear(1, 1), (6, 1), "linear-1x1"),
    case(nn.ReLU, lambda t: t.nn.ReLU(), (4, 5), "relu"),
    case(nn.LeakyReLU, lambda t: t.nn.LeakyReLU(), (4, 5), "leaky-relu-default"),
    case(lambda: nn.LeakyReLU(0.3), lambda t: t.nn.LeakyReLU(0.3), (2, 3, 4), "leaky-relu-0.3"),
    case(lambda: nn.PReLU(dtype=F64), lambda t: t.nn.PReLU(), (4, 5), "prelu-1"),
    case(lambda: nn.PReLU(dtype=F64), lambda t: t.nn.PReLU(), (3, 4, 5), "prelu-1-ncl"),
    case(lambda: nn.PReLU(4, dtype=F64), lambda t: t.nn.PReLU(4), (6, 4), "prelu-C-nc"),
    case(lambda: nn.PReLU(4, dtype=F64), lambda t: t.nn.PReLU(4), (3, 4, 5), "prelu-C-ncl"),
    case(lambda: nn.PReLU(2, dtype=F64), lambda t: t.nn.PReLU(2), (2, 2, 3, 3), "prelu-C-nchw"),
    case(nn.Sigmoid, lambda t: t.nn.Sigmoid(), (4, 5), "sigmoid"),
    case(nn.Tanh, lambda t: t.nn.Tanh(), (4, 5), "tanh"),
    case(nn.Softmax, lambda t: t.nn.Softmax(dim=-1), (4, 5), "softmax-last"),
    case(lambda: nn.Softmax(dim=0), lambda t: t.nn.Softmax(dim=0), (4, 5), "softmax-dim0"),
    case(lambda: nn.Softmax(dim=1), lambda t: t.nn.Softmax(dim=1), (2, 4, 3), "softmax-dim1-3d"),
    case(nn.LogSoftmax, lambda t: t.nn.LogSoftmax(dim=-1), (4, 5), "logsoftmax-last"),
    case(lambda: nn.LogSoftmax(dim=0), lambda t: t.nn.LogSoftmax(dim=0), (4, 5), "logsoftmax-dim0"),
    case(
        lambda: nn.LogSoftmax(dim=1),
        lambda t: t.nn.LogSoftmax(dim=1),
        (2, 4, 3),
        "logsoftmax-dim1-3d",
    ),
    case(nn.Identity, lambda t: t.nn.Identity(), (3, 4), "identity"),
    case(nn.Flatten, lambda t: t.nn.Flatten(), (2, 3, 4, 5), "flatten-default"),
    case(lambda: nn.Flatten(0, -1), lambda t: t.nn.Flatten(0, -1), (2, 3, 4), "flatten-all"),
    case(lambda: nn.Flatten(1, 2), lambda t: t.nn.Flatten(1, 2), (2, 3, 4, 5), "flatten-1-2"),
    case(
        lambda: nn.Sequential(nn.Linear(4, 6, dtype=F64), nn.Tanh(), nn.Linear(6, 2, dtype=F64)),
        lambda t: t.nn.Sequential(t.nn.Linear(4, 6), t.nn.Tanh(), t.nn.Linear(6, 2)),
        (5, 4),
        "sequential",
    ),
]


@pytest.mark.parametrize(("make_ours", "make_theirs", "shape"), LAYER_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_layer_matches_torch(
    make_ours: Callable, make_theirs: Callable, shape: tuple, seed: int, torch: Any
) -> None:
    ours, theirs = make_ours(), make_theirs(torch).double()
    randomize(ours, seed)
    copy_params(ours, theirs, torch)
    x = np.random.default_rng(100 + seed).normal(size=shape) * 2.0
    compare_module(ours, theirs, x, torch, seed=seed)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.9])
def test_dropout_eval_matches_torch_identity(p: float, torch: Any) -> None:
    ours, theirs = nn.Dropout(p).eval(), torch.nn.Dropout(p).eval()
    x = np.random.default_rng(0).normal(size=(4, 5))
    compare_module(ours, theirs, x, torch)


def test_linear_layout_and_errors() -> None:
    lin = nn.Linear(4, 3)
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    assert lin.weight.dtype == np.float32
    assert nn.Linear(4, 3, bias=False).bias is None
    assert [n for n, _ in nn.Linear(4, 3, bias=False).named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match=r"\(2, 5\)"):
        lin(Tensor(np.zeros((2, 5))))
    with pytest.raises(ValueError):
        nn.Linear(0, 3)


def test_linear_textbook_gradients() -> None:
    """dE/dW = delta^T z and dE/db = sum of delta (rows are samples)."""
    rng = np.random.default_rng(0)
    lin = nn.Linear(4, 3, dtype=F64, rng=0)
    z = rng.normal(size=(5, 4))
    delta = rng.normal(size=(5, 3))
    x = Tensor(z, requires_grad=True)
    lin(x).backward(delta)
    np.testing.assert_allclose(lin.weight.grad.data, delta.T @ z, rtol=1e-14)
    np.testing.assert_allclose(lin.bias.grad.data, delta.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, delta @ lin.weight.data, rtol=1e-14)


def test_linear_seed_reproducible() -> None:
    a, b, c = nn.Linear(5, 4, rng=7), nn.Linear(5, 4, rng=7), nn.Linear(5, 4, rng=8)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


# ----------------------------------------------------------------------------- default init
@pytest.mark.parametrize("fan_in", [3, 64, 300])
def test_linear_default_init_matches_pytorch_rule(fan_in: int) -> None:
    """W, b ~ U(-1/sqrt(in), 1/sqrt(in)): inside the bound, variance 1/(3 in)."""
    lin = nn.Linear(fan_in, 4000, rng=0)
    bound = 1.0 / np.sqrt(fan_in)
    for arr in (lin.weight.data, lin.bias.data):
        a = arr.astype(F64)
        assert np.abs(a).max() <= bound * (1 + 1e-6)
        assert np.abs(a).max() > 0.99 * bound  # fills the whole interval
        assert abs(a.mean()) < 5 * bound / np.sqrt(3 * a.size)
        assert a.var() == pytest.approx(1.0 / (3 * fan_in), rel=0.06)


def test_mlp_default_init_statistics() -> None:
    model = nn.MLP([50, 100, 30, 10], rng=0)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(50, 100), (100, 30), (30, 10)]
    scaled = []
    for m in linears:
        bound = 1.0 / np.sqrt(m.in_features)
        for p in (m.weight, m.bias):
            assert np.abs(p.data).max() <= bound * (1 + 1e-6)
            scaled.append(p.data.astype(F64).ravel() / bound)  # ~ U(-1, 1)
    u = np.concatenate(scaled)
    assert u.var() == pytest.approx(1.0 / 3.0, rel=0.05)
    assert abs(u.mean()) < 0.03


def test_mlp_structure() -> None:
    m = nn.MLP([4, 8, 8, 3])
    assert [type(x).__name__ for x in m.layers] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    m = nn.MLP([4, 8, 3], activation="tanh", output_activation="softmax", dropout=0.2)
    assert [type(x).__name__ for x in m.layers] == [
        "Linear",
        "Tanh",
        "Dropout",
        "Linear",
        "Softmax",
    ]
    m = nn.MLP([4, 8, 3], activation=lambda: nn.LeakyReLU(0.2))
    assert m.layers[1].negative_slope == 0.2
    m = nn.MLP([4, 8, 8, 3], activation=nn.Sigmoid)
    assert m.layers[1] is not m.layers[3]  # a fresh activation per layer
    with pytest.raises(ValueError):
        nn.MLP([4])
    with pytest.raises(ValueError, match="swish"):
        nn.MLP([4, 3, 2], activation="swish")
    y = nn.MLP([4, 8, 3])(Tensor(np.ones((2, 4), dtype=np.float32)))
    assert y.shape == (2, 3)


# ----------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_train_statistics(p: float) -> None:
    x = Tensor(np.ones((200, 500)), requires_grad=True)
    y = nn.Dropout(p, rng=0)(x)
    zero_fraction = float((y.data == 0).mean())
    n = y.numel()
    assert abs(zero_fraction - p) < 5 * np.sqrt(p * (1 - p) / n)
    survivors = y.data[y.data != 0]
    np.testing.assert_allclose(survivors, 1.0 / (1.0 - p), rtol=1e-12)
    # expectation preserved: E[y] = x
    assert abs(y.data.mean() - 1.0) < 5 * np.sqrt(p / (1 - p) / n)
    # gradient is the same mask
    w = np.random.default_rng(1).normal(size=y.shape)
    (y * w).sum().backward()
    np.testing.assert_allclose(x.grad.data, w * y.data, rtol=1e-12)


def test_dropout_mean_preserved_on_random_input() -> None:
    x = np.random.default_rng(0).normal(loc=3.0, size=(400, 400))
    y = nn.Dropout(0.4, rng=1)(Tensor(x)).data
    assert y.mean() == pytest.approx(x.mean(), rel=0.02)
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.6, rtol=1e-12)


def test_dropout_eval_is_identity_and_modes() -> None:
    d = nn.Dropout(0.5, rng=0)
    x = Tensor(np.random.default_rng(0).normal(size=(20, 20)), requires_grad=True)
    d.eval()
    y = d(x)
    np.testing.assert_array_equal(y.data, x.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((20, 20)))
    d.train()
    assert (d(x).data == 0).any()


def test_dropout_edge_probabilities_and_errors() -> None:
    x = Tensor(np.random.default_rng(0).normal(size=(10, 10)))
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)
    assert not nn.Dropout(1.0)(x).data.any()
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError):
            nn.Dropout(p)
        with pytest.raises(ValueError):
            F.dropout(x, p)


def test_dropout_seed_reproducible() -> None:
    x = Tensor(np.ones((30, 30)))
    a, b = nn.Dropout(0.5, rng=3)(x).data, nn.Dropout(0.5, rng=3)(x).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, nn.Dropout(0.5, rng=4)(x).data)


# ----------------------------------------------------------------------------- batch norm
def bn_pair(torch: Any, c: int, seed: int, **kw: Any) -> tuple[nn.BatchNorm1d, Any]:
    ours = nn.BatchNorm1d(c, dtype=F64, **kw)
    theirs = torch.nn.BatchNorm1d(c, **kw).double()
    randomize(ours, seed)
    copy_params(ours, theirs, torch)
    return ours, theirs


def assert_running_stats_equal(ours: nn.BatchNorm1d, theirs: Any) -> None:
    np.testing.assert_allclose(
        ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked)


@pytest.mark.parametrize("shape", [(8, 3), (5, 3, 4)], ids=["NC", "NCL"])
@pytest.mark.parametrize("momentum", [0.1, 0.35])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm1d_train_then_eval_matches_torch(
    shape: tuple, momentum: float, affine: bool, torch: Any
) -> None:
    c = shape[1]
    ours, theirs = bn_pair(torch, c, seed=1, momentum=momentum, affine=affine)
    rng = np.random.default_rng(0)
    for step in range(4):
        x = rng.normal(loc=step - 1.0, scale=1.0 + step, size=shape)
        ours.zero_grad()
        theirs.zero_grad()
        compare_module(ours, theirs, x, torch, seed=step)
        assert_running_stats_equal(ours, theirs)
    assert int(ours.num_batches_tracked) == 4
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    compare_module(ours, theirs, rng.normal(size=shape), torch, seed=9)
    assert_running_stats_equal(ours, theirs)  # eval does not update
    assert int(ours.num_batches_tracked) == 4


def test_batchnorm1d_no_running_stats_matches_torch(torch: Any) -> None:
    ours, theirs = bn_pair(torch, 3, seed=2, track_running_stats=False)
    assert ours.running_mean is None
    x = np.random.default_rng(0).normal(size=(6, 3))
    compare_module(ours, theirs, x, torch)
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    compare_module(ours, theirs, x, torch)  # still batch statistics


@pytest.mark.parametrize("shape", [(10, 3), (4, 3, 5)], ids=["NC", "NCL"])
def test_batchnorm1d_running_statistics_formula(shape: tuple) -> None:
    """running = (1 - m) running + m batch, with the unbiased (n - 1) batch variance."""
    m = 0.2
    bn = nn.BatchNorm1d(3, momentum=m, dtype=F64)
    rng = np.random.default_rng(0)
    mean, var = np.zeros(3), np.ones(3)
    axes = (0,) + tuple(range(2, len(shape)))
    for _ in range(3):
        x = rng.normal(loc=2.0, scale=3.0, size=shape)
        y = bn(Tensor(x)).data
        mean = (1 - m) * mean + m * x.mean(axis=axes)
        var = (1 - m) * var + m * x.var(axis=axes, ddof=1)
        np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
        np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)
        # the output itself is normalised with the biased variance
        expand = (1, 3) + (1,) * (len(shape) - 2)
        ref = (x - x.mean(axis=axes).reshape(expand)) / np.sqrt(
            x.var(axis=axes).reshape(expand) + 1e-5
        )
        np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-12)
    bn.eval()
    x = rng.normal(size=shape)
    expand = (1, 3) + (1,) * (len(shape) - 2)
    ref = (x - mean.reshape(expand)) / np.sqrt(var.reshape(expand) + 1e-5)
    np.testing.assert_allclose(bn(Tensor(x)).data, ref, rtol=1e-10)


def test_batchnorm1d_errors() -> None:
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="3"):
        bn(Tensor(np.zeros((4, 5))))
    with pytest.raises(ValueError):
        bn(Tensor(np.zeros((2, 3, 4, 5))))
    with pytest.raises(ValueError):
        bn(Tensor(np.zeros((1, 3))))  # one value per channel cannot be normalised
    bn.eval()
    assert bn(Tensor(np.zeros((1, 3)))).shape == (1, 3)


def test_batchnorm1d_momentum_none_cumulative_average(torch: Any) -> None:
    ours, theirs = bn_pair(torch, 3, seed=0, momentum=None)
    rng = np.random.default_rng(0)
    for step in range(3):
        compare_module(ours, theirs, rng.normal(size=(6, 3)), torch, seed=step)
        assert_running_stats_equal(ours, theirs)


# ----------------------------------------------------------------------------- maxout
def maxout_reference(x: np.ndarray, k: int, axis: int) -> np.ndarray:
    axis %= x.ndim
    shape = x.shape[:axis] + (x.shape[axis] // k, k) + x.shape[axis + 1 :]
    return x.reshape(shape).max(axis=axis + 1)


@pytest.mark.parametrize(
    ("shape", "k", "dim"),
    [
        ((5, 12), 3, -1),
        ((5, 12), 4, 1),
        ((5, 12), 1, -1),
        ((5, 12), 12, -1),
        ((2, 6, 4), 2, 1),
        ((2, 3, 8), 4, -1),
        ((6, 3), 2, 0),
    ],
)
def test_maxout_matches_numpy_reference(shape: tuple, k: int, dim: int) -> None:
    x = np.random.default_rng(0).permutation(np.prod(shape)).reshape(shape) / 7.0 - 3.0
    xt = Tensor(x, requires_grad=True)
    y = nn.Maxout(k, dim=dim)(xt)
    ref = maxout_reference(x, k, dim)
    assert y.shape == ref.shape
    np.testing.assert_array_equal(y.data, ref)
    # gradient: the upstream value goes to the arg-max of each group, 0 elsewhere
    w = np.random.default_rng(1).normal(size=ref.shape)
    (y * w).sum().backward()
    axis = dim % x.ndim
    winners = np.repeat(ref, k, axis=axis) == x
    expected = np.where(winners, np.repeat(w, k, axis=axis), 0.0)
    np.testing.assert_array_equal(xt.grad.data, expected)


def test_maxout_textbook_unit() -> None:
    """Linear with k*units outputs, then max over each group of k consecutive outputs."""
    lin, mo = nn.Linear(4, 6, dtype=F64, rng=0), nn.Maxout(3)
    x = np.random.default_rng(0).normal(size=(5, 4))
    u = x @ lin.weight.data.T + lin.bias.data
    expected = np.stack([u[:, 0:3].max(axis=1), u[:, 3:6].max(axis=1)], axis=1)
    np.testing.assert_allclose(mo(lin(Tensor(x))).data, expected, rtol=1e-14)


def test_maxout_errors() -> None:
    with pytest.raises(ValueError):
        nn.Maxout(0)
    with pytest.raises(ValueError, match="3"):
        F.maxout(Tensor(np.zeros((2, 5))), 3)


# ----------------------------------------------------------------------------- activations
def test_prelu_textbook_formula_and_slope_gradient() -> None:
    """f(u) = a min(0, u) + max(0, u);  df/da = min(0, u)."""
    u = np.array([[-2.0, -0.5, 0.5, 3.0], [1.0, -1.0, -4.0, 2.0]])
    layer = nn.PReLU(init=0.1, dtype=F64)
    y = layer(Tensor(u))
    np.testing.assert_allclose(y.data, 0.1 * np.minimum(u, 0) + np.maximum(u, 0))
    y.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.data, [np.minimum(u, 0).sum()])
    per_channel = nn.PReLU(4, init=0.2, dtype=F64)
    per_channel(Tensor(u)).sum().backward()
    np.testing.assert_allclose(per_channel.weight.grad.data, np.minimum(u, 0).sum(axis=0))


def test_softmax_properties_and_stability() -> None:
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, 0.0], [0.0, 0.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.softmax(Tensor(x), dim=1).data
        logy = F.log_softmax(Tensor(x), dim=1).data
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(logy))
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-15)
    shifted = x - x.max(axis=1, keepdims=True)
    ref = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(y, ref, rtol=1e-14)
    np.testing.assert_allclose(logy[1], [-1000.0, -1000.0, 0.0], atol=1e-12)
    # shift invariance
    np.testing.assert_allclose(F.softmax(Tensor(x + 123.0), dim=1).data, y, rtol=1e-12)


def test_activation_derivative_identities() -> None:
    """sigma' = sigma (1 - sigma), tanh' = 1 - tanh^2, relu' = [u > 0]."""
    u = np.random.default_rng(0).normal(size=(50,)) * 3
    for layer, deriv in [
        (nn.Sigmoid(), lambda y: y * (1 - y)),
        (nn.Tanh(), lambda y: (1 - y) * (1 + y)),  # = 1 - y^2, without cancellation
        (nn.ReLU(), lambda y: (u > 0).astype(F64)),
        (nn.LeakyReLU(0.1), lambda y: np.where(u > 0, 1.0, 0.1)),
        (nn.Identity(), lambda y: np.ones_like(u)),
    ]:
        x = Tensor(u, requires_grad=True)
        y = layer(x)
        y.sum().backward()
        np.testing.assert_allclose(
            x.grad.data, deriv(y.data), rtol=1e-12, err_msg=type(layer).__name__
        )


def test_functional_activations_equal_modules() -> None:
    x = Tensor(np.random.default_rng(0).normal(size=(3, 4)))
    np.testing.assert_array_equal(F.relu(x).data, nn.ReLU()(x).data)
    np.testing.assert_array_equal(F.tanh(x).data, nn.Tanh()(x).data)
    np.testing.assert_array_equal(F.sigmoid(x).data, nn.Sigmoid()(x).data)
    np.testing.assert_array_equal(F.leaky_relu(x, 0.2).data, nn.LeakyReLU(0.2)(x).data)
    np.testing.assert_array_equal(F.softmax(x, dim=0).data, nn.Softmax(0)(x).data)
    np.testing.assert_array_equal(F.log_softmax(x, dim=0).data, nn.LogSoftmax(0)(x).data)


@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.2}, {"negative_slope": 0.0}])
def test_functional_leaky_relu_takes_pytorchs_negative_slope(torch: Any, kwargs: dict) -> None:
    x = np.array([[-2.0, -0.5, 0.0], [0.25, 1.5, -3.0]])
    ours = Tensor(x, requires_grad=True)
    y = F.leaky_relu(ours, **kwargs)
    theirs = torch.tensor(x, requires_grad=True)
    want = torch.nn.functional.leaky_relu(theirs, **kwargs)
    np.testing.assert_array_equal(y.data, want.detach().numpy())
    gy = np.arange(6.0).reshape(2, 3) - 2.5
    y.backward(Tensor(gy))
    want.backward(torch.tensor(gy))
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


# ----------------------------------------------------------------------------- gradcheck
def t64(rng: np.random.Generator, *shape: int, grad: bool = True, scale: float = 1.0) -> Tensor:
    return Tensor(rng.normal(size=shape) * scale, dtype=F64, requires_grad=grad)


def distinct(rng: np.random.Generator, *shape: int) -> Tensor:
    """Values at least 0.1 apart, so max/kinks are far from the finite-difference step."""
    x = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.03
    return Tensor(x, dtype=F64, requires_grad=True)


GRADCHECK_CASES = [
    pytest.param(
        lambda x, w, b: F.linear(x, w, b),
        lambda r: (t64(r, 4, 3), t64(r, 2, 3), t64(r, 2)),
        id="linear",
    ),
    pytest.param(
        lambda x, w, b: F.linear(x, w, b),
        lambda r: (t64(r, 2, 3, 3), t64(r, 2, 3), t64(r, 2)),
        id="linear-3d",
    ),
    pytest.param(
        lambda x, w: F.linear(x, w), lambda r: (t64(r, 4, 3), t64(r, 2, 3)), id="linear-nobias"
    ),
    pytest.param(
        lambda x, a: F.prelu(x, a), lambda r: (distinct(r, 3, 4), t64(r, 1)), id="prelu-1"
    ),
    pytest.param(
        lambda x, a: F.prelu(x, a), lambda r: (distinct(r, 3, 4, 2), t64(r, 4)), id="prelu-C"
    ),
    pytest.param(lambda x: F.maxout(x, 3), lambda r: (distinct(r, 2, 6),), id="maxout"),
    pytest.param(
        lambda x: F.maxout(x, 2, dim=1), lambda r: (distinct(r, 2, 4, 3),), id="maxout-dim1"
    ),
    pytest.param(lambda x: F.softmax(x, dim=-1), lambda r: (t64(r, 3, 4),), id="softmax"),
    pytest.param(lambda x: F.softmax(x, dim=0), lambda r: (t64(r, 3, 4),), id="softmax-dim0"),
    pytest.param(lambda x: F.log_softmax(x, dim=-1), lambda r: (t64(r, 3, 4),), id="log_softmax"),
    pytest.param(
        lambda x: F.log_softmax(x, dim=1), lambda r: (t64(r, 2, 3, 2),), id="log_softmax-dim1"
    ),
    pytest.param(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda r: (t64(r, 5, 3, scale=2.0), t64(r, 3), t64(r, 3)),
        id="batch_norm-NC",
    ),
    pytest.param(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda r: (t64(r, 3, 2, 4), t64(r, 2), t64(r, 2)),
        id="batch_norm-NCL",
    ),
    pytest.param(
        lambda x: F.batch_norm(x, np.zeros(3), np.ones(3), training=True),
        lambda r: (t64(r, 4, 3),),
        id="batch_norm-running-stats",
    ),
]


@pytest.mark.parametrize(("fn", "make"), GRADCHECK_CASES)
def test_gradcheck(fn: Callable, make: Callable) -> None:
    inputs = make(np.random.default_rng(0))
    assert ag.gradcheck(fn, *inputs)


GRADGRAD_CASES = [
    pytest.param(lambda x: F.softmax(x, dim=-1), lambda r: (t64(r, 3, 4),), id="softmax"),
    pytest.param(lambda x: F.softmax(x, dim=0), lambda r: (t64(r, 3, 4),), id="softmax-dim0"),
    pytest.param(lambda x: F.log_softmax(x, dim=-1), lambda r: (t64(r, 3, 4),), id="log_softmax"),
    pytest.param(
        lambda x: F.log_softmax(x, dim=0), lambda r: (t64(r, 3, 4),), id="log_softmax-dim0"
    ),
    pytest.param(
        lambda x, w, b: F.linear(x, w, b),
        lambda r: (t64(r, 4, 3), t64(r, 2, 3), t64(r, 2)),
        id="linear",
    ),
    pytest.param(
        lambda x, w, b: F.linear(x, w, b).tanh(),
        lambda r: (t64(r, 2, 2, 3), t64(r, 2, 3), t64(r, 2)),
        id="linear-3d-tanh",
    ),
    pytest.param(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda r: (t64(r, 5, 3, scale=2.0), t64(r, 3), t64(r, 3)),
        id="batch_norm",
    ),
]


@pytest.mark.parametrize(("fn", "make"), GRADGRAD_CASES)
def test_gradgradcheck(fn: Callable, make: Callable) -> None:
    inputs = make(np.random.default_rng(0))
    assert ag.gradgradcheck(fn, *inputs)


def test_gradcheck_detects_a_wrong_layer_gradient() -> None:
    """The checks above can fail: a deliberately wrong backward is caught."""

    class BadScale(ag.Function):
        def forward(self, x: np.ndarray) -> np.ndarray:
            return 3.0 * x

        def backward(self, gy: Tensor) -> Tensor:
            return gy * 2.0

    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(lambda x: BadScale.apply(x), t64(np.random.default_rng(0), 3))


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Linear(3, 2),
        lambda: nn.PReLU(3),
        lambda: nn.BatchNorm1d(3),
        lambda: nn.MLP([3, 4, 2]),
        nn.Softmax,
        nn.LogSoftmax,
        lambda: nn.Maxout(3),
    ],
    ids=["linear", "prelu", "batchnorm", "mlp", "softmax", "logsoftmax", "maxout"],
)
def test_float32_stays_float32(make: Callable) -> None:
    layer = make()
    x = Tensor(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    y = layer(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    for name, p in layer.named_parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32, name
