"""Pooling: max, average, L^p and adaptive average pooling, functional and layers.

Against PyTorch (float64): outputs and input gradients, including padding, overlapping
windows, dilation, ceil_mode and ties; the textbook's 4x4 examples with exact numbers;
max pooling's gradient routing; the mean form of L^p pooling against NumPy; first and
second derivatives by central differences; errors.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from nn.functional.conv import conv2d
from nn.functional.pooling import adaptive_avg_pool2d, avg_pool2d, lp_pool2d, max_pool2d
from nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, LPPool2d, MaxPool2d

TOL = dict(rtol=1e-10, atol=1e-12)


def _compare(ours: Any, theirs: Any, x: np.ndarray, torch: Any, seed: int = 0) -> None:
    xt, tx = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xt), theirs(tx)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    w = np.random.default_rng(seed).uniform(-1, 1, y.shape)
    (y * w).sum().backward()
    (ty * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), err_msg="input gradient", **TOL)


MAX_GRID = [  # kernel, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False),
    (3, 2, 0, 1, False),  # overlapping windows
    (3, 2, 1, 1, False),
    ((3, 2), (1, 2), (1, 1), (1, 2), False),
    (2, 1, 1, 2, False),
    (3, 2, 0, 1, True),
    (2, 2, 1, 1, True),
    ((2, 3), (2, 3), 0, 1, True),
]


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", MAX_GRID)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d_matches_torch(
    kernel: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool, ties: bool, torch: Any
) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8))
    if ties:  # many equal values: the first maximum in window order must win
        x = np.round(x)
    kw = dict(stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    _compare(
        lambda x: max_pool2d(x, kernel, **kw),
        lambda x: torch.nn.functional.max_pool2d(x, kernel, **kw),
        x,
        torch,
    )
    _, indices = max_pool2d(Tensor(x), kernel, return_indices=True, **kw)
    _, expected = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, return_indices=True, **kw)
    np.testing.assert_array_equal(indices, expected.numpy())


@pytest.mark.parametrize(
    "kernel,stride,padding,ceil_mode",
    [
        (2, None, 0, False),
        (3, 2, 0, False),
        (3, 2, 1, False),
        ((3, 2), (1, 2), (1, 1), False),
        (3, 2, 1, True),
        (2, 2, 1, True),
    ],
)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_torch(
    kernel: Any, stride: Any, padding: Any, ceil_mode: bool, count_include_pad: bool, torch: Any
) -> None:
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 8))
    kw = dict(
        stride=stride, padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad
    )
    _compare(
        lambda x: avg_pool2d(x, kernel, **kw),
        lambda x: torch.nn.functional.avg_pool2d(x, kernel, **kw),
        x,
        torch,
    )


def test_avg_pool2d_divisor_override(torch: Any) -> None:
    x = np.random.default_rng(2).standard_normal((1, 2, 6, 5))
    _compare(
        lambda x: avg_pool2d(x, 3, 2, 1, divisor_override=4),
        lambda x: torch.nn.functional.avg_pool2d(x, 3, 2, 1, divisor_override=4),
        x,
        torch,
    )


@pytest.mark.parametrize("norm_type", [1, 2, 3.5])
@pytest.mark.parametrize(
    "kernel,stride,ceil_mode", [(2, None, False), (3, 2, False), ((3, 2), 1, False), (3, 2, True)]
)
def test_lp_pool2d_sum_form_matches_torch(
    norm_type: float, kernel: Any, stride: Any, ceil_mode: bool, torch: Any
) -> None:
    x = np.abs(np.random.default_rng(3).standard_normal((2, 3, 7, 8))) + 0.1
    _compare(
        LPPool2d(norm_type, kernel, stride, ceil_mode),
        torch.nn.LPPool2d(norm_type, kernel, stride, ceil_mode),
        x,
        torch,
    )


def test_lp_pool2d_mean_form_is_the_textbook() -> None:
    """u = ((1/H²) Σ z^p)^(1/p): NumPy double loop; p = 1 is average pooling; p → ∞ max."""
    rng = np.random.default_rng(4)
    z = rng.uniform(0.1, 2.0, (1, 1, 6, 6))
    p = 3.0
    expected = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            window = z[0, 0, 3 * i : 3 * i + 3, 3 * j : 3 * j + 3]
            expected[i, j] = np.mean(window**p) ** (1 / p)
    got = LPPool2d(p, 3, mean=True)(Tensor(z))
    np.testing.assert_allclose(got.data[0, 0], expected, rtol=1e-12)
    np.testing.assert_allclose(
        lp_pool2d(Tensor(z), 1, 3, mean=True).data, avg_pool2d(Tensor(z), 3).data, rtol=1e-12
    )
    near_max = lp_pool2d(Tensor(z), 200, 3, mean=True).data
    np.testing.assert_allclose(near_max, max_pool2d(Tensor(z), 3).data, rtol=0.02)
    assert repr(LPPool2d(2, 3, mean=True)).endswith("mean=True)")


@pytest.mark.parametrize(
    "size,output_size",
    [
        ((7, 8), (3, 5)),
        ((7, 8), 4),
        ((5, 5), (2, 3)),
        ((6, 9), (None, 4)),
        ((6, 9), (6, 9)),
        ((5, 3), (7, 4)),
        ((7, 8), 1),
    ],
)
def test_adaptive_avg_pool2d_matches_torch(size: tuple, output_size: Any, torch: Any) -> None:
    x = np.random.default_rng(5).standard_normal((2, 3, *size))
    _compare(AdaptiveAvgPool2d(output_size), torch.nn.AdaptiveAvgPool2d(output_size), x, torch)


def test_layers_repr_like_torch(torch: Any) -> None:
    tn = torch.nn
    pairs = [
        (MaxPool2d(3, 2, 1), tn.MaxPool2d(3, 2, 1)),
        (MaxPool2d(2), tn.MaxPool2d(2)),
        (AvgPool2d(3, 2, 1), tn.AvgPool2d(3, 2, 1)),
        (LPPool2d(2, 3), tn.LPPool2d(2, 3)),
        (AdaptiveAvgPool2d((5, None)), tn.AdaptiveAvgPool2d((5, None))),
    ]
    for ours, theirs in pairs:
        assert ours.extra_repr() == theirs.extra_repr()
        assert not list(ours.parameters())


def test_layers_compute_the_functional_forms(torch: Any) -> None:
    x = np.random.default_rng(6).standard_normal((2, 2, 7, 7))
    tn = torch.nn
    _compare(MaxPool2d(3, 2, 1, ceil_mode=True), tn.MaxPool2d(3, 2, 1, ceil_mode=True), x, torch)
    _compare(
        AvgPool2d(3, 2, 1, count_include_pad=False),
        tn.AvgPool2d(3, 2, 1, count_include_pad=False),
        x,
        torch,
    )
    y, idx = MaxPool2d(2, return_indices=True)(Tensor(x))
    assert y.shape == (2, 2, 3, 3) and idx.shape == (2, 2, 3, 3)
    unbatched = MaxPool2d(2)(Tensor(x[0]))
    np.testing.assert_array_equal(unbatched.data, y.data[0])


@pytest.mark.parametrize("pool", ["max", "max-overlap", "avg", "adaptive"])
def test_pooling_a_conv_output(pool: str, torch: Any) -> None:
    """conv2d returns channel-major views; pooling runs in that memory order and hands
    back gradients in it. conv -> relu -> pool -> conv, against PyTorch."""
    tf = torch.nn.functional
    ours_pool, their_pool = {
        "max": (lambda x: max_pool2d(x, 2), lambda x: tf.max_pool2d(x, 2)),
        "max-overlap": (lambda x: max_pool2d(x, 3, 2, 1), lambda x: tf.max_pool2d(x, 3, 2, 1)),
        "avg": (lambda x: avg_pool2d(x, 2), lambda x: tf.avg_pool2d(x, 2)),
        "adaptive": (lambda x: adaptive_avg_pool2d(x, 3), lambda x: tf.adaptive_avg_pool2d(x, 3)),
    }[pool]
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal(s) for s in ((3, 2, 8, 7), (4, 2, 3, 3), (5, 4, 2, 2))]
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = conv2d(ours_pool(conv2d(xs[0], xs[1], padding=1).relu()), xs[2])
    ty = tf.conv2d(their_pool(tf.conv2d(ts[0], ts[1], padding=1).relu()), ts[2])
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    w = rng.uniform(-1, 1, y.shape)
    (y * w).sum().backward()
    (ty * torch.from_numpy(w)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), **TOL)
    if pool.startswith("max"):
        h = conv2d(Tensor(arrays[0]), Tensor(arrays[1]), padding=1)
        assert not h.data.flags.c_contiguous  # the case under test
        args = (2,) if pool == "max" else (3, 2, 1)
        _, idx = max_pool2d(h, *args, return_indices=True)
        _, tidx = tf.max_pool2d(torch.tensor(h.data), *args, return_indices=True)
        np.testing.assert_array_equal(idx, tidx.numpy())


# ---------------------------------------------------------------- the textbook, exactly
FEATURE_MAP = np.array(
    [[1.0, 3.0, 2.0, 1.0], [4.0, 2.0, 0.0, 1.0], [5.0, 6.0, 1.0, 2.0], [1.0, 2.0, 3.0, 4.0]]
).reshape(1, 1, 4, 4)


def test_2x2_max_and_average_pooling_of_a_4x4_map() -> None:
    np.testing.assert_array_equal(
        max_pool2d(Tensor(FEATURE_MAP), 2).data[0, 0], [[4.0, 2.0], [6.0, 4.0]]
    )
    np.testing.assert_array_equal(
        avg_pool2d(Tensor(FEATURE_MAP), 2).data[0, 0], [[2.5, 1.0], [3.5, 2.5]]
    )


def test_max_pool_backward_routes_to_the_argmax_only() -> None:
    x = Tensor(FEATURE_MAP, requires_grad=True)
    y = max_pool2d(x, 2)
    y.backward(np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 1, 2, 2))
    np.testing.assert_array_equal(
        x.grad.data[0, 0],
        [
            [0.0, 0.0, 20.0, 0.0],
            [10.0, 0.0, 0.0, 0.0],
            [0.0, 30.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 40.0],
        ],
    )


def test_max_pool_ties_go_to_the_first_maximum_and_overlaps_add() -> None:
    x = Tensor(np.zeros((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(x, 2).sum().backward()  # all equal: the top-left tap wins
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1.0, 0.0], [0.0, 0.0]])

    peak = np.zeros((1, 1, 4, 4))
    peak[0, 0, 1, 2] = 9.0  # the maximum of all four overlapping 3x3 windows
    x = Tensor(peak, requires_grad=True)
    max_pool2d(x, 3, stride=1).sum().backward()
    expected = np.zeros((4, 4))
    expected[1, 2] = 4.0
    np.testing.assert_array_equal(x.grad.data[0, 0], expected)


@pytest.mark.parametrize(
    "size,kernel,padding,stride", list(itertools.product([4, 7, 9], [2, 3], [0, 1], [1, 2, 3]))
)
def test_output_size_formula(size: int, kernel: int, padding: int, stride: int) -> None:
    """⌊(W − H + 2P)/S⌋ + 1 for every pooling layer with these arguments."""
    x = Tensor(np.ones((1, 1, size, size)))
    n = (size - kernel + 2 * padding) // stride + 1
    assert MaxPool2d(kernel, stride, padding)(x).shape == (1, 1, n, n)
    assert AvgPool2d(kernel, stride, padding)(x).shape == (1, 1, n, n)
    if padding == 0:
        assert LPPool2d(2, kernel, stride)(x).shape == (1, 1, n, n)


# ---------------------------------------------------------------- central differences
def _x(seed: int, shape: tuple = (1, 2, 5, 6), positive: bool = False) -> Tensor:
    rng = np.random.default_rng(seed)
    data = rng.permutation(np.prod(shape)).reshape(shape) / 10.0 - 1.0  # distinct: no ties
    return Tensor(data + 1.5 if positive else data, requires_grad=True)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: max_pool2d(x, 3, 2, 1),
        lambda x: max_pool2d(x, 2, 1, dilation=(1, 2), ceil_mode=True),
        lambda x: avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda x: lp_pool2d(x, 3, 2),
        lambda x: lp_pool2d(x, 2, (2, 3), 1, mean=True),
        lambda x: adaptive_avg_pool2d(x, (3, 4)),
    ],
    ids=["max", "max-dilated-ceil", "avg", "lp", "lp-mean", "adaptive"],
)
def test_gradcheck_and_gradgradcheck(fn: Any) -> None:
    x = _x(7, positive=True)
    assert ag.gradcheck(fn, [x])
    assert ag.gradgradcheck(lambda x: (fn(x) ** 2).tanh(), [x])


@pytest.mark.parametrize("channel_major", [False, True])
def test_max_pool_double_backward_matches_torch(channel_major: bool, torch: Any) -> None:
    """d/dx of |∂L/∂x|² with L = Σ v · maxpool(x)²: flows through the routing ops."""
    x = np.random.default_rng(8).standard_normal((2, 2, 6, 6))
    if channel_major:  # memory laid out (C, N, H, W), as conv2d returns it
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    v = np.random.default_rng(9).uniform(-1, 1, (2, 2, 3, 3))
    xt, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (g,) = ag.grad((max_pool2d(xt, 3, 2, 1) ** 2 * v).sum(), [xt], create_graph=True)
    y = torch.nn.functional.max_pool2d(tx, 3, 2, 1)
    (tg,) = torch.autograd.grad((y**2 * torch.from_numpy(v)).sum(), [tx], create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), **TOL)


def test_float32_stays_float32() -> None:
    x = Tensor(
        np.random.default_rng(10).uniform(0.1, 1, (2, 3, 6, 6)).astype(np.float32),
        requires_grad=True,
    )
    for layer in (MaxPool2d(2), AvgPool2d(3, 2, 1), LPPool2d(2, 2), AdaptiveAvgPool2d(4)):
        x.grad = None
        y = layer(x)
        y.sum().backward()
        assert y.dtype == np.float32 and x.grad.dtype == np.float32


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call,pattern",
    [
        (lambda x: max_pool2d(x, 2, padding=2), r"padding \(2, 2\) must be at most half"),
        (lambda x: avg_pool2d(x, 3, padding=2), r"at most half the kernel size \(3, 3\)"),
        (lambda x: max_pool2d(x, 9), r"input \(1, 1, 4, 4\) is too small for kernel \(9, 9\)"),
        (lambda x: max_pool2d(x, 2, stride=0), r"stride must be >= 1, got 0"),
        (lambda x: max_pool2d(x.reshape(4, 4), 2), r"\(N, C, H, W\).*shape \(4, 4\)"),
        (lambda x: lp_pool2d(x, 0, 2), "norm_type must be non-zero"),
        (lambda x: adaptive_avg_pool2d(x, (0, 2)), "output_size must be positive"),
        (lambda x: adaptive_avg_pool2d(x, (1, 2, 3)), "an int or a pair"),
    ],
)
def test_errors(call: Any, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        call(Tensor(np.ones((1, 1, 4, 4))))


@pytest.mark.parametrize("kernel, stride", [(1, 1), (2, None), (3, 2), ((2, 3), (2, 3)), (3, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_nan_windows_and_ties_route_like_torch(
    kernel: Any, stride: Any, dtype: Any, torch: Any
) -> None:
    """A nan anywhere in a window makes its max nan and the *last* nan in window order
    wins; otherwise the first maximum wins. Values from a small set (many ties), nans at
    first, middle and last taps, a window of nans only; the winners are compared through
    the gradient, which PyTorch routes to exactly one pixel per window."""
    rng = np.random.default_rng(21)
    x = rng.integers(0, 3, (2, 3, 9, 12)).astype(dtype)
    x[rng.random(x.shape) < 0.15] = np.nan
    x[0, 0, :3, :3] = np.nan  # a window of nans only
    xt, tx = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    y = max_pool2d(xt, kernel, stride)
    ty = torch.nn.functional.max_pool2d(tx, kernel, stride)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())  # nan where torch has nan
    assert np.isnan(y.data).any() and not np.isnan(y.data).all()
    w = rng.uniform(1, 2, y.shape).astype(dtype)
    (y * Tensor(w)).sum().backward()
    (ty * torch.from_numpy(w)).sum().backward()
    g, tg = xt.grad.data, tx.grad.numpy()
    np.testing.assert_array_equal(g != 0, tg != 0)  # the same winners
    # (overlapping windows add at a pixel that wins several, in another order than torch)
    np.testing.assert_allclose(g, tg, rtol=1e-6 if dtype == np.float32 else 1e-14)
