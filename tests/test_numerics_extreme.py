"""Exact numerics at extreme and non-finite inputs (issue 11), checked against PyTorch.

Part 1 pins the reported defects one by one: the sigmoid's tails, BCE of a saturated
sigmoid, cross-entropy with a -inf logit, L^inf pooling. Part 2 sweeps a fixed grid of
extreme values through every elementwise op, loss and activation; part 3 lets
Hypothesis draw inputs from the same extreme pool. Both compare with PyTorch in float32
and float64: forward values within a few ulps, nan/inf in the same places, and
gradients equal wherever PyTorch's are finite (nan/inf where PyTorch's are).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays as hnp_arrays

import autograd as ag
from autograd import Tensor
from nn import functional as F
from nn.functional.pooling import lp_pool2d, max_pool2d
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
    where the exact result is subnormal, one side may give 0 (an exp that overflowed, as
    in 1 / (1 + e^720) = 0 for sigma(-720), exact 2.9e-313) and the other a subnormal.
    Both are within one smallest-normal of the exact value; neither is a defect.
    """
    np.testing.assert_allclose(
        actual, desired, rtol=ulps(dtype), atol=float(np.finfo(dtype).tiny), err_msg=err_msg
    )


def exact_sigmoid(x: float) -> float:
    """sigma(x) = 1 / (1 + e^-x) to 50 digits (mpmath), as a Python float."""
    with mpmath.workdps(50):
        return float(1 / (1 + mpmath.exp(-mpmath.mpf(x))))


# ================================================================ part 1: the defects
SIGMOID_POINTS = [
    -745.0,
    -710.0,
    -104.0,
    -88.0,
    -40.0,
    -20.0,
    -17.0,
    -3.0,
    -1e-30,
    0.0,
    1e-30,
    3.0,
    17.0,
    20.0,
    40.0,
    88.0,
    710.0,
]


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
    # -1 to an ulp or two (NumPy's and PyTorch's float32 exp may round e^20 differently)
    assert_close(x.grad.data, -1.0, np.float32)


def test_bce_gradient_clamp_is_torchs_float32_epsilon() -> None:
    # PyTorch divides by max(y (1 - y), EPSILON) with EPSILON the float 1e-12, also in
    # float64: at y = 0, d = 0.3 the gradient is -0.3 / 9.99999996e-13, not -0.3 / 1e-12
    y = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    F.binary_cross_entropy(y, np.array([0.3, 0.3]), reduction="sum").backward()
    ty = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    TF.binary_cross_entropy(
        ty, torch.tensor([0.3, 0.3], dtype=torch.float64), reduction="sum"
    ).backward()
    np.testing.assert_allclose(y.grad.data, ty.grad.numpy(), rtol=1e-15, atol=0.0)


def test_bce_target_gradient_is_the_slope_of_the_clamped_loss() -> None:
    # Deliberate difference: dE/dd = -(log y - log(1 - y)). PyTorch takes the logs
    # unclamped there, so at y = 0 or 1 its target gradient is +-inf while its loss is
    # the finite, clamped 100 d (or 100 (1 - d)). Ours uses the same clamped logs as the
    # loss, so the gradient is that loss's slope (what a finite difference measures);
    # for y strictly inside (0, 1) both agree.
    y = np.array([0.0, 1.0, 1e-8, 0.5, 0.9])
    d = np.array([0.3, 0.3, 0.0, 1.0, 0.25])
    target = Tensor(d.copy(), requires_grad=True)
    F.binary_cross_entropy(Tensor(y), target, reduction="sum").backward()
    np.testing.assert_array_equal(target.grad.data[:2], [100.0, -100.0])
    tt = torch.tensor(d, requires_grad=True)
    TF.binary_cross_entropy(torch.tensor(y), tt, reduction="sum").backward()
    assert np.isinf(tt.grad.numpy()[:2]).all()
    assert_close(target.grad.data[2:], tt.grad.numpy()[2:], np.float64)
    h = 1e-6
    for k in range(2):

        def loss(dk: float, k: int = k) -> float:
            dd = d.copy()
            dd[k] = dk
            return F.binary_cross_entropy(Tensor(y), Tensor(dd), reduction="sum").item()

        slope = (loss(d[k] + h) - loss(d[k] - h)) / (2 * h)
        assert slope == pytest.approx(target.grad.data[k], rel=1e-8)


