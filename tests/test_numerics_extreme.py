"""Exact numerics at extreme and non-finite inputs (issue 11), checked against PyTorch.

Part 1 pins the reported defects one by one: the sigmoid's tails, BCE of a saturated
sigmoid, cross-entropy with a -inf logit, L^inf pooling. Part 2 sweeps a fixed grid of
extreme values through every elementwise op, loss and activation; part 3 lets
Hypothesis draw inputs from the same extreme pool. Both compare with PyTorch in float32
and float64: forward values within a few ulps, nan/inf in the same places, and
gradients equal wherever PyTorch's are finite (nan/inf where PyTorch's are).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from autograd import Tensor
from nn import functional as F
from nn.functional.pooling import lp_pool2d
from nn.layers.pooling import LPPool2d

torch = pytest.importorskip("torch")
TF = torch.nn.functional

DTYPES = (np.float32, np.float64)
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def ulps(dtype: type) -> float:
    """The relative tolerance used throughout: four machine epsilons of ``dtype``."""
    return 4.0 * float(np.finfo(dtype).eps)


def assert_close(actual: object, desired: object, dtype: type, err_msg: str = "") -> None:
    """Equal within 4 ulps, with nan and +-inf in the same places.

    Below the smallest normal number results may differ absolutely by up to that number:
    PyTorch's vectorized exp flushes results there to 0 (sigma(-720) = 0 in float64),
    while NumPy keeps IEEE gradual underflow (sigma(-720) = 2.9e-313). Both are within
    one smallest-normal of the exact value; neither is treated as a defect.
    """
    np.testing.assert_allclose(actual, desired, rtol=ulps(dtype),
                               atol=float(np.finfo(dtype).tiny), err_msg=err_msg)


def exact_sigmoid(x: float) -> float:
    """sigma(x) = 1 / (1 + e^-x) to 50 digits (mpmath), as a Python float."""
    with mpmath.workdps(50):
        return float(1 / (1 + mpmath.exp(-mpmath.mpf(x))))


# ================================================================ part 1: the defects
SIGMOID_POINTS = [-745.0, -710.0, -104.0, -88.0, -40.0, -20.0, -17.0, -3.0, -1e-30, 0.0,
                  1e-30, 3.0, 17.0, 20.0, 40.0, 88.0, 710.0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_is_accurate_in_both_tails(dtype: type) -> None:
    # the old tanh form 0.5 (tanh(x/2) + 1) gave sigma(-17) = 5.96e-8 in float32 (the
    # spacing of floats near 1, not e^-17) and sigma(-40) = 0 in float64
    x = np.array(SIGMOID_POINTS, dtype=dtype)
    got = Tensor(x).sigmoid().data
    assert got.dtype == dtype
    expected = np.array([exact_sigmoid(float(v)) for v in x]).astype(dtype)
    np.testing.assert_allclose(got, expected, rtol=ulps(dtype), atol=float(np.finfo(dtype).tiny))
    assert_close(got, torch.sigmoid(torch.from_numpy(x)).numpy(), dtype)


def test_sigmoid_tails_pinned() -> None:
    f32 = Tensor(np.array([-17.0], dtype=np.float32)).sigmoid().data[0]
    assert abs(f32 - 4.1399378e-8) < 1e-14
    f64 = Tensor(np.array([-40.0])).sigmoid().data[0]
    assert f64 == pytest.approx(4.248354255291589e-18, rel=1e-15)
    ends = Tensor(np.array([-np.inf, np.inf, np.nan])).sigmoid().data
    np.testing.assert_array_equal(ends, [0.0, 1.0, np.nan])


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_gradient_matches_torch_in_the_tails(dtype: type) -> None:
    x = np.array(SIGMOID_POINTS, dtype=dtype)
    ours = Tensor(x.copy(), requires_grad=True)
    ours.sigmoid().sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    torch.sigmoid(theirs).sum().backward()
    assert_close(ours.grad.data, theirs.grad.numpy(), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x", [-20.0, -17.0, -40.0, -88.0, -104.0, 17.0, 20.0, 40.0])
@pytest.mark.parametrize("target", [0.0, 1.0])
def test_bce_of_saturated_sigmoid_matches_torch(dtype: type, x: float, target: float) -> None:
    # float32 BCE(sigmoid(-20), 1) was 100 (log clamped at -100) with gradient -0.0;
    # PyTorch gives 20 and -1
    ours = Tensor(np.array(x, dtype=dtype), requires_grad=True)
    loss = F.binary_cross_entropy(ours.sigmoid(), np.array(target, dtype=dtype))
    loss.backward()
    theirs = torch.tensor(x, dtype=TORCH_DTYPE[dtype], requires_grad=True)
    tloss = TF.binary_cross_entropy(torch.sigmoid(theirs), torch.tensor(target, dtype=theirs.dtype))
    tloss.backward()
    assert_close(loss.data, tloss.item(), dtype)
    assert_close(ours.grad.data, theirs.grad.item(), dtype)


def test_bce_of_sigmoid_minus_20_float32_is_20_with_gradient_minus_1() -> None:
    x = Tensor(np.array(-20.0, dtype=np.float32), requires_grad=True)
    loss = F.binary_cross_entropy(x.sigmoid(), np.array(1.0, dtype=np.float32))
    loss.backward()
    assert loss.item() == 20.0
    assert x.grad.item() == -1.0


def test_bce_gradient_clamp_is_torchs_float32_epsilon() -> None:
    # PyTorch divides by max(y (1 - y), EPSILON) with EPSILON the float 1e-12, also in
    # float64: at y = 0, d = 0.3 the gradient is -0.3 / 9.99999996e-13, not -0.3 / 1e-12
    y = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    F.binary_cross_entropy(y, np.array([0.3, 0.3]), reduction="sum").backward()
    ty = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    TF.binary_cross_entropy(ty, torch.tensor([0.3, 0.3], dtype=torch.float64),
                            reduction="sum").backward()
    np.testing.assert_allclose(y.grad.data, ty.grad.numpy(), rtol=1e-15, atol=0.0)


# ---------------------------------------------------------------- cross-entropy and -inf
INF_ROWS = [[-np.inf, 0.0, 1.0], [0.5, -np.inf, 2.0], [-np.inf, -np.inf, 0.0],
            [3.0, -np.inf, -np.inf], [-1e30, 0.0, 1e30]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_cross_entropy_with_minus_inf_logit_matches_torch(dtype: type, reduction: str) -> None:
    # a -inf logit of a class that is not the target used to make 0 * (-inf) = nan
    u = np.array(INF_ROWS, dtype=dtype)
    target = np.array([2, 0, 2, 0, 2])
    ours = Tensor(u.copy(), requires_grad=True)
    loss = F.cross_entropy(ours, target, reduction=reduction)
    theirs = torch.tensor(u, requires_grad=True)
    tloss = TF.cross_entropy(theirs, torch.from_numpy(target), reduction=reduction)
    w = np.linspace(0.5, 1.5, loss.size).reshape(loss.shape).astype(dtype)
    (loss * w).sum().backward()
    (tloss * torch.from_numpy(w)).sum().backward()
    assert np.isfinite(loss.data).all()
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=ulps(dtype), atol=0.0)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=ulps(dtype),
                               atol=ulps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_minus_inf_target_logit_is_inf_as_torch(dtype: type) -> None:
    u = np.array([[-np.inf, 0.0, 1.0]], dtype=dtype)
    ours = Tensor(u.copy(), requires_grad=True)
    loss = F.cross_entropy(ours, np.array([0]))
    loss.backward()
    assert loss.item() == np.inf
    theirs = torch.tensor(u, requires_grad=True)
    TF.cross_entropy(theirs, torch.tensor([0])).backward()
    assert_close(ours.grad.data, theirs.grad.numpy(), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_probability_targets_with_minus_inf_logit(dtype: type) -> None:
    # Deliberate difference: PyTorch forms t * log p before summing, so a class with
    # probability 0 and logit -inf gives 0 * (-inf) = nan and a nan loss -- while its own
    # gradient (softmax - t) is finite. We use the convention 0 log 0 = 0 (PyTorch's
    # torch.special.xlogy): the loss is finite, and the gradient equals PyTorch's.
    u = np.array(INF_ROWS, dtype=dtype)
    t = np.array([[0.0, 0.25, 0.75], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0],
                  [0.0, 0.0, 1.0]], dtype=dtype)
    ours = Tensor(u.copy(), requires_grad=True)
    loss = F.cross_entropy(ours, t, reduction="none")
    theirs = torch.tensor(u, requires_grad=True)
    tloss = TF.cross_entropy(theirs, torch.from_numpy(t), reduction="none")
    assert torch.isnan(tloss).any()  # PyTorch's nan, the difference documented above
    logp = torch.log_softmax(torch.from_numpy(u), dim=1)
    expected = -(torch.from_numpy(t) * torch.where(torch.from_numpy(t) > 0, logp, 0)).sum(dim=1)
    np.testing.assert_allclose(loss.data, expected.numpy(), rtol=ulps(dtype), atol=0.0)
    loss.sum().backward()
    tloss.sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=ulps(dtype),
                               atol=ulps(dtype))


# ---------------------------------------------------------------- L^inf pooling
POOL_X = np.array([[[[1.0, -3.0, 0.5, 2.0],
                     [2.0, 0.5, -7.0, 1.0],
                     [0.0, 0.25, 4.0, -4.0],
                     [-0.5, 6.0, 1.0, 1.0]]]])


@pytest.mark.parametrize("norm_type", [float("inf"), -float("inf")])
@pytest.mark.parametrize("kernel, stride, ceil_mode", [(2, None, False), (3, 1, False),
                                                       (3, 2, True), ((2, 3), (1, 2), False)])
def test_lp_pool2d_infinite_norm_matches_torch(norm_type: float, kernel: object,
                                               stride: object, ceil_mode: bool) -> None:
    # PyTorch: p = inf is max pooling of |x|, p = -inf is min pooling of |x| (the L^p
    # limits); the old pow form gave (sum x^inf)^(1/inf) = 1 in every window
    expected_layer = torch.nn.LPPool2d(norm_type, kernel, stride, ceil_mode)
    theirs = torch.tensor(POOL_X, requires_grad=True)
    texpected = expected_layer(theirs)
    for fn in (LPPool2d(norm_type, kernel, stride, ceil_mode),
               lambda x: lp_pool2d(x, norm_type, kernel, stride, ceil_mode)):
        ours = Tensor(POOL_X.copy(), requires_grad=True)
        out = fn(ours)
        np.testing.assert_array_equal(out.data, texpected.detach().numpy())
        w = np.arange(1.0, out.size + 1).reshape(out.shape)
        (out * w).sum().backward()
        theirs.grad = None
        (texpected * torch.from_numpy(w)).sum().backward(retain_graph=True)
        np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


def test_lp_pool2d_infinite_norm_is_window_max_of_abs() -> None:
    out = LPPool2d(float("inf"), 2)(Tensor(POOL_X)).data
    np.testing.assert_array_equal(out, [[[[3.0, 7.0], [6.0, 4.0]]]])
    # the textbook's mean form has the same limit: ((1/|P|) sum |z|^p)^(1/p) -> max |z|
    mean = lp_pool2d(Tensor(POOL_X), float("inf"), 2, mean=True).data
    np.testing.assert_array_equal(mean, out)
    low = lp_pool2d(Tensor(POOL_X), -float("inf"), 2, mean=True).data
    np.testing.assert_array_equal(low, [[[[0.5, 0.5], [0.0, 1.0]]]])


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, 1.5, -2.0])
@pytest.mark.parametrize("mean", [False, True])
def test_lp_pool2d_all_zero_window_has_zero_gradient(norm_type: float, mean: bool) -> None:
    # PyTorch: "if the sum of all inputs to the power of p is zero, the gradient is set to
    # zero as well" -- the root s^(1/p) has an infinite slope at s = 0, and the old code
    # sent inf * 0 = nan into every pixel of the window (nan weights after one ReLU step
    # of zeros); p = 1 sent 1 where PyTorch sends 0
    x = np.array([[[[0.0, 0.0, 1.0, -2.0], [0.0, 0.0, -1.0, 0.5]]]])
    if norm_type < 0:
        x[0, 0, :, :2] = np.inf  # x^p = 0 there
    ours = Tensor(x.copy(), requires_grad=True)
    out = lp_pool2d(ours, norm_type, 2, mean=mean)
    scale = 0.25 if mean else 1.0  # mean form = sum form * (1/|P|)^(1/p)
    theirs = torch.tensor(x, requires_grad=True)
    texpected = TF.lp_pool2d(theirs, norm_type, 2) * scale ** (1.0 / norm_type)
    assert_close(out.data, texpected.detach().numpy(), np.float64)
    w = np.array([[[[1.5, -0.5]]]])
    (out * w).sum().backward()
    (texpected * torch.from_numpy(w)).sum().backward()
    assert_close(ours.grad.data, theirs.grad.numpy(), np.float64)
    np.testing.assert_array_equal(ours.grad.data[0, 0, :, :2], 0.0)
