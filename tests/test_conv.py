"""Convolution: conv2d, conv_transpose2d, their weight gradient, and the layers.

Against PyTorch (float64, same weights): outputs and the gradients w.r.t. input, weight
and bias over a grid of stride, padding, dilation and groups on odd sizes; second
derivatives (create_graph) against PyTorch and by central differences; the textbook's
worked example against a hand-written double loop; the output-size formula; errors.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from nn.functional.conv import conv2d, conv2d_weight_grad, conv_transpose2d
from nn.layers.conv import Conv2d, ConvTranspose2d

F64 = np.float64
TOL = dict(rtol=1e-10, atol=1e-10)


def _rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _compare(ours: Any, theirs: Any, arrays: list[np.ndarray], torch: Any, seed: int) -> None:
    """Same output and the same gradient of sum(w * output) w.r.t. every input."""
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*xs), theirs(*ts)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL)
    w = np.random.default_rng(seed).uniform(-1, 1, out.shape)
    (out * w).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    for name, x, t in zip(("input", "weight", "bias"), xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), err_msg=name, **TOL)


# ---------------------------------------------------------------- equivalence with PyTorch
GROUPS = {"plain": (3, 4, 1), "groups2": (4, 6, 2), "depthwise": (4, 8, 4)}  # C_in, C_out, g


@pytest.mark.parametrize("stride", [1, 2, (2, 1)])
@pytest.mark.parametrize("padding", [0, 1, (1, 2)])
@pytest.mark.parametrize("dilation", [1, 2])
@pytest.mark.parametrize("kind", list(GROUPS))
def test_conv2d_matches_torch(
    stride: Any, padding: Any, dilation: int, kind: str, torch: Any
) -> None:
    c_in, c_out, groups = GROUPS[kind]
    rng = np.random.default_rng(0)
    arrays = [_rand(rng, 2, c_in, 7, 5), _rand(rng, c_out, c_in // groups, 3, 2), _rand(rng, c_out)]
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    _compare(
        lambda x, w, b: conv2d(x, w, b, **kw),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw),
        arrays,
        torch,
        1,
    )


TRANSPOSED_GRID = [
    (stride, padding, dilation, groups, output_padding)
    for stride, padding, dilation, groups, output_padding in itertools.product(
        [1, 2, (2, 1)], [0, 1, (1, 2)], [1, 2], [1, 2], [0, (1, 0)]
    )
    # PyTorch's rule: output_padding smaller than stride or dilation
    if not output_padding or max(np.max(stride), dilation) > 1
]


@pytest.mark.parametrize("stride,padding,dilation,groups,output_padding", TRANSPOSED_GRID)
def test_conv_transpose2d_matches_torch(
    stride: Any, padding: Any, dilation: int, groups: int, output_padding: Any, torch: Any
) -> None:
    rng = np.random.default_rng(1)
    c_in, c_out = 4, 6
    arrays = [_rand(rng, 2, c_in, 5, 6), _rand(rng, c_in, c_out // groups, 3, 2), _rand(rng, c_out)]
    kw = dict(
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )
    _compare(
        lambda x, w, b: conv_transpose2d(x, w, b, **kw),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw),
        arrays,
        torch,
        2,
    )


def test_without_bias_and_unbatched(torch: Any) -> None:
    rng = np.random.default_rng(2)
    tf = torch.nn.functional
    _compare(
        lambda x, w: conv2d(x, w, stride=2),
        lambda x, w: tf.conv2d(x, w, stride=2),
        [_rand(rng, 3, 6, 7), _rand(rng, 2, 3, 3, 3)],
        torch,
        3,
    )
    _compare(
        lambda x, w: conv_transpose2d(x, w, stride=2),
        lambda x, w: tf.conv_transpose2d(x, w, stride=2),
        [_rand(rng, 3, 4, 5), _rand(rng, 3, 2, 3, 3)],
        torch,
        4,
    )


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("kernel", [(3, 3), (2, 4)])
@pytest.mark.parametrize("dilation", [1, 2])
def test_padding_same_and_valid(kernel: tuple, dilation: int, torch: Any) -> None:
    rng = np.random.default_rng(3)
    arrays = [_rand(rng, 2, 3, 7, 8), _rand(rng, 4, 3, *kernel), _rand(rng, 4)]
    for padding in ("same", "valid"):
        kw = dict(padding=padding, dilation=dilation)
        _compare(
            lambda x, w, b, kw=kw: conv2d(x, w, b, **kw),
            lambda x, w, b, kw=kw: torch.nn.functional.conv2d(x, w, b, **kw),
            arrays,
            torch,
            5,
        )
    assert conv2d(Tensor(arrays[0]), Tensor(arrays[1]), padding="same").shape[2:] == (7, 8)


@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d"])
def test_double_backward_matches_torch(op: str, torch: Any) -> None:
    """A gradient penalty: d/d(x, w, b) of |dL/dx|^2 with L = sum(v * tanh(conv(x)))."""
    rng = np.random.default_rng(4)
    if op == "conv2d":
        arrays = [_rand(rng, 2, 4, 6, 5), _rand(rng, 6, 2, 3, 2), _rand(rng, 6)]
        kw: dict = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
        ours, theirs = conv2d, torch.nn.functional.conv2d
    else:
        arrays = [_rand(rng, 2, 4, 4, 3), _rand(rng, 4, 3, 3, 2), _rand(rng, 6)]
        kw = dict(stride=2, padding=(1, 0), output_padding=1, groups=2)
        ours, theirs = conv_transpose2d, torch.nn.functional.conv_transpose2d
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*xs, **kw).tanh(), theirs(*ts, **kw).tanh()
    v = rng.uniform(-1, 1, y.shape)
    (gx,) = ag.grad((y * v).sum(), [xs[0]], create_graph=True)
    (tgx,) = torch.autograd.grad((ty * torch.from_numpy(v)).sum(), [ts[0]], create_graph=True)
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    for name, x, t in zip(("input", "weight", "bias"), xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), err_msg=name, **TOL)


# ---------------------------------------------------------------- central differences
def _tensors(rng: np.random.Generator, *shapes: tuple) -> list[Tensor]:
    return [Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


def test_gradcheck_conv2d() -> None:
    x, w, b = _tensors(np.random.default_rng(5), (1, 4, 5, 4), (4, 2, 2, 3), (4,))
    assert ag.gradcheck(lambda x, w, b: conv2d(x, w, b, stride=2, padding=1, groups=2), [x, w, b])


def test_gradcheck_conv_transpose2d() -> None:
    x, w, b = _tensors(np.random.default_rng(6), (1, 2, 3, 3), (2, 3, 3, 2), (3,))
    assert ag.gradcheck(
        lambda x, w, b: conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), [x, w, b]
    )


def test_gradcheck_weight_grad() -> None:
    x, g = _tensors(np.random.default_rng(7), (2, 2, 5, 4), (2, 3, 3, 1))
    assert ag.gradcheck(lambda x, g: conv2d_weight_grad(x, g, 3, stride=(1, 2)), [x, g])


def test_gradgradcheck_conv2d() -> None:
    x, w, b = _tensors(np.random.default_rng(8), (1, 2, 4, 4), (2, 1, 2, 2), (2,))
    assert ag.gradgradcheck(
        lambda x, w, b: conv2d(x, w, b, stride=2, padding=1, groups=2).tanh(), [x, w, b]
    )


def test_gradgradcheck_conv_transpose2d() -> None:
    x, w, b = _tensors(np.random.default_rng(9), (1, 2, 3, 2), (2, 2, 2, 2), (2,))
    assert ag.gradgradcheck(
        lambda x, w, b: conv_transpose2d(x, w, b, stride=2, output_padding=1).tanh(), [x, w, b]
    )


def test_gradgradcheck_output_padding_beyond_stride() -> None:
    """output_padding >= stride (allowed when dilation is larger): the adjoint is cropped."""
    x, w = _tensors(np.random.default_rng(10), (1, 2, 3, 3), (2, 2, 2, 2))
    assert ag.gradgradcheck(
        lambda x, w: conv_transpose2d(x, w, dilation=3, output_padding=2).tanh(), [x, w]
    )


def test_gradgradcheck_weight_grad() -> None:
    x, g = _tensors(np.random.default_rng(11), (1, 2, 4, 3), (1, 2, 2, 2))
    assert ag.gradgradcheck(lambda x, g: conv2d_weight_grad(x, g, 3, padding=(0, 1)).tanh(), [x, g])


# ---------------------------------------------------------------- the textbook
def test_worked_example_5x5_image_3x3_filter() -> None:
    """u_ij = Σ_pq z_{i+p, j+q} h_pq (cross-correlation, no flip), by a double loop; and a
    vertical edge under a Sobel filter: 4·(left column − right column) = −4, −4, 0."""
    rng = np.random.default_rng(15)
    z, h = rng.integers(-3, 4, (5, 5)).astype(F64), rng.integers(-2, 3, (3, 3)).astype(F64)
    expected = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            expected[i, j] = sum(z[i + p, j + q] * h[p, q] for p in range(3) for q in range(3))
    u = conv2d(Tensor(z.reshape(1, 1, 5, 5)), Tensor(h.reshape(1, 1, 3, 3)))
    np.testing.assert_array_equal(u.data[0, 0], expected)

    edge = np.array([[0.0, 0.0, 1.0, 1.0, 1.0]] * 5).reshape(1, 1, 5, 5)
    sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]).reshape(1, 1, 3, 3)
    u = conv2d(Tensor(edge), Tensor(sobel))
    np.testing.assert_array_equal(u.data[0, 0], [[-4.0, -4.0, 0.0]] * 3)


@pytest.mark.parametrize(
    "size,kernel,padding,stride",
    list(itertools.product([5, 8, 11], [1, 2, 3], [0, 1, 2], [1, 2, 3])),
)
def test_output_size_formula(size: int, kernel: int, padding: int, stride: int) -> None:
    """⌊(W − H + 2P)/S⌋ + 1 for a W x W image and an H x H filter."""
    layer = Conv2d(1, 1, kernel, stride=stride, padding=padding, rng=0)
    out = layer(Tensor(np.zeros((1, 1, size, size), np.float32)))
    expected = (size - kernel + 2 * padding) // stride + 1
    assert out.shape == (1, 1, expected, expected)


def test_transposed_conv_makes_a_larger_map_and_is_the_adjoint() -> None:
    """<conv(x), y> = <x, conv_transpose(y)>: the same kernel, the adjoint map."""
    rng = np.random.default_rng(12)
    x, w, y = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 3)), None
    u = conv2d(Tensor(x), Tensor(w), stride=2, padding=1)
    y = rng.standard_normal(u.shape)
    back = conv_transpose2d(Tensor(y), Tensor(w), stride=2, padding=1, output_padding=(0, 1))
    assert back.shape == x.shape and back.shape[2:] > y.shape[2:]
    np.testing.assert_allclose((u.data * y).sum(), (x * back.data).sum(), rtol=1e-12)


# ---------------------------------------------------------------- dtype and layers
def test_float32_stays_float32() -> None:
    rng = np.random.default_rng(13)
    for layer in (Conv2d(3, 4, 3, padding=1, rng=0), ConvTranspose2d(3, 4, 3, stride=2, rng=0)):
        x = Tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32), requires_grad=True)
        y = layer(x)
        y.sum().backward()
        grads = [x.grad, layer.weight.grad, layer.bias.grad]
        assert y.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


@pytest.mark.parametrize("transposed", [False, True])
def test_default_init_bounds(transposed: bool) -> None:
    """W, b ~ U(-1/√fan_in, 1/√fan_in), fan_in = weight.shape[1]·kH·kW (PyTorch)."""
    cls = ConvTranspose2d if transposed else Conv2d
    layer = cls(8, 12, (3, 2), groups=2, rng=0)
    fan_in = (12 // 2 if transposed else 8 // 2) * 3 * 2
    bound = 1 / math.sqrt(fan_in)
    shape = (8, 6, 3, 2) if transposed else (12, 4, 3, 2)
    assert layer.weight.shape == shape and layer.bias.shape == (12,)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound  # spread over the whole range
    assert cls(8, 12, 3, bias=False).bias is None


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_layers_match_torch_modules(torch: Any) -> None:
    """Same repr, parameter names and shapes; same output and gradients (float64)."""
    tn = torch.nn
    cases = [
        (
            Conv2d(
                4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2, dtype=F64
            ),
            tn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
        ),
        (
            Conv2d(4, 6, 4, padding="same", bias=False, dtype=F64),
            tn.Conv2d(4, 6, 4, padding="same", bias=False),
        ),
        (
            ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dtype=F64),
            tn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
        ),
    ]
    rng = np.random.default_rng(14)
    for ours, theirs in cases:
        assert ours.extra_repr() == theirs.extra_repr()
        theirs.double()
        names = [n for n, _ in ours.named_parameters()]
        assert names == [n for n, _ in theirs.named_parameters()]
        with torch.no_grad():
            for name, p in ours.named_parameters():
                assert p.shape == tuple(theirs.get_parameter(name).shape)
                theirs.get_parameter(name).copy_(torch.from_numpy(p.data))
        x = rng.standard_normal((2, 4, 7, 6))
        xt, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours(xt), theirs(tx)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
        w = rng.uniform(-1, 1, y.shape)
        (y * w).sum().backward()
        (ty * torch.from_numpy(w)).sum().backward()
        np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), **TOL)
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(
                p.grad.data, theirs.get_parameter(name).grad.numpy(), err_msg=name, **TOL
            )


def test_conv_transpose_output_size(torch: Any) -> None:
    layer = ConvTranspose2d(2, 3, 3, stride=2, rng=0)
    x = Tensor(np.ones((1, 2, 4, 4), np.float32))
    assert layer(x).shape == (1, 3, 9, 9)
    assert layer(x, output_size=(10, 9)).shape == (1, 3, 10, 9)
    with pytest.raises(ValueError, match="not reachable"):
        layer(x, output_size=(11, 9))


# ---------------------------------------------------------------- errors
def _conv(x_shape: tuple, w_shape: tuple, **kw: Any) -> Any:
    return conv2d(Tensor(np.zeros(x_shape)), Tensor(np.zeros(w_shape)), **kw)


@pytest.mark.parametrize(
    "x_shape,w_shape,kw,pattern",
    [
        ((1, 1, 3, 3), (1, 1, 5, 5), {}, r"larger than the padded input.*\(1, 1, 3, 3\)"),
        ((1, 1, 3, 3), (1, 1, 3, 3), dict(dilation=2), r"kernel extent D\(K-1\)\+1 = 5"),
        ((1, 3, 5, 5), (4, 2, 3, 3), {}, r"3 channels .*\(4, 2, 3, 3\).*2 x 1 = 2"),
        ((1, 4, 5, 5), (3, 2, 3, 3), dict(groups=2), r"groups=2 must divide.*\(3\)"),
        ((1, 3, 5, 5), (3, 1, 3, 3), dict(groups=2), r"groups=2 must divide both input"),
        ((3, 5), (1, 1, 3, 3), {}, r"rank 2 \(3, 5\)"),
        ((1, 1, 5, 5), (1, 3, 3), {}, r"weight of rank 3 \(1, 3, 3\)"),
        ((1, 1, 5, 5), (1, 1, 3, 3), dict(stride=0), r"stride must be >= 1, got 0"),
        ((1, 1, 5, 5), (1, 1, 3, 3), dict(padding=-1), r"padding must be >= 0"),
        ((1, 1, 5, 5), (1, 1, 3, 3), dict(padding="same", stride=2), r"'same' needs stride 1"),
    ],
)
def test_conv2d_errors(x_shape: tuple, w_shape: tuple, kw: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        _conv(x_shape, w_shape, **kw)


def test_more_errors() -> None:
    x = Tensor(np.zeros((1, 2, 4, 4), np.float32))
    with pytest.raises(ValueError, match="dtype float32 and weight dtype float64"):
        conv2d(x, Tensor(np.zeros((1, 2, 3, 3))))
    with pytest.raises(ValueError, match=r"bias must have shape \(1,\)"):
        conv2d(x, Tensor(np.zeros((1, 2, 3, 3), np.float32)), Tensor(np.zeros(2, np.float32)))
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose2d(x, Tensor(np.zeros((2, 1, 3, 3), np.float32)), output_padding=1)
    with pytest.raises(ValueError, match="input has 2 channels"):
        conv_transpose2d(x, Tensor(np.zeros((3, 1, 3, 3), np.float32)))
    with pytest.raises(ValueError, match="groups=2 must divide"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Ho, Wo <= the conv output size"):
        conv2d_weight_grad(Tensor(np.zeros((1, 2, 4, 4))), Tensor(np.zeros((1, 3, 3, 3))), 3)