# ---------------------------------------------------------------- cross-entropy and -inf
INF_ROWS = [
    [-np.inf, 0.0, 1.0],
    [0.5, -np.inf, 2.0],
    [-np.inf, -np.inf, 0.0],
    [3.0, -np.inf, -np.inf],
    [-1e30, 0.0, 1e30],
]


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
    w = np.linspace(0.5, 1.5, loss.numel()).reshape(loss.shape).astype(dtype)
    (loss * w).sum().backward()
    (tloss * torch.from_numpy(w)).sum().backward()
    assert np.isfinite(loss.data).all()
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), rtol=ulps(dtype), atol=0.0)
    np.testing.assert_allclose(
        ours.grad.data, theirs.grad.numpy(), rtol=ulps(dtype), atol=ulps(dtype)
    )


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
    t = np.array(
        [[0.0, 0.25, 0.75], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        dtype=dtype,
    )
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
    np.testing.assert_allclose(
        ours.grad.data, theirs.grad.numpy(), rtol=ulps(dtype), atol=ulps(dtype)
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
def test_ignored_sample_with_minus_inf_costs_nothing(
    dtype: type, reduction: str, loss: str
) -> None:
    # an ignored sample (target == ignore_index) must add exactly 0, whatever its row
    # holds; nll_loss multiplied the placeholder pick by a 0/1 mask: -inf * 0 = nan
    x = np.array([[-np.inf, 0.0, -1.0], [0.5, -np.inf, -2.0], [-1.0, -2.0, -3.0]], dtype=dtype)
    target = np.array([-100, 0, 2])
    ours = Tensor(x.copy(), requires_grad=True)
    out = getattr(F, loss)(ours, target, reduction=reduction)
    theirs = torch.tensor(x, requires_grad=True)
    tout = getattr(TF, loss)(theirs, torch.from_numpy(target), reduction=reduction)
    assert_close(out.data, tout.detach().numpy(), dtype)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(
        ours.grad.data, theirs.grad.numpy(), rtol=ulps(dtype), atol=ulps(dtype)
    )


# ---------------------------------------------------------------- L^inf pooling
POOL_X = np.array(
    [
        [
            [
                [1.0, -3.0, 0.5, 2.0],
                [2.0, 0.5, -7.0, 1.0],
                [0.0, 0.25, 4.0, -4.0],
                [-0.5, 6.0, 1.0, 1.0],
            ]
        ]
    ]
)


@pytest.mark.parametrize("norm_type", [float("inf"), -float("inf")])
@pytest.mark.parametrize(
    "kernel, stride, ceil_mode",
    [(2, None, False), (3, 1, False), (3, 2, True), ((2, 3), (1, 2), False)],
)
def test_lp_pool2d_infinite_norm_matches_torch(
    norm_type: float, kernel: object, stride: object, ceil_mode: bool
) -> None:
    # PyTorch: p = inf is max pooling of |x|, p = -inf is min pooling of |x| (the L^p
    # limits); the old pow form gave (sum x^inf)^(1/inf) = 1 in every window
    expected_layer = torch.nn.LPPool2d(norm_type, kernel, stride, ceil_mode)
    theirs = torch.tensor(POOL_X, requires_grad=True)
    texpected = expected_layer(theirs)
    for fn in (
        LPPool2d(norm_type, kernel, stride, ceil_mode),
        lambda x: lp_pool2d(x, norm_type, kernel, stride, ceil_mode),
    ):
        ours = Tensor(POOL_X.copy(), requires_grad=True)
        out = fn(ours)
        np.testing.assert_array_equal(out.data, texpected.detach().numpy())
        w = np.arange(1.0, out.numel() + 1).reshape(out.shape)
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
    with np.errstate(invalid="ignore"):  # the second window: (-x)^1.5, a negative sum^(1/3)
        out = lp_pool2d(ours, norm_type, 2, mean=mean)  # are nan, in PyTorch as well
    scale = 0.25 if mean else 1.0  # mean form = sum form * (1/|P|)^(1/p)
    theirs = torch.tensor(x, requires_grad=True)
    texpected = TF.lp_pool2d(theirs, norm_type, 2) * scale ** (1.0 / norm_type)
    assert_close(out.data, texpected.detach().numpy(), np.float64)
    w = np.array([[[[1.5, -0.5]]]])
    with np.errstate(invalid="ignore"):
        (out * w).sum().backward()
    (texpected * torch.from_numpy(w)).sum().backward()
    assert_close(ours.grad.data, theirs.grad.numpy(), np.float64)
    np.testing.assert_array_equal(ours.grad.data[0, 0, :, :2], 0.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 1), ((2, 4), 1)])
