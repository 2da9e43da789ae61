"""Receptive fields as columns: ``Window`` (where a kernel lands), ``im2col`` and its
adjoint ``col2im`` -- the data movement that makes a convolution one matrix product.

im2col lays every receptive field out as one column, so the whole layer is one GEMM:

    U = H · cols        H: (C_out, C_in·kH·kW),  cols = im2col(z): (C_in·kH·kW, N·Ho·Wo)

col2im is the adjoint of im2col: it adds every column back onto the pixels it came from.
Pooling uses the same ``Window``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd import array_cache

__all__ = [
    "Window",
    "im2col",
    "col2im",
    "widen",
    "col2im_wide",
    "gemm_rows",
    "copy_runs",
    "image_blocks",
]


@dataclass(frozen=True)
class Window:
    """Where a kH x kW kernel lands on an (H, W) map: stride S, zero padding P, dilation D."""

    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)

    @property
    def span(self) -> tuple[int, int]:
        """Extent of one dilated kernel: D(K − 1) + 1."""
        # (tuple() of a generator types as tuple[int, ...]; two pairs zipped give two)
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))  # type: ignore[return-value]

    def out_size(self, hw: tuple[int, ...]) -> tuple[int, int]:
        """⌊(W + 2P − D(K − 1) − 1) / S⌋ + 1 per axis."""
        # (two sizes, as in span: mypy cannot count a generator's items)
        return tuple(  # type: ignore[return-value]
            (n + 2 * p - e) // s + 1 for n, p, e, s in zip(hw, self.padding, self.span, self.stride)
        )

    def offset_slices(self, p: int, q: int, grid: tuple[int, int]) -> tuple[slice, slice]:
        """Pixels of the *padded* map that kernel tap (p, q) touches for a grid of outputs."""
        (sh, sw), (dh, dw), (ho, wo) = self.stride, self.dilation, grid
        return (
            slice(p * dh, p * dh + (ho - 1) * sh + 1, sh),
            slice(q * dw, q * dw + (wo - 1) * sw + 1, sw),
        )


def im2col(x: np.ndarray, window: Window, grid: tuple[int, int] | None = None) -> np.ndarray:
    """(N, C, H, W) -> cols (C·kH·kW, N·Ho·Wo): column (n, i, j) is the receptive field
    of output pixel (i, j) of image n, rows ordered (c, p, q) like a flattened weight.

    ``grid`` (Ho, Wo) may be smaller than the full output (the weight gradient of a
    transposed convolution needs that)."""
    n, c, h, w = x.shape
    ph, pw = window.padding
    if ph or pw:
        padded = array_cache.zeros((n, c, h + 2 * ph, w + 2 * pw), x.dtype)
        copy_runs(padded[:, :, ph : ph + h, pw : pw + w], x)
        x = padded
    (kh, kw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    ho, wo = grid or window.out_size((h, w))
    s_n, s_c, s_h, s_w = x.strides
    # a read-only view (C, kH, kW, N, Ho, Wo); the shape checks keep it inside x
    fields = as_strided(
        x,
        (c, kh, kw, n, ho, wo),
        (s_c, dh * s_h, dw * s_w, s_n, sh * s_h, sw * s_w),
        writeable=False,
    )
    cols = gemm_rows((c * kh * kw, n * ho * wo), x.dtype)
    copy_runs(cols.reshape(fields.shape), fields)  # the one copy: rows contiguous in (n,i,j)
    return cols


class _Runs:
    """Describes an array to NumPy (through ``__array_interface__``) as the array of its
    last-axis runs: shape a.shape[:-1], each item one opaque block of a.shape[-1] numbers.
    Keeps ``a`` alive as long as the view exists (NumPy holds this object as its base)."""

    def __init__(self, a: np.ndarray) -> None:
        self.array = a
        self.__array_interface__ = {
            "version": 3,
            "shape": a.shape[:-1],
            "strides": a.strides[:-1],
            "typestr": f"|V{a.shape[-1] * a.itemsize}",
            "data": a.__array_interface__["data"],
        }


def copy_runs(dst: np.ndarray, src: np.ndarray) -> None:
    """dst[...] = src, moving each contiguous run along the last axis as one item.

    NumPy's copy loop pays a fixed cost for every innermost run it moves. im2col's runs
    are one output row (Wo numbers: 14 for a 14 x 14 map), so the per-run cost, not the
    bytes, dominated: 144·64·14 runs for one layer of the CNN benchmark. Seen as an array
    of opaque Wo·itemsize-byte items (``np.void``), the same copy is one loop over rows
    that moves a whole run per item -- about twice as fast there. Falls back to the plain
    copy when a run is not contiguous in both arrays, the dtypes differ or hold Python
    objects (whose reference counts a byte copy would not update).
    """
    runs = (
        src.shape == dst.shape
        and src.dtype == dst.dtype
        and not src.dtype.hasobject
        and src.ndim > 1
        and src.shape[-1] > 1
        and src.size > 0
        and src.strides[-1] == src.itemsize
        and dst.strides[-1] == dst.itemsize
    )
    if runs:
        np.asarray(_Runs(dst))[...] = np.asarray(_Runs(src))
    else:
        dst[...] = src


def col2im(
    cols: np.ndarray, shape: tuple[int, ...], window: Window, grid: tuple[int, int]
) -> np.ndarray:
    """Adjoint of im2col: add each column's entries back onto the pixels they came from.

    cols (C·kH·kW, N·Ho·Wo) -> (N, C, H, W) with ``shape`` = (N, C, H, W). Overlapping
    receptive fields overlap here too, hence the sum; one vectorised add per kernel tap.
    """
    n, c, h, w = shape
    (kh, kw), (ph, pw) = window.kernel, window.padding
    taps = cols.reshape(c, kh, kw, n, *grid)
    out = array_cache.zeros((c, n, h + 2 * ph, w + 2 * pw), cols.dtype)
    for p in range(kh):
        for q in range(kw):
            rows, columns = window.offset_slices(p, q, grid)
            out[:, :, rows, columns] += taps[:, p, q]
    return out[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3)


def gemm_rows(shape: tuple[int, ...], dtype: np.dtype, zero: bool = False) -> np.ndarray:
    """An uninitialised (or zero) array of ``shape`` for a GEMM operand or result whose
    rows (last axis) are not a multiple of 4 KiB apart.

    Rows exactly 4 KiB·k apart fall into the same few sets of the CPU cache, so a GEMM
    that walks down a column keeps evicting its own data: (16, 64·28·28) float32 rows are
    49·4 KiB long and the product into them ran 2.4x slower than into rows one cache
    line (64 bytes) longer. The returned array is a view of such a longer buffer; NumPy
    and BLAS read and write it in place, since only the row stride differs.
    """
    *outer, length = shape
    itemsize = np.dtype(dtype).itemsize
    extra = 64 // itemsize if (length * itemsize) % 4096 == 0 and len(outer) else 0
    # (from autograd.array_cache: a large buffer is reused by the next step once nothing
    # holds it, instead of fresh memory that faults in page by page)
    make = array_cache.zeros if zero else array_cache.empty
    return make((*outer, length + extra), dtype)[..., :length]


def widen(x: np.ndarray, width: int) -> np.ndarray:
    """(N, C, H, W) -> (C, N·H·width): channel rows whose image rows are padded with zeros
    on the right to ``width`` >= W pixels (see ``col2im_wide``)."""
    n, c, h, w = x.shape
    rows = gemm_rows((c, n * h * width), x.dtype, zero=True)
    copy_runs(rows.reshape(c, n, h, width)[..., :w], x.transpose(1, 0, 2, 3))
    return rows


def col2im_wide(
    cols: np.ndarray, shape: tuple[int, ...], window: Window, grid: tuple[int, int]
) -> np.ndarray:
    """``col2im`` for stride 1, with columns laid out on rows as wide as the padded output.

    cols (C·kH·kW, N·Ho·Wp), where Wp = W + 2P is the padded output's width and columns
    j >= Wo of every row hold zeros (``widen`` makes such columns for a GEMM: a zero
    column of its right operand gives a zero column of the product). Why the detour:
    plain col2im adds each tap as (C, N, Ho, Wo) blocks whose rows of Wo numbers are
    not adjacent in the output, so NumPy loops over every short row. With stride 1 and
    equal row widths, tap (p, q) of the input pixel at flat position s = i·Wp + j lands
    on flat position s + p·D·Wp + q·D of the padded output image: one shift, so each tap
    is one add of (C, N) runs of Ho·Wp adjacent numbers. The padding columns add zeros.
    """
    n, c, h, w = shape
    (kh, kw), (ph, pw), (dh, dw) = window.kernel, window.padding, window.dilation
    hp, wp = h + 2 * ph, w + 2 * pw
    run = grid[0] * wp  # one input image, flattened with row width Wp
    taps = cols.reshape(c, kh, kw, n, run)
    # a tap that starts on the last row can run (kW - 1)·D past the image (zeros only)
    out = array_cache.zeros((c, n, hp * wp + (kw - 1) * dw), cols.dtype)
    for p in range(kh):
        for q in range(kw):
            start = p * dh * wp + q * dw
            out[:, :, start : start + run] += taps[:, p, q]
    image = out[:, :, : hp * wp].reshape(c, n, hp, wp)
    return image[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3)


# Bytes of temporaries (columns + gradient rows) per block of images in the conv weight
# gradient. Not an L2-sized block: each block's product gy_block · cols_blockᵀ must be
# large enough for OpenBLAS to split over its threads and to run its large-matrix
# kernels. Measured on the CNN benchmark's second layer (64 images, 16 -> 32 channels,
# 14 x 14, two cores): 0.5 MiB blocks (3 images) 3.2 ms, 2 MiB 2.0 ms, 8 MiB 1.9-2.0 ms;
# its first layer (1 -> 16 channels) 0.8-0.9 ms at every size. A block is still at
# most this size, so the batch's whole columns matrix of a large input is never made.
BLOCK_BYTES = 2**23


def image_blocks(n: int, bytes_per_image: int, budget: int | None = None) -> list[slice]:
    """Consecutive slices of the N images, each with temporaries of at most about
    ``budget`` bytes (default :data:`BLOCK_BYTES`; at least one image per block), as few
    blocks as that allows and of equal size (+-1): no small last block whose product
    runs slower per image than the others'."""
    budget = BLOCK_BYTES if budget is None else budget
    size = max(1, budget // max(1, bytes_per_image))
    count = -(-n // size)  # ceil(n / size)
    bounds = [n * k // count for k in range(count + 1)] if n else []
    return [slice(a, b) for a, b in zip(bounds, bounds[1:])]


def _channel_rows(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (C, N·H·W); free when ``a`` is already channel-major memory."""
    return a.transpose(1, 0, 2, 3).reshape(a.shape[1], -1)
