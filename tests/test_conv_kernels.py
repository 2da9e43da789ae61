"""The faster convolution and pooling kernels (issue 13) give the same outputs and gradients.

What changed and what each group of tests pins down:

* ``copy_runs``: copies that move each row of a view as one opaque item -- equal to
  plain assignment for cropped, transposed, reversed, strided and read-only views, other
  dtypes, broadcasting and empty arrays;
* the weight gradient summed over cache-sized blocks of images (``image_blocks``): the
  blocks cover every image once; several blocks, groups and the transposed conv's
  smaller grid against PyTorch;
* ``gemm_rows``: GEMM results written into rows padded off multiples of 4 KiB -- the
  padding is invisible (values, and views that NumPy reshapes without copying), for every
  group count and for float32 and float64 sizes that hit exactly 4 KiB rows;
* ``widen`` + ``col2im_wide``: the stride-1 transposed convolution (every conv2d input
  gradient of a stride-1 conv) adds whole shifted rows -- equal to the general col2im,
  its adjointness with im2col, and conv_transpose2d / conv2d against PyTorch for odd
  sizes, padding, dilation, output_padding, groups, float32 and float64;
* max pooling's scatter reads a compact copy of gy -- gradients through transposed,
  sliced and channel-major gradients and inputs against PyTorch;
* the whole W4 network (conv-relu-pool twice, linear, cross-entropy) against PyTorch in
  float32, and by central differences in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor
from nn.functional import conv as conv_module
from nn.functional import im2col as im2col_module
from nn.functional.conv import conv2d, conv2d_weight_grad, conv_transpose2d
from nn.functional.im2col import (
    Window,
    col2im,
    col2im_wide,
    copy_runs,
    gemm_rows,
    im2col,
    image_blocks,
    widen,
)
from nn.functional.pooling import max_pool2d

TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=2e-4, atol=2e-5)}


def _rand(rng: np.random.Generator, shape: tuple, dtype: Any = np.float64) -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


def _check(
    ours: Any, theirs: Any, arrays: list[np.ndarray], torch: Any, seed: int = 0, views: Any = None
) -> None:
    """Same output (dtype kept) and the same gradient of sum(v * output) w.r.t. every input.

    ``views``: optional function applied to our leaf Tensors before the op, e.g. to feed
    a transposed (non-contiguous) view; PyTorch gets the same values contiguous."""
    dtype = arrays[0].dtype.type
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ins = views(*xs) if views else xs
    out, tout = ours(*ins), theirs(*ts)
    assert out.shape == tuple(tout.shape)
    assert out.data.dtype == dtype
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype])
    v = np.random.default_rng(seed).uniform(-1, 1, out.shape).astype(dtype)
    (out * Tensor(v)).sum().backward()
    (tout * torch.from_numpy(v)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        assert x.grad.data.dtype == dtype
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), err_msg=f"input {i}", **TOL[dtype])


# ---------------------------------------------------------------- gemm_rows
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("length", [1024, 512, 1000, 7])
def test_gemm_rows_strides_avoid_4k_and_hold_values(dtype: Any, length: int) -> None:
    a = gemm_rows((3, length), dtype)
    assert a.shape == (3, length) and a.dtype == dtype
    assert a.strides[1] == a.itemsize
    assert a.strides[0] % 4096 != 0  # the point of the padding
    assert a.strides[0] == (
        length * a.itemsize if (length * a.itemsize) % 4096 else length * a.itemsize + 64
    )
    z = gemm_rows((3, length), dtype, zero=True)
    assert not z.any()
    # a GEMM writes through a reshaped view of it: the reshape must not copy
    left, right = np.arange(6.0).reshape(3, 2).astype(dtype), np.ones((2, length), dtype)
    np.matmul(left.reshape(1, 3, 2), right.reshape(1, 2, length), out=a.reshape(1, 3, length))
    np.testing.assert_array_equal(a, left @ right)


# ---------------------------------------------------------------- copy_runs
def _views(a: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "contiguous": a,
        "cropped": np.pad(a, 1)[1:-1, 1:-1, 1:-1, 1:-1],
        "transposed": a.transpose(1, 0, 2, 3).copy().transpose(1, 0, 2, 3),
        "reversed rows": a[:, :, ::-1],
        "every other column": np.repeat(a, 2, axis=3)[..., ::2],  # runs not contiguous
        "read-only windows": np.lib.stride_tricks.as_strided(
            a, (2, 3, 4, 3), a.strides, writeable=False
        ),
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
@pytest.mark.parametrize("kind", list(_views(np.zeros((2, 3, 4, 5)))))
def test_copy_runs_equals_assignment(kind: str, dtype: Any) -> None:
    src = _views(np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5).astype(dtype))[kind]
    for dst in (
        np.full(src.shape, -1, dtype),
        np.full((*src.shape[:-1], src.shape[-1] + 3), -1, dtype)[..., 1:-2],
    ):
        copy_runs(dst, src)
        np.testing.assert_array_equal(dst, src)
    if dtype is np.float32:  # another dtype: a converting copy, as ``dst[...] = src``
        wide = np.zeros(src.shape, np.float64)
        copy_runs(wide, src)
        np.testing.assert_array_equal(wide, src.astype(np.float64))
    src_row = src[:1]  # broadcasting, as ``dst[...] = src``
    dst = np.zeros(src.shape, dtype)
    copy_runs(dst, src_row)
    np.testing.assert_array_equal(dst, np.broadcast_to(src_row, src.shape))


def test_copy_runs_of_python_objects_keeps_references() -> None:
    """Object arrays take the plain copy: a byte copy would not count the references."""
    import sys

    item = object()
    src = np.empty((3, 4), dtype=object)
    src[...] = item
    before = sys.getrefcount(item)
    dst = np.empty((3, 4), dtype=object)
    copy_runs(dst, src)
    assert all(d is item for d in dst.ravel())
    assert sys.getrefcount(item) == before + 12
    del dst
    assert sys.getrefcount(item) == before


def test_copy_runs_of_nothing() -> None:
    copy_runs(np.zeros((0, 3)), np.zeros((0, 3)))
    dst = np.zeros((2, 0))
    copy_runs(dst, np.zeros((2, 0)))
    assert dst.shape == (2, 0)


# ---------------------------------------------------------------- blocked weight gradient
def test_image_blocks_cover_every_image_once() -> None:
    # at most 3 images per block, so 4 blocks, as equal as they can be
    assert image_blocks(10, 300, budget=1000) == [
        slice(0, 2),
        slice(2, 5),
        slice(5, 7),
        slice(7, 10),
    ]
    assert image_blocks(4, 5000, budget=1000) == [slice(i, i + 1) for i in range(4)]
    assert image_blocks(3, 1, budget=1000) == [slice(0, 3)]
    assert image_blocks(0, 10) == []
    # the default block: BLOCK_BYTES of temporaries, large enough for a threaded GEMM
    assert image_blocks(64, (32 + 16 * 9) * 14 * 14 * 4) == [slice(0, 32), slice(32, 64)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv2d_weight_grad_over_image_blocks_matches_torch(
    groups: int, dtype: Any, torch: Any, monkeypatch: Any
) -> None:
    """Eight 35 x 35 images: the weight gradient sums over several blocks of images."""
    monkeypatch.setattr(im2col_module, "BLOCK_BYTES", 2**19)  # blocks of 2-4 images
    monkeypatch.setattr(conv_module, "KEEP_COLUMNS_BYTES", 0)  # (not the forward's columns)
    rng = np.random.default_rng(14)
    per_image = (4 + 2 * 9) * 35 * 35 * np.dtype(dtype).itemsize  # (C_out + C_in·kH·kW)·HW
    assert len(image_blocks(8, per_image)) > 1
    arrays = [_rand(rng, (8, 2, 35, 35), dtype), _rand(rng, (4, 2 // groups, 3, 3), dtype)]
    _check(
        lambda x, w: conv2d(x, w, padding=1, groups=groups),
        lambda x, w: torch.nn.functional.conv2d(x, w, padding=1, groups=groups),
        arrays,
        torch,
    )


@pytest.mark.parametrize("groups", [1, 2])
def test_weight_gradient_from_the_forwards_columns(groups: int, monkeypatch: Any) -> None:
    """conv2d keeps its im2col columns for the weight gradient when they are small: the
    same gradient as building them again (float64, up to rounding), the columns dropped
    once used, and a second backward through the same graph builds them again and agrees."""
    rng = np.random.default_rng(16)
    x_data, w_data = _rand(rng, (5, 4, 9, 11)), _rand(rng, (6, 4 // groups, 3, 3))

    def weight_grad(keep: int, twice: bool = False) -> np.ndarray:  # (graphs are kept)
        monkeypatch.setattr(conv_module, "KEEP_COLUMNS_BYTES", keep)
        x, w = Tensor(x_data, requires_grad=True), Tensor(w_data, requires_grad=True)
        y = conv2d(x, w, padding=1, stride=(1, 2), groups=groups)
        op = y._fn
        assert (op.cols is not None) == (keep > 0)
        loss = (y * y).sum()
        loss.backward()
        assert op.cols is None  # not held after the backward that used them
        first = w.grad.data.copy()
        if twice:
            w.grad = None
            loss.backward()
            np.testing.assert_allclose(w.grad.data, first, rtol=1e-13, atol=1e-12)
        return first

    kept, rebuilt = weight_grad(2**30), weight_grad(0)
    np.testing.assert_allclose(kept, rebuilt, rtol=1e-13, atol=1e-12)
    weight_grad(2**30, twice=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_transpose2d_weight_grad_over_image_blocks(dtype: Any, torch: Any) -> None:
    """The transposed conv's weight gradient correlates gy with x on a grid smaller than
    the full output, block by block."""
    rng = np.random.default_rng(15)
    arrays = [_rand(rng, (9, 4, 20, 21), dtype), _rand(rng, (4, 3, 3, 3), dtype)]
    kw = dict(stride=2, padding=1, output_padding=1, groups=1)
    _check(
        lambda x, w: conv_transpose2d(x, w, **kw),
        lambda x, w: torch.nn.functional.conv_transpose2d(x, w, **kw),
        arrays,
        torch,
    )


# ---------------------------------------------------------------- col2im_wide
WINDOWS = [  # kernel, padding, dilation: stride-1 windows
    ((3, 3), (1, 1), (1, 1)),
    ((3, 2), (0, 2), (1, 1)),
    ((2, 3), (2, 1), (2, 1)),
    ((1, 1), (0, 0), (1, 1)),
    ((3, 3), (0, 0), (2, 3)),
]


def _wide_transpose(
    x: np.ndarray, weight: np.ndarray, window: Window, size: tuple[int, int]
) -> np.ndarray:
    """conv_transpose2d without groups through widen + col2im_wide."""
    c_out = weight.shape[1]
    kernels = weight.reshape(weight.shape[0], -1).T
    rows = widen(x, size[1] + 2 * window.padding[1])
    return col2im_wide(kernels @ rows, (x.shape[0], c_out, *size), window, x.shape[2:])


@pytest.mark.parametrize("kernel,padding,dilation", WINDOWS)
def test_col2im_wide_equals_col2im(kernel: tuple, padding: tuple, dilation: tuple) -> None:
    rng = np.random.default_rng(1)
    window = Window(kernel, (1, 1), padding, dilation)
    x, weight = _rand(rng, (3, 4, 5, 7)), _rand(rng, (4, 2, *kernel))
    size = tuple(n - 1 - 2 * p + e for n, p, e in zip((5, 7), padding, window.span))
    narrow = col2im(
        weight.reshape(4, -1).T @ x.transpose(1, 0, 2, 3).reshape(4, -1),
        (3, 2, *size),
        window,
        (5, 7),
    )
    wide = _wide_transpose(x, weight, window, size)
    assert wide.shape == narrow.shape == (3, 2, *size)
    np.testing.assert_allclose(wide, narrow, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel,padding,dilation", WINDOWS)
def test_col2im_wide_is_the_adjoint_of_im2col(
    kernel: tuple, padding: tuple, dilation: tuple
) -> None:
    """<im2col(z), c> = <z, col2im(c)>: the defining property of col2im, with the wide
    columns' padding positions (j >= Wo) set to zero as col2im_wide requires."""
    rng = np.random.default_rng(2)
    window = Window(kernel, (1, 1), padding, dilation)
    n, c, h, w = 2, 3, 7, 8
    ho, wo = window.out_size((h, w))
    z = _rand(rng, (n, c, h, w))
    cols = _rand(rng, (c * kernel[0] * kernel[1], n * ho * wo))
    wp = w + 2 * padding[1]
    wide = np.zeros((cols.shape[0], n, ho, wp))
    wide[..., :wo] = cols.reshape(-1, n, ho, wo)
    back = col2im_wide(wide.reshape(cols.shape[0], -1), (n, c, h, w), window, (ho, wo))
    np.testing.assert_allclose(np.sum(im2col(z, window) * cols), np.sum(z * back), rtol=1e-12)