def test_max_pool2d_routes_the_gradient_to_a_nan(
    dtype: type, kernel: object, stride: object
) -> None:
    # a window holding nan has maximum nan (np.maximum propagates it, as PyTorch); its
    # gradient goes to that nan -- the last one in window order if several, PyTorch's
    # rule -- where the equality test tap == max, False for nan, used to drop it
    nan = np.nan
    x = np.array(
        [
            [
                [
                    [nan, 1.0, nan, nan],
                    [2.0, nan, 3.0, 1.0],
                    [np.inf, 0.5, -np.inf, 4.0],
                    [1.0, 1.0, 2.0, nan],
                ]
            ]
        ],
        dtype=dtype,
    )
    ours = Tensor(x.copy(), requires_grad=True)
    out = max_pool2d(ours, kernel, stride)
    theirs = torch.tensor(x, requires_grad=True)
    tout, tidx = TF.max_pool2d(theirs, kernel, stride, return_indices=True)
    assert_close(out.data, tout.detach().numpy(), dtype)
    w = np.arange(1.0, out.numel() + 1).reshape(out.shape).astype(dtype)
    (out * w).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())
    _, idx = max_pool2d(Tensor(x), kernel, stride, return_indices=True)
    np.testing.assert_array_equal(idx, tidx.numpy())


# ================================================================ part 2: the sweep
# Every op below is run on the same extreme inputs in deltagrad and in PyTorch, forward
# and backward (of sum(w * out) for a fixed random weighting w), in float32 and float64.
# Forward values must agree to 4 ulps (``assert_close``). Gradients must agree to 4 ulps
# plus an absolute 4 eps * grad_scale * max|w| for ops whose gradient is a difference of
# bounded terms (softmax - t, sigma(u) - d, tanh' = (1 - y)(1 + y), sigma' = y (1 - y)):
# there each side rounds p or y once (NumPy's and PyTorch's tanh/exp differ by an ulp
# now and then), and the difference can cancel to far fewer digits than an ulp of p --
# neither side is more exact than that. Likewise log_softmax, logsumexp and the
# cross-entropies form (u - max) -/+ log s with s = sum e^(u - max) in [1, C]: an ulp of
# s is an absolute eps in log s whatever the result's size, so their forward values get
# an absolute 4 eps * value_scale too (both sides are that far from exact, e.g. float32
# log_softmax([1.5, 0, 0])[0]: exact -0.36898113, ours -0.36898106, PyTorch -0.36898124).
# nan and +-inf must sit in the same places.
#
# Deliberate differences, each with a ``reference``: where PyTorch's value is further than
# 4 ulps from the reference, ours must be the reference.
#   * binary_cross_entropy_with_logits: PyTorch forms (1 - d) u - log sigma(u), which
#     cancels for u << 0 (u = -40, d = 0 gives 0 instead of 4.2e-18; float32 u = -17
#     gives 0 instead of 4.1e-8), and is nan at u = -inf, d = 1 (the loss is inf) and at
#     u = -inf, d = 0 (the loss is 0). Ours: max(u, 0) - u d + log(1 + e^-|u|), with the
#     linear part taken as 0 where its coefficient is 0. Reference: exact, by mpmath.
#   * cross_entropy with probability targets: 0 log 0 = 0 (see part 1). Reference:
#     PyTorch's own arithmetic with that convention.
# Two more are pinned in part 1 and kept out of the sweep: binary_cross_entropy's target
# gradient at y = 0 or 1 (ours is the slope of the clamped loss, PyTorch's +-inf), and
# subnormal inputs or sigmoids (see ``probabilities`` and ``sigmoid_not_subnormal``).


