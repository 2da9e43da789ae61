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

__all__ = ["Window", "im2col", "col2im"]


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
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))  # type: ignore

    def out_size(self, hw: tuple[int, ...]) -> tuple[int, int]:
        """⌊(W + 2P − D(K − 1) − 1) / S⌋ + 1 per axis."""
        return tuple(  # type: ignore[return-value]
            (n + 2 * p - e) // s + 1 for n, p, e, s in zip(hw, self.padding, self.span, self.stride)
        )

    def offset_slices(self, p: int, q: int, grid: tuple[int, int]) -> tuple[slice, slice]:
        """Pixels of the *padded* map that kernel tap (p, q) touches for a grid of outputs."""
        (sh, sw), (dh, dw), (ho, wo) = self.stride, self.dilation, grid
        return (slice(p * dh, p * dh + (ho - 1) * sh + 1, sh),
                slice(q * dw, q * dw + (wo - 1) * sw + 1, sw))


def im2col(x: np.ndarray, window: Window, grid: tuple[int, int] | None = None) -> np.ndarray:
    """(N, C, H, W) -> cols (C·kH·kW, N·Ho·Wo): column (n, i, j) is the receptive field
    of output pixel (i, j) of image n, rows ordered (c, p, q) like a flattened weight.

    ``grid`` (Ho, Wo) may be smaller than the full output (the weight gradient of a
    transposed convolution needs that)."""
    n, c, h, w = x.shape
    ph, pw = window.padding
    if ph or pw:
        padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        padded[:, :, ph : ph + h, pw : pw + w] = x
        x = padded
    (kh, kw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    ho, wo = grid or window.out_size((h, w))
    s_n, s_c, s_h, s_w = x.strides
    # a read-only view (C, kH, kW, N, Ho, Wo); the shape checks keep it inside x
    fields = as_strided(
        x, (c, kh, kw, n, ho, wo), (s_c, dh * s_h, dw * s_w, s_n, sh * s_h, sw * s_w),
        writeable=False,
    )
    return fields.reshape(c * kh * kw, n * ho * wo)  # the one copy: rows contiguous in (n,i,j)


def col2im(cols: np.ndarray, shape: tuple[int, ...], window: Window,
           grid: tuple[int, int]) -> np.ndarray:
    """Adjoint of im2col: add each column's entries back onto the pixels they came from.

    cols (C·kH·kW, N·Ho·Wo) -> (N, C, H, W) with ``shape`` = (N, C, H, W). Overlapping
    receptive fields overlap here too, hence the sum; one vectorised add per kernel tap.
    """
    n, c, h, w = shape
    (kh, kw), (ph, pw) = window.kernel, window.padding
    taps = cols.reshape(c, kh, kw, n, *grid)
    out = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            rows, columns = window.offset_slices(p, q, grid)
            out[:, :, rows, columns] += taps[:, p, q]
    return out[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3)


def _channel_rows(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (C, N·H·W); free when ``a`` is already channel-major memory."""
    return a.transpose(1, 0, 2, 3).reshape(a.shape[1], -1)