def test_widen_pads_every_row_with_zeros() -> None:
    x = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    rows = widen(x, 5)
    assert rows.shape == (3, 2 * 2 * 5) and rows.dtype == np.float32
    grid = rows.reshape(3, 2, 2, 5)
    np.testing.assert_array_equal(grid[..., :2], x.transpose(1, 0, 2, 3))
    assert not grid[..., 2:].any()


def _channel_major(t: Tensor) -> Tensor:
    """The same (N, C, H, W) values as a view of (C, N, H, W) memory, as a conv2d output
    is laid out (the reshape of the permuted view copies in that order)."""
    n, c, h, w = t.shape
    return t.permute(1, 0, 2, 3).reshape(c, n * h * w).reshape(c, n, h, w).permute(1, 0, 2, 3)


# ---------------------------------------------------------------- conv2d / transposed vs torch
CONV_CASES = [  # (N, C_in, H, W), C_out, kernel, stride, padding, dilation, groups
    ((2, 3, 7, 5), 4, (3, 3), 1, 1, 1, 1),
    ((3, 2, 9, 6), 4, (3, 2), 1, (0, 2), 1, 2),
    ((1, 4, 8, 11), 4, (2, 3), 1, (2, 1), (2, 1), 4),
    ((2, 3, 7, 8), 5, (3, 3), 2, 1, 1, 1),
    ((2, 2, 10, 9), 3, (3, 3), (3, 2), (1, 0), 2, 1),
    # N·Ho·Wo = 1024 float32 / 512 float64 numbers: GEMM rows of exactly 4 KiB, padded
    ((4, 2, 16, 16), 4, (3, 3), 1, 1, 1, 2),
    ((2, 2, 16, 16), 2, (3, 3), 1, 1, 1, 1),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,c_out,kernel,stride,padding,dilation,groups", CONV_CASES)
def test_conv2d_matches_torch(
    shape: tuple,
    c_out: int,
    kernel: tuple,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    dtype: Any,
    torch: Any,
) -> None:
    rng = np.random.default_rng(3)
    arrays = [
        _rand(rng, shape, dtype),
        _rand(rng, (c_out, shape[1] // groups, *kernel), dtype),
        _rand(rng, (c_out,), dtype),
    ]
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    _check(
        lambda x, w, b: conv2d(x, w, b, **kw),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw),
        arrays,
        torch,
    )


TRANSPOSED_CASES = [  # (N, C_in, H, W), C_out, kernel, stride, padding, output_padding,
    # dilation, groups
    ((2, 4, 5, 6), 3, (3, 3), 1, 1, 0, 1, 1),
    ((2, 4, 5, 6), 6, (3, 2), 1, (0, 2), (1, 0), 2, 2),  # stride 1, output_padding < D
    ((1, 3, 4, 7), 2, (2, 3), 1, 0, 0, (2, 3), 1),
    ((2, 4, 5, 4), 2, (3, 3), 2, 1, 1, 1, 2),  # the general col2im
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "shape,c_out,kernel,stride,padding,output_padding,dilation,groups", TRANSPOSED_CASES
)
def test_conv_transpose2d_matches_torch(
    shape: tuple,
    c_out: int,
    kernel: tuple,
    stride: Any,
    padding: Any,
    output_padding: Any,
    dilation: Any,
    groups: int,
    dtype: Any,
    torch: Any,
) -> None:
    rng = np.random.default_rng(4)
    arrays = [
        _rand(rng, shape, dtype),
        _rand(rng, (shape[1], c_out // groups, *kernel), dtype),
        _rand(rng, (c_out,), dtype),
    ]
    kw = dict(
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
    )
    _check(
        lambda x, w, b: conv_transpose2d(x, w, b, **kw),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw),
        arrays,
        torch,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["channel_major", "sliced", "flipped"])
def test_conv2d_non_contiguous_input(layout: str, dtype: Any, torch: Any) -> None:
    """The input as a view: channel-major memory (a conv output), every other column of
    a wider array, and reversed rows -- the same values and gradients as contiguous."""
    rng = np.random.default_rng(5)
    x = _rand(rng, (3, 4, 7, 6), dtype)
    arrays = [x, _rand(rng, (5, 4, 3, 3), dtype), _rand(rng, (5,), dtype)]

    def view(t: Tensor, w: Tensor, b: Tensor) -> tuple:
        if layout == "channel_major":  # (C, N, H, W) memory seen as (N, C, H, W)
            t = _channel_major(t)
        elif layout == "sliced":  # every other column of a (3, 4, 7, 12) array
            t = t.reshape(3, 4, 7, 6, 1) * Tensor(np.ones((1, 1, 1, 1, 2), dtype))
            t = t.reshape(3, 4, 7, 12)[:, :, :, ::2]
        else:  # rows reversed: negative strides (PyTorch gets the same flip below)
            t = t[:, :, ::-1]
            assert t.data.strides[2] < 0
        assert not t.data.flags.c_contiguous
        return t, w, b

    def theirs(x: Any, w: Any, b: Any) -> Any:
        return torch.nn.functional.conv2d(x.flip(2) if layout == "flipped" else x, w, b, padding=1)

    _check(lambda x, w, b: conv2d(x, w, b, padding=1), theirs, arrays, torch, views=view)


# ---------------------------------------------------------------- central differences
@pytest.mark.parametrize("stride,padding,dilation", [(1, 1, 1), (1, (0, 2), 2), (2, 1, 1)])
def test_gradcheck_conv2d(stride: Any, padding: Any, dilation: Any) -> None:
    rng = np.random.default_rng(6)
    x, w, b = (
        Tensor(_rand(rng, s), requires_grad=True) for s in ((2, 4, 5, 6), (4, 2, 3, 2), (4,))
    )
    assert ag.gradcheck(
        lambda x, w, b: conv2d(x, w, b, stride, padding, dilation, groups=2), [x, w, b]
    )


@pytest.mark.parametrize(
    "stride,padding,output_padding,dilation", [(1, 1, 0, 1), (1, 0, 1, 2), (2, 1, 1, 1)]
)
def test_gradcheck_conv_transpose2d(
    stride: int, padding: int, output_padding: int, dilation: int
) -> None:
    rng = np.random.default_rng(7)
    x, w, b = (
        Tensor(_rand(rng, s), requires_grad=True) for s in ((2, 2, 4, 3), (2, 3, 3, 2), (3,))
    )
    assert ag.gradcheck(
        lambda x, w, b: conv_transpose2d(
            x, w, b, stride, padding, output_padding, dilation=dilation
        ),
        [x, w, b],
    )


def test_gradcheck_conv2d_weight_grad_stride_one() -> None:
    rng = np.random.default_rng(8)
    x, g = (Tensor(_rand(rng, s), requires_grad=True) for s in ((2, 2, 5, 4), (2, 3, 5, 4)))
    assert ag.gradcheck(lambda x, g: conv2d_weight_grad(x, g, 3, padding=1), [x, g])


def test_gradgradcheck_stride_one_conv() -> None:
    """Second derivatives run conv_transpose2d (col2im_wide) inside a recorded backward."""
    rng = np.random.default_rng(9)
    x, w = (Tensor(_rand(rng, s), requires_grad=True) for s in ((1, 2, 4, 5), (3, 2, 3, 3)))
    assert ag.gradgradcheck(lambda x, w: conv2d(x, w, padding=1).tanh(), [x, w])


# ---------------------------------------------------------------- max pooling
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "kernel,stride,padding,size",
    [
        (2, None, 0, (8, 6)),  # tiled: the W4 case
        (2, None, 0, (7, 9)),  # tiled, odd sizes drop the last row/column
        (3, 2, 1, (7, 8)),  # overlapping windows
    ],
)
@pytest.mark.parametrize("gy_layout", ["contiguous", "transposed", "cropped"])
def test_max_pool2d_gradient_from_any_layout(
    kernel: int, stride: Any, padding: int, size: tuple, gy_layout: str, dtype: Any, torch: Any
) -> None:
    """The upstream gradient arrives as a transposed or cropped view (a conv's backward
    hands back such views) and the input is channel-major: same as PyTorch."""
    rng = np.random.default_rng(10)
    x = _rand(rng, (3, 4, *size), dtype)
    x[0, 0, :2, :2] = 1.5  # a tie: the first maximum in window order wins

    def then(y: Any) -> Any:  # an op after the pooling whose backward gives gy that layout
        if gy_layout == "transposed":  # the backward of a permute hands back a view
            return (
                y.permute(0, 1, 3, 2)
                .reshape(y.shape)
                .reshape(y.shape[0], -1)
                .reshape(*y.shape[:2], y.shape[3], y.shape[2])
                .permute(0, 1, 3, 2)
            )
        if gy_layout == "cropped":  # the backward of a pad is a crop of the padded gradient
            return y.pad(((0, 0), (0, 0), (1, 1), (1, 1)))[:, :, 1:-1, 1:-1]
        return y

    def ours(t: Tensor) -> Tensor:
        return then(max_pool2d(_channel_major(t), kernel, stride, padding))

    _check(ours, lambda t: torch.nn.functional.max_pool2d(t, kernel, stride, padding), [x], torch)


# ---------------------------------------------------------------- the W4 network
def _w4(nn_module: Any, conv1: Any, conv2: Any, fc: Any) -> Any:
    return nn_module.Sequential(
        conv1,
        nn_module.ReLU(),
        nn_module.MaxPool2d(2),
        conv2,
        nn_module.ReLU(),
        nn_module.MaxPool2d(2),
        nn_module.Flatten(),
        fc,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_w4_step_matches_torch(dtype: Any, torch: Any) -> None:
    """The benchmark's CNN (batch 8 here): loss and every parameter gradient."""
    rng = np.random.default_rng(11)
    shapes = {
        "c1w": (16, 1, 3, 3),
        "c1b": (16,),
        "c2w": (32, 16, 3, 3),
        "c2b": (32,),
        "fw": (10, 1568),
        "fb": (10,),
    }
    fan_in = {"c1w": 9, "c1b": 9, "c2w": 144, "c2b": 144, "fw": 1568, "fb": 1568}
    p = {k: (_rand(rng, s) / np.sqrt(fan_in[k])).astype(dtype) for k, s in shapes.items()}
    x, t = _rand(rng, (8, 1, 28, 28), dtype), rng.integers(0, 10, 8)

    ours = [
        nn.Conv2d(1, 16, 3, padding=1, dtype=dtype),
        nn.Conv2d(16, 32, 3, padding=1, dtype=dtype),
        nn.Linear(1568, 10, dtype=dtype),
    ]
    for layer, (w, b) in zip(ours, (("c1w", "c1b"), ("c2w", "c2b"), ("fw", "fb"))):
        layer.weight.data = np.ascontiguousarray(
            p[w] if layer.weight.shape == p[w].shape else p[w].T
        )
        layer.bias.data = p[b].copy()
    model = _w4(nn, *ours)
    loss = nn.functional.cross_entropy(model(Tensor(x)), t)
    loss.backward()

    tn = torch.nn
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    theirs = [
        tn.Conv2d(1, 16, 3, padding=1, dtype=tdtype),
        tn.Conv2d(16, 32, 3, padding=1, dtype=tdtype),
        tn.Linear(1568, 10, dtype=tdtype),
    ]
    with torch.no_grad():
        for layer, (w, b) in zip(theirs, (("c1w", "c1b"), ("c2w", "c2b"), ("fw", "fb"))):
            layer.weight.copy_(torch.from_numpy(p[w]))
            layer.bias.copy_(torch.from_numpy(p[b]))
    tmodel = _w4(tn, *theirs)
    tloss = tn.functional.cross_entropy(tmodel(torch.from_numpy(x)), torch.from_numpy(t))
    tloss.backward()

    tol = TOL[dtype]
    assert loss.data.dtype == dtype
    np.testing.assert_allclose(loss.data, tloss.item(), **tol)
    for mine, ref in zip(ours, theirs):
        assert mine.weight.grad.data.dtype == dtype
        tw = ref.weight.grad.numpy()
        np.testing.assert_allclose(
            mine.weight.grad.data, tw if mine.weight.shape == tw.shape else tw.T, **tol
        )
        np.testing.assert_allclose(mine.bias.grad.data, ref.bias.grad.numpy(), **tol)


def test_gradcheck_small_cnn() -> None:
    """conv (stride 1, padding) -> relu -> 2x2 max pool -> conv -> sum of squares, float64."""
    rng = np.random.default_rng(12)
    x, w1, w2 = (
        Tensor(_rand(rng, s), requires_grad=True)
        for s in ((2, 1, 6, 6), (3, 1, 3, 3), (2, 3, 3, 3))
    )

    def f(x: Tensor, w1: Tensor, w2: Tensor) -> Tensor:
        h = max_pool2d(conv2d(x, w1, padding=1).relu(), 2)
        return (conv2d(h, w2, padding=1) ** 2).sum()

    assert ag.gradcheck(f, [x, w1, w2])


def test_empty_batch_gradients_match_torch(torch: Any) -> None:
    """A batch of 0 images: outputs of 0 images, the weight and bias gradients zero."""
    rng = np.random.default_rng(16)
    arrays = [np.zeros((0, 2, 5, 5)), _rand(rng, (3, 2, 3, 3)), _rand(rng, (3,))]
    _check(
        lambda x, w, b: conv2d(x, w, b, padding=1),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=1),
        arrays,
        torch,
    )