def grid(dtype: type) -> np.ndarray:
    """The extreme values: overflow/underflow edges of exp in both dtypes (+-88, 89,
    104, 710, 745), huge (1e30, max), tiny (smallest normal, smallest subnormal),
    +-0, +-inf, nan and a few ordinary numbers."""
    fi = np.finfo(dtype)
    magnitudes = [
        0.0,
        0.5,
        1.0,
        3.0,
        17.0,
        20.0,
        40.0,
        88.0,
        89.0,
        104.0,
        710.0,
        745.0,
        1e30,
        float(fi.max),
        np.inf,
        1e-30,
        float(fi.tiny),
        float(fi.smallest_subnormal),
    ]
    return np.array([s * m for m in magnitudes for s in (1.0, -1.0)] + [np.nan], dtype=dtype)


ROW_VALUES = [0.0, 1.0, -1.0, 88.0, -88.0, 710.0, -710.0, 1e30, -1e30, np.inf, -np.inf, np.nan]


def rows(dtype: type) -> np.ndarray:
    """Every (N, 3) combination of the row values: logits for softmax and the losses."""
    v = np.array(ROW_VALUES, dtype=dtype)
    return np.stack(np.meshgrid(v, v, v, indexing="ij"), axis=-1).reshape(-1, 3)


def pairs(dtype: type) -> tuple[np.ndarray, np.ndarray]:
    g = grid(dtype)
    a, b = np.meshgrid(g, g, indexing="ij")
    return a.ravel(), b.ravel()


PROBS = [0.0, 1.0, 0.5, 0.3, 1e-8, 1.0 - 2.0**-20, 1e-30]


def probabilities(dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """(y, d) pairs for binary_cross_entropy: every probability against every target.

    No subnormal y: PyTorch's gradient multiplies the upstream gradient into y - d
    before dividing by the clamp 1e-12, so at a subnormal y it keeps only the subnormal's
    few bits (float32 y = 1.4e-45, w = 1.07: 1.40e-33 instead of 1.50e-33); ours divides
    first and is exact.
    """
    p = np.array(
        PROBS + [float(np.finfo(dtype).tiny), 1.0 - float(np.finfo(dtype).epsneg)], dtype=dtype
    )
    y, d = np.meshgrid(p, np.array([0.0, 1.0, 0.5, 0.3, 1e-8], dtype=dtype), indexing="ij")
    return y.ravel(), d.ravel()


def sigmoid_not_subnormal(u: np.ndarray) -> np.ndarray:
    """Where sigma(u) is 0 or normal. Below that sigma is 0 or a subnormal depending on
    the exact point where each library's e^-u overflows (float32 sigma(-89) = 0, exact
    2.2e-39), within one smallest-normal of exact either way -- but BCE's log turns a 0
    into its clamp (100 instead of 89), so these u say nothing about BCE itself."""
    return ~(u < np.log(np.finfo(u.dtype).tiny)) | np.isneginf(u)


def logits_and_targets(dtype: type, nan: bool = True) -> tuple[np.ndarray, np.ndarray]:
    u = grid(dtype)
    if not nan:  # for BCE(sigmoid(u)): PyTorch's BCE refuses a nan y
        u = u[sigmoid_not_subnormal(u) & ~np.isnan(u)]
    u, d = np.meshgrid(u, np.array([0.0, 1.0, 0.5, 0.3, 1e-8], dtype=dtype), indexing="ij")
    return u.ravel(), d.ravel()


def soft_targets(n: int, dtype: type) -> np.ndarray:
    cycle = np.array([[1.0, 0.0, 0.0], [0.0, 0.25, 0.75], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    return np.resize(cycle, (n, 3)).astype(dtype)


def class_indices(n: int) -> np.ndarray:
    return np.arange(n) % 3


def _mp_bce_with_logits(u: float, d: float) -> float:
    """Exact BCE(sigma(u), d) = max(u, 0) - u d + log(1 + e^-|u|), limits at u = +-inf."""
    if np.isnan(u) or np.isnan(d):
        return np.nan
    if np.isinf(u):  # only the linear part is left: (1 - d) u for u > 0, -d u for u < 0
        coef = (1.0 - d) if u > 0 else -d
        return 0.0 if coef == 0 else coef * u
    with mpmath.workdps(60):
        mu, md = mpmath.mpf(u), mpmath.mpf(d)
        return float(max(mu, 0) - mu * md + mpmath.log1p(mpmath.exp(-abs(mu))))


def bce_with_logits_reference(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    u, d = arrays
    return np.array([_mp_bce_with_logits(float(a), float(b)) for a, b in zip(u, d)]).astype(dtype)


@dataclass(frozen=True)
class Op:
    """One op of the sweep. ``kind`` says what its inputs are:

    unary   one vector of extreme values
    binary  two vectors (every pair of extreme values)
    rows    (N, 3) logits (every triple of the row values)
    probs   probabilities y in [0, 1] and targets d in [0, 1]
    logits  logits u (extreme) and targets d in [0, 1]
    sigmoid_logits  the same without nan logits
    """

    name: str
    kind: str
    ours: Callable[[list[Tensor]], Tensor]
    theirs: Callable[[list[Any]], Any]
    grad_scale: float = 0.0  # > 0: gradients also get atol = 4 eps * grad_scale * max|w|
    value_scale: float = 0.0  # > 0: forward values also get atol = 4 eps * value_scale
    reference: Callable[[list[np.ndarray], type], np.ndarray] | None = None
    differentiable: tuple[int, ...] = (0, 1)  # which inputs are compared by gradient


def _unary(
    name: str,
    ours: Callable[[Tensor], Tensor],
    theirs: Callable[[Any], Any],
    grad_scale: float = 0.0,
) -> Op:
    return Op(name, "unary", lambda xs: ours(xs[0]), lambda xs: theirs(xs[0]), grad_scale)


def _pow(c: float) -> Op:
    return _unary(f"pow({c})", lambda x: x**c, lambda x: x**c)


def _like(x: Any, values: np.ndarray) -> Any:
    """``values`` as a constant next to x: a deltagrad Tensor or a torch tensor."""
    if isinstance(x, Tensor):
        return Tensor(values.astype(x.dtype))
    return torch.from_numpy(values).to(x.dtype)


OPS = [
    _unary("exp", lambda x: x.exp(), torch.exp),
    _unary("log", lambda x: x.log(), torch.log),
    _unary("sqrt", lambda x: x.sqrt(), torch.sqrt),
    _unary("abs", lambda x: x.abs(), torch.abs),
    _unary("sin", lambda x: x.sin(), torch.sin),
    _unary("cos", lambda x: x.cos(), torch.cos),
    _unary("tanh", lambda x: x.tanh(), torch.tanh, grad_scale=1.0),
    _unary("sigmoid", lambda x: x.sigmoid(), torch.sigmoid, grad_scale=1.0),
    _unary("relu", lambda x: x.relu(), torch.relu),
    _unary("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    _unary("F.sigmoid", F.sigmoid, TF.sigmoid, grad_scale=1.0),
    _unary("F.tanh", F.tanh, TF.tanh, grad_scale=1.0),
    _unary("F.relu", F.relu, TF.relu),
    _unary(
        "prelu",
        lambda x: F.prelu(x, Tensor(np.array([0.25], dtype=x.dtype))),
        lambda x: TF.prelu(x, torch.tensor([0.25], dtype=x.dtype)),
    ),
    _unary("clip", lambda x: x.clip(-1.0, 1.0), lambda x: x.clamp(-1.0, 1.0)),
    *(_pow(c) for c in (2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 1.5, 2.5)),
    Op("maximum", "binary", lambda xs: ag.maximum(*xs), lambda xs: torch.maximum(*xs)),
    Op("minimum", "binary", lambda xs: ag.minimum(*xs), lambda xs: torch.minimum(*xs)),
    Op(
        "where",
        "binary",
        lambda xs: ag.where(np.arange(xs[0].numel()) % 2 == 0, *xs),
        lambda xs: torch.where(torch.arange(xs[0].numel()) % 2 == 0, *xs),
    ),
    Op("mul", "binary", lambda xs: xs[0] * xs[1], lambda xs: xs[0] * xs[1]),
    Op(
        "mse_loss",
        "binary",
        lambda xs: F.mse_loss(*xs, reduction="none"),
        lambda xs: TF.mse_loss(*xs, reduction="none"),
    ),
    Op(
        "l1_loss",
        "binary",
        lambda xs: F.l1_loss(*xs, reduction="none"),
        lambda xs: TF.l1_loss(*xs, reduction="none"),
    ),
    # the target's gradient is checked separately (a deliberate difference at y = 0, 1)
    Op(
        "binary_cross_entropy",
        "probs",
        lambda xs: F.binary_cross_entropy(*xs, reduction="none"),
        lambda xs: TF.binary_cross_entropy(*xs, reduction="none"),
        differentiable=(0,),
    ),
    Op(
        "binary_cross_entropy_with_logits",
        "logits",
        lambda xs: F.binary_cross_entropy_with_logits(*xs, reduction="none"),
        lambda xs: TF.binary_cross_entropy_with_logits(*xs, reduction="none"),
        grad_scale=1.0,
        reference=bce_with_logits_reference,
    ),
    Op(
        "bce(sigmoid(u))",
        "sigmoid_logits",
        lambda xs: F.binary_cross_entropy(xs[0].sigmoid(), xs[1], reduction="none"),
        lambda xs: TF.binary_cross_entropy(torch.sigmoid(xs[0]), xs[1], reduction="none"),
        grad_scale=1.0,
        differentiable=(0,),
    ),  # its gradient is sigma(u) - d
    Op(
        "softmax",
        "rows",
        lambda xs: F.softmax(xs[0], dim=1),
        lambda xs: TF.softmax(xs[0], dim=1),
        grad_scale=3.0,
        differentiable=(0,),
    ),
    Op(
        "log_softmax",
        "rows",
        lambda xs: F.log_softmax(xs[0], dim=1),
        lambda xs: TF.log_softmax(xs[0], dim=1),
        grad_scale=3.0,
        value_scale=1.0,
        differentiable=(0,),
    ),
    Op(
        "logsumexp",
        "rows",
        lambda xs: xs[0].logsumexp(axis=1),
        lambda xs: torch.logsumexp(xs[0], dim=1),
        grad_scale=3.0,
        value_scale=1.0,
        differentiable=(0,),
    ),
    Op(
        "cross_entropy[index]",
        "rows",
        lambda xs: F.cross_entropy(xs[0], class_indices(xs[0].shape[0]), reduction="none"),
        lambda xs: TF.cross_entropy(
            xs[0], torch.from_numpy(class_indices(xs[0].shape[0])), reduction="none"
        ),
        grad_scale=3.0,
        value_scale=1.0,
        differentiable=(0,),
    ),
    Op(
        "cross_entropy[index, mean]",
        "rows",
        lambda xs: F.cross_entropy(xs[0], class_indices(xs[0].shape[0])),
        lambda xs: TF.cross_entropy(xs[0], torch.from_numpy(class_indices(xs[0].shape[0]))),
        grad_scale=3.0,
        value_scale=1.0,
        differentiable=(0,),
    ),
    Op(
        "nll_loss",
        "rows",
        lambda xs: F.nll_loss(xs[0], class_indices(xs[0].shape[0]), reduction="none"),
        lambda xs: TF.nll_loss(
            xs[0], torch.from_numpy(class_indices(xs[0].shape[0])), reduction="none"
        ),
        differentiable=(0,),
    ),
    Op(
        "nll_loss(log_softmax)",
        "rows",
        lambda xs: F.nll_loss(
            F.log_softmax(xs[0], dim=1), class_indices(xs[0].shape[0]), reduction="none"
        ),
        lambda xs: TF.nll_loss(
            TF.log_softmax(xs[0], dim=1),
            torch.from_numpy(class_indices(xs[0].shape[0])),
            reduction="none",
        ),
        grad_scale=3.0,
        value_scale=1.0,
        differentiable=(0,),
    ),
]


def soft_cross_entropy_reference(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    """PyTorch's own arithmetic with 0 log 0 = 0 (torch.special.xlogy's convention)."""
    t = torch.from_numpy(soft_targets(arrays[0].shape[0], dtype))
    logp = torch.log_softmax(torch.from_numpy(arrays[0]), dim=1)
    return (-(t * torch.where(t > 0, logp, 0.0)).sum(dim=1)).numpy()


def _soft(x: Any) -> Any:
    return _like(x, soft_targets(x.shape[0], np.float64))


SOFT_CE = Op(
    "cross_entropy[probabilities]",
    "rows",
    lambda xs: F.cross_entropy(xs[0], _soft(xs[0]), reduction="none"),
    lambda xs: TF.cross_entropy(xs[0], _soft(xs[0]), reduction="none"),
    grad_scale=3.0,
    value_scale=1.0,
    differentiable=(0,),
    reference=soft_cross_entropy_reference,
)
OPS.append(SOFT_CE)


def sweep_inputs(kind: str, dtype: type) -> list[np.ndarray]:
    if kind == "unary":
        return [grid(dtype)]
    if kind == "binary":
        return list(pairs(dtype))
    if kind == "rows":
        return [rows(dtype)]
    if kind == "probs":
        return list(probabilities(dtype))
    return list(logits_and_targets(dtype, nan=kind == "logits"))


def agree(actual: np.ndarray, desired: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise: both nan, or the same infinity, or finite and within the tolerance."""
    a = np.asarray(actual, dtype=np.float64)
    b = np.broadcast_to(np.asarray(desired, dtype=np.float64), a.shape)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(a - b) <= atol + rtol * np.abs(b)
    infinite = np.isinf(a) | np.isinf(b)
    return (nan_a & nan_b) | (~nan_a & ~nan_b & np.where(infinite, a == b, close))


def require(
    op: Op,
    what: str,
    arrays: list[np.ndarray],
    actual: np.ndarray,
    desired: np.ndarray,
    rtol: float,
    atol: float,
) -> None:
    ok = agree(actual, desired, rtol, atol)
    if ok.all():
        return
    bad = np.flatnonzero(~ok.reshape(-1))[:6]
    lines = []
    for k in bad:
        if arrays[0].ndim == 2:  # print the whole row of logits
            where = [a[k if ok.ndim == 1 else k // a.shape[1]].tolist() for a in arrays]
        else:
            where = [a.reshape(-1)[k].item() for a in arrays]
        lines.append(
            f"  inputs {where}: ours {actual.reshape(-1)[k]!r}, "
            f"expected {np.asarray(desired).reshape(-1)[k]!r}"
        )
    raise AssertionError(
        f"{op.name} {np.dtype(arrays[0].dtype).name} {what}: "
        f"{(~ok).sum()} of {ok.size} differ\n" + "\n".join(lines)
    )


def check(op: Op, arrays: list[np.ndarray], seed: int = 0) -> None:
    """Forward and backward of ``op`` on ``arrays`` against PyTorch (see part 2's notes)."""
    dtype = arrays[0].dtype.type
    tol, tiny = ulps(dtype), float(np.finfo(dtype).tiny)
    diff = [i < len(arrays) and i in op.differentiable for i in range(len(arrays))]
    ours = [Tensor(a.copy(), requires_grad=d) for a, d in zip(arrays, diff)]
    theirs = [torch.tensor(a.copy(), requires_grad=d) for a, d in zip(arrays, diff)]
    with np.errstate(all="ignore"):
        out = op.ours(ours)
    tout = op.theirs(theirs)
    expected = tout.detach().numpy()
    if op.reference is not None:  # a documented difference: the exact value wins
        exact = op.reference(arrays, dtype)
        expected = np.where(agree(expected, exact, tol, tiny), expected, exact)
    assert out.dtype == dtype
    require(op, "forward", arrays, out.data, expected, tol, max(tiny, tol * op.value_scale))

    w = np.random.default_rng(seed).uniform(0.5, 1.5, size=out.shape)
    w *= np.where(np.arange(w.size).reshape(w.shape) % 2 == 0, 1.0, -1.0)
    w = w.astype(dtype)
    with np.errstate(all="ignore"):
        (out * w).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    atol = max(tiny, tol * op.grad_scale * float(np.abs(w).max(initial=0.0)))
    for i, (t, tt) in enumerate(zip(ours, theirs)):
        if not diff[i]:
            continue
        assert t.grad is not None, f"{op.name}: input {i} got no gradient"
        require(op, f"gradient of input {i}", arrays, t.grad.data, tt.grad.numpy(), tol, atol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_sweep_of_extreme_values_matches_torch(op: Op, dtype: type) -> None:
    check(op, sweep_inputs(op.kind, dtype))


# ================================================================ part 3: Hypothesis
# The same checks on inputs Hypothesis draws: each element either one of the extreme
# values above (or a large logit), or any float of the dtype -- nan, +-inf and
# subnormals included. Derandomized, so a failure is reproducible and the run is fixed.
LARGE_LOGITS = [30.0, 50.0, 100.0, 500.0, 1e4]
HYPOTHESIS = settings(max_examples=12, deadline=None, derandomize=True, database=None)


def _elements(dtype: type, kind: str) -> st.SearchStrategy[float]:
    width = 32 if dtype == np.float32 else 64
    if kind == "probs":  # probabilities, no subnormals (see ``probabilities``)
        pool = [float(v) for v in probabilities(dtype)[0]]
        return st.one_of(
            st.sampled_from(pool), st.floats(0.0, 1.0, width=width, allow_subnormal=False)
        )
    pool = [float(v) for v in grid(dtype)] + [s * v for v in LARGE_LOGITS for s in (1, -1)]
    if kind == "sigmoid_logits":  # no nan, no subnormal sigma (see ``sigmoid_not_subnormal``)
        low = float(np.log(np.finfo(dtype).tiny))
        pool = [v for v in pool if not np.isnan(v) and (v >= low or v == -np.inf)]
        return st.one_of(
            st.sampled_from(pool), st.floats(low, float(np.finfo(dtype).max), width=width)
        )
    return st.one_of(st.sampled_from(pool), st.floats(width=width))


def _targets(dtype: type) -> st.SearchStrategy[float]:
    width = 32 if dtype == np.float32 else 64
    # targets exactly representable in the dtype (newer Hypothesis refuses 0.3 for float32)
    pool = [float(dtype(v)) for v in (0.0, 1.0, 0.5, 0.3)]
    return st.one_of(st.sampled_from(pool), st.floats(0.0, 1.0, width=width, allow_subnormal=False))


@st.composite
def op_inputs(draw: st.DrawFn, kind: str, dtype: type) -> list[np.ndarray]:
    n = draw(st.integers(1, 6))
    if kind == "rows":
        return [draw(hnp_arrays(dtype, (n, 3), elements=_elements(dtype, kind)))]
    first = draw(hnp_arrays(dtype, (n,), elements=_elements(dtype, kind)))
    if kind == "unary":
        return [first]
    if kind == "binary":
        return [first, draw(hnp_arrays(dtype, (n,), elements=_elements(dtype, kind)))]
    if kind == "probs":
        return [first, draw(hnp_arrays(dtype, (n,), elements=_elements(dtype, kind)))]
    return [first, draw(hnp_arrays(dtype, (n,), elements=_targets(dtype)))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@HYPOTHESIS
@given(data=st.data())
def test_hypothesis_extreme_inputs_match_torch(op: Op, dtype: type, data: st.DataObject) -> None:
    check(op, data.draw(op_inputs(op.kind, dtype)))
