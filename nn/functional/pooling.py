"""Pooling over 2-D windows (NCHW): max, average, L^p and adaptive average.

With windows of kH x kW pixels moved by stride S (default S = kernel size):

    max pooling        u_ij = max_{(p,q) ∈ P_ij} z_pq
    average pooling    u_ij = (1/|P_ij|) Σ_{(p,q) ∈ P_ij} z_pq
    L^p pooling        u_ij = (Σ z_pq^p)^(1/p)          (PyTorch's ``lp_pool2d``)
                       u_ij = ((1/|P_ij|) Σ z_pq^p)^(1/p)  (the textbook's, ``mean=True``):
                       p = 1 is average pooling, p → ∞ tends to max pooling.

Max pooling's derivative is 1 at the window's arg-max and 0 elsewhere, so its backward
routes each upstream gradient to that one pixel. Average pooling is a depthwise
convolution with a constant kernel, so it reuses ``conv2d`` and its derivatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import array_cache
from autograd.function import Function
from autograd.ops.elementwise import where
from autograd.ops.matmul import matmul
from autograd.rules import DerivativeRule
from autograd.tensor import Tensor

from ._inputs import (
    IntPair,
    as_tensor,
    check_divisor,
    check_ndim,
    check_norm_type,
    check_output_size,
    pair,
)
from .conv import add_batch_axis, conv2d
from .im2col import Window, copy_runs

__all__ = ["max_pool2d", "avg_pool2d", "lp_pool2d", "adaptive_avg_pool2d"]


# ---------------------------------------------------------------- window geometry
def _pool_window(
    name: str, kernel_size: IntPair, stride: IntPair | None, padding: IntPair, dilation: IntPair = 1
) -> Window:
    kernel = pair(kernel_size, f"{name}: kernel_size", 1)
    window = Window(
        kernel,
        kernel if stride is None else pair(stride, f"{name}: stride", 1),
        pair(padding, f"{name}: padding", 0),
        pair(dilation, f"{name}: dilation", 1),
    )
    if any(2 * p > k for p, k in zip(window.padding, kernel)):  # PyTorch's rule
        raise ValueError(
            f"{name}: padding {window.padding} must be at most half the kernel size {kernel}, "
            "so no window lies entirely in the padding"
        )
    return window


def _grid(name: str, shape: tuple[int, ...], window: Window, ceil_mode: bool) -> tuple[int, int]:
    """Output size: ⌊(W + 2P − D(K−1) − 1)/S⌋ + 1, or ⌈…⌉ + 1 with ``ceil_mode`` -- where
    (as in PyTorch) a last window must still start inside the input or the top/left pad."""
    if len(shape) != 4:
        raise ValueError(f"{name}: expects input (N, C, H, W) or (C, H, W), got shape {shape}")
    sizes = []
    for n, p, e, s in zip(shape[2:], window.padding, window.span, window.stride):
        out = (n + 2 * p - e + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1
        if out < 1:
            raise ValueError(
                f"{name}: input {shape} is too small for kernel {window.kernel} with padding "
                f"{window.padding} and dilation {window.dilation}"
            )
        sizes.append(out)
    return sizes[0], sizes[1]


def _pads(shape: tuple[int, ...], window: Window, grid: tuple[int, int]) -> tuple:
    """((top, bottom), (left, right)): P on each side, more on the bottom/right when a
    ceil_mode window hangs past the padding."""
    return tuple(
        (p, max(p, (o - 1) * s + e - n - p))
        for n, p, e, s, o in zip(shape[2:], window.padding, window.span, window.stride, grid)
    )


def _padded(x: np.ndarray, pads: tuple, fill: float) -> np.ndarray:
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = array_cache.empty((n, c, top + h + bottom, left + w + right), x.dtype)
    out.fill(fill)
    out[:, :, top : top + h, left : left + w] = x
    return out


# ---------------------------------------------------------------- max pooling
@dataclass(frozen=True, eq=False)
class ArgmaxRoute:
    """Which kernel tap held each window's maximum: ``masks[t]`` (N, C, Ho, Wo) is True
    where tap t = p·kW + q won. Gathering through it is the forward of max pooling
    (given the winners); scattering through it is the backward; they are adjoint."""

    masks: np.ndarray  # (kH·kW, N, C, Ho, Wo) bool -- (kH·kW, C, N, Ho, Wo) if swapped
    window: Window  # geometry on the padded map (its own padding is unused)
    shape: tuple[int, ...]  # the unpadded input (N, C, H, W), or (C, N, H, W) if swapped
    pads: tuple  # ((top, bottom), (left, right))
    swapped: bool  # the input was channel-major memory: work on (C, N, H, W) views

    def _taps(self, padded: np.ndarray) -> list[np.ndarray]:
        kh, kw = self.window.kernel
        grid = self.masks.shape[3:]
        return [
            padded[(..., *self.window.offset_slices(p, q, grid))]
            for p in range(kh)
            for q in range(kw)
        ]

    def gather(self, x: np.ndarray) -> np.ndarray:
        """y[n, c, i, j] = x at the winning pixel of window (i, j)."""
        taps = self._taps(_padded(_swap(x, self.swapped), self.pads, 0.0))
        y = np.zeros(self.masks.shape[1:], dtype=x.dtype)
        for tap, mask in zip(taps, self.masks):
            y += tap * mask
        return _swap(y, self.swapped)

    def scatter(self, gy: np.ndarray) -> np.ndarray:
        """gx = zeros with gy[n, c, i, j] added at the winning pixel of window (i, j)."""
        (top, bottom), (left, right) = self.pads
        n, c, h, w = self.shape
        full = (n, c, top + h + bottom, left + w + right)
        (sh, sw), (eh, ew) = self.window.stride, self.window.span
        disjoint = sh >= eh and sw >= ew  # each pixel in at most one window
        tiled = (
            disjoint
            and (sh, sw) == (eh, ew)
            and full[2:] == (self.masks.shape[3] * sh, self.masks.shape[4] * sw)
        )
        # (large arrays of a max-pooling step come from autograd.array_cache: reused by
        # the next step once nothing holds them, not fresh memory faulted in page by page)
        out = array_cache.empty(full, gy.dtype) if tiled else array_cache.zeros(full, gy.dtype)
        # one compact copy of gy first: it is read once per kernel tap, and a strided
        # gy (a cropped or transposed view) would be gathered again on every read
        gy = _swap(gy, self.swapped)
        if not gy.flags.c_contiguous:
            gy = _compact(gy)
        for tap, mask in zip(self._taps(out), self.masks):
            if disjoint:  # no overlaps: write straight into the output, no temporary
                np.multiply(gy, mask, out=tap)
            else:  # overlapping windows: a pixel may win in several, contributions add
                tap += gy * mask
        return _swap(out[:, :, top : top + h, left : left + w], self.swapped)

    def flat_indices(self) -> np.ndarray:
        """PyTorch's ``return_indices``: the winner's flat index h·W + w in the input."""
        (kw, (sh, sw), (dh, dw)) = self.window.kernel[1], self.window.stride, self.window.dilation
        tap = np.zeros(self.masks.shape[1:], dtype=np.int64)
        for t, mask in enumerate(self.masks[1:], start=1):
            tap[mask] = t
        p, q = np.divmod(tap, kw)
        ho, wo = self.masks.shape[3:]
        rows = np.arange(ho)[:, None] * sh + p * dh - self.pads[0][0]
        cols = np.arange(wo)[None, :] * sw + q * dw - self.pads[1][0]
        return _swap(rows * self.shape[3] + cols, self.swapped)


def _compact(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of ``a`` (copy_runs: fast for views with short rows)."""
    out = array_cache.empty(a.shape, a.dtype)
    copy_runs(out, a)
    return out


def _swap(a: np.ndarray, swapped: bool) -> np.ndarray:
    """(N, C, ...) <-> (C, N, ...) as a view. Pooling treats images and channels alike, so
    it runs in memory order: a conv2d output is channel-major, and the gradient handed
    back keeps that layout, which the conv's backward then reads without a copy."""
    return a.transpose(1, 0, 2, 3) if swapped else a


def _max_and_route(
    x: np.ndarray, window: Window, pads: tuple, grid: tuple[int, int]
) -> tuple[np.ndarray, ArgmaxRoute]:
    """The window maxima and their winners: one vectorised pass per kernel tap."""
    swapped = not x.flags.c_contiguous and x.transpose(1, 0, 2, 3).flags.c_contiguous
    x = _swap(x, swapped)
    padded = _padded(x, pads, -np.inf)
    kh, kw = window.kernel
    taps = [padded[(..., *window.offset_slices(p, q, grid))] for p in range(kh) for q in range(kw)]
    y = array_cache.empty(taps[0].shape, x.dtype)
    if len(taps) > 1:
        np.maximum(taps[0], taps[1], out=y)
    else:
        np.copyto(y, taps[0])
    for tap in taps[2:]:
        np.maximum(y, tap, out=y)
    masks = array_cache.empty((len(taps), *y.shape), np.bool_)
    # The first tap equal to the max wins a tie (PyTorch's rule). The last tap's mask
    # doubles as the set of windows not yet won: once every other tap has had its turn,
    # what is left is exactly where the last tap holds the max -- no comparison needed
    # for it (12 passes over the windows of a 2 x 2 pool instead of 16).
    if len(taps) == 1:  # a 1 x 1 window: its only pixel wins, nan or not
        masks[0] = True
        return _swap(y, swapped), ArgmaxRoute(masks, window, x.shape, pads, swapped)
    unclaimed = masks[-1]
    np.equal(taps[0], y, out=masks[0])
    np.logical_not(masks[0], out=unclaimed)
    for tap, mask in zip(taps[1:-1], masks[1:-1]):
        np.equal(tap, y, out=mask)
        mask &= unclaimed
        unclaimed ^= mask
    if y.size and np.isnan(y.max()):  # some window's max is nan (nan == nan is False)
        _nan_winners(taps, masks, np.isnan(y))
    return _swap(y, swapped), ArgmaxRoute(masks, window, x.shape, pads, swapped)


def _nan_winners(taps: list[np.ndarray], masks: np.ndarray, open_: np.ndarray) -> None:
    """Windows whose maximum is nan (``open_``): as in PyTorch, the last nan in window
    order wins. No tap but the last has claimed them (nothing equals nan), and the last
    tap's mask holds them as 'not yet won': clear that, then give each to its last nan."""
    masks[-1] &= ~open_
    for tap, mask in zip(reversed(taps), masks[::-1]):
        won = np.isnan(tap) & open_
        mask |= won
        open_ ^= won


class MaxPool2dOp(Function):
    """u = max over each window; the gradient goes only to the arg-max pixel.

    Ties go to the first maximum in window order (row-major over the kernel taps), as in
    PyTorch, so exactly one pixel per window receives the gradient; overlapping windows
    (stride < kernel) add up at pixels that win in several. Padding is -inf: it never wins.

    Double backward: the backward is ``route.scatter`` with the winners fixed, a linear
    op whose derivative is ``route.gather`` (and vice versa), so gradients of gradients
    flow; the second derivative with respect to x itself is 0 almost everywhere.
    """

    op = "max_pool2d"
    rule = DerivativeRule.of("x", "gy to each window's max")

    def forward(
        self, x: np.ndarray, *, window: Window, pads: tuple, grid: tuple[int, int]
    ) -> np.ndarray:
        y, self.route = _max_and_route(x, window, pads, grid)
        return y

    def backward(self, gy: Tensor) -> Tensor:
        return ArgmaxScatter.apply(gy, route=self.route)


class ArgmaxScatter(Function):
    """Max pooling's backward: gy placed at each window's arg-max (zeros elsewhere)."""

    op = "max_pool2d_backward"
    rule = DerivativeRule.of("g", "gather gy at the max positions")

    def forward(self, gy: np.ndarray, *, route: ArgmaxRoute) -> np.ndarray:
        self.route = route
        return route.scatter(gy)

    def backward(self, g: Tensor) -> Tensor:
        return ArgmaxGather.apply(g, route=self.route)


class ArgmaxGather(Function):
    """Each window's arg-max pixel of x (winners fixed): the adjoint of ArgmaxScatter."""

    op = "argmax_gather"
    rule = DerivativeRule.of("x", "scatter gy to the max positions")

    def forward(self, x: np.ndarray, *, route: ArgmaxRoute) -> np.ndarray:
        self.route = route
        return route.gather(x)

    def backward(self, g: Tensor) -> Tensor:
        return ArgmaxScatter.apply(g, route=self.route)


def max_pool2d(
    x: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max pooling, PyTorch's ``F.max_pool2d``.

    Parameters
    ----------
    x : Tensor (N, C, H, W) or (C, H, W)
    kernel_size : int or (kH, kW)
    stride : int or pair, default ``kernel_size``
    padding : int or pair, at most half the kernel (implicit -inf)
    dilation : int or pair
    ceil_mode : round the output size up (a last, partial window)
    return_indices : also return the flat index h·W + w of each maximum (NumPy int64)

    Returns
    -------
    Tensor (N, C, Ho, Wo), Ho = ⌊(H + 2P − D(kH − 1) − 1)/S⌋ + 1 (⌈…⌉ with ceil_mode)
    """
    x, unbatched = add_batch_axis(as_tensor(x, "max_pool2d"))
    window = _pool_window("max_pool2d", kernel_size, stride, padding, dilation)
    grid = _grid("max_pool2d", x.shape, window, ceil_mode)
    pads = _pads(x.shape, window, grid)
    y = MaxPool2dOp.apply(x, window=window, pads=pads, grid=grid)
    result = y.squeeze(0) if unbatched else y
    if not return_indices:
        return result
    if y.grad_fn is not None:
        route = y.grad_fn.route
    else:  # not recorded (no gradient needed): find the winners again
        route = _max_and_route(x._data, window, pads, grid)[1]
    indices = route.flat_indices()
    return result, indices[0] if unbatched else indices


# ---------------------------------------------------------------- average and L^p pooling
def _divisor(
    shape: tuple[int, ...], window: Window, grid: tuple[int, int], count_include_pad: bool
) -> np.ndarray:
    """|P_ij| per output pixel, PyTorch's rule: a window counts the padding it covers
    (``count_include_pad``) but never the part that ceil_mode lets hang past it."""
    counts = []
    for n, k, s, p, o in zip(shape[2:], window.kernel, window.stride, window.padding, grid):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts.append(end - start)
    return np.outer(counts[0], counts[1])


def avg_pool2d(
    x: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Average pooling, PyTorch's ``F.avg_pool2d``: a depthwise conv2d with a kernel of
    ones (zero padding), divided by the window size -- so it is differentiable to any
    order through conv2d.

    Parameters
    ----------
    x : Tensor (N, C, H, W) or (C, H, W)
    kernel_size, stride (default kernel_size), padding : int or pair
    ceil_mode : round the output size up
    count_include_pad : divide by the full window size, padding included (PyTorch's
        default), rather than by the number of real pixels
    divisor_override : divide by this number instead

    Returns
    -------
    Tensor (N, C, Ho, Wo), Ho = ⌊(H + 2P − kH)/S⌋ + 1 (⌈…⌉ with ceil_mode)
    """
    x, unbatched = add_batch_axis(as_tensor(x, "avg_pool2d"))
    window = _pool_window("avg_pool2d", kernel_size, stride, padding)
    check_divisor("avg_pool2d", divisor_override)
    grid = _grid("avg_pool2d", x.shape, window, ceil_mode)
    n, c, h, w = x.shape
    pads = _pads(x.shape, window, grid)
    maps = x.reshape(n * c, 1, h, w)  # every channel alone: a depthwise convolution
    conv_padding = window.padding
    if any(lo != hi for lo, hi in pads):  # the ceil_mode overhang: pad the bottom/right
        maps = maps.pad(((0, 0), (0, 0), *pads))
        conv_padding = (0, 0)
    ones = Tensor(np.ones((1, 1, *window.kernel), dtype=x.dtype))
    sums = conv2d(maps, ones, stride=window.stride, padding=conv_padding)
    if divisor_override is not None:
        divisor: Any = np.asarray(divisor_override, dtype=x.dtype)
    else:
        divisor = _divisor(x.shape, window, grid, count_include_pad).astype(x.dtype)
    y = (sums * (1 / divisor).astype(x.dtype)).reshape(n, c, *grid)
    return y.squeeze(0) if unbatched else y


def lp_pool2d(
    x: Tensor,
    norm_type: float,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    ceil_mode: bool = False,
    *,
    mean: bool = False,
) -> Tensor:
    """L^p pooling: (Σ_window z^p)^(1/p), PyTorch's ``F.lp_pool2d`` (no padding); with
    ``mean=True`` the textbook's ((1/|P|) Σ_window z^p)^(1/p). ``norm_type=inf`` is
    max pooling of |z| and ``-inf`` min pooling of |z|, in both forms (their limits).

    Built from pow, avg_pool2d and a scale, so it is differentiable to any order.
    Shapes as in ``avg_pool2d`` with padding 0.
    """
    x = as_tensor(x, "lp_pool2d")
    check_ndim(x, "lp_pool2d", (3, 4), "(N, C, H, W) or (C, H, W)")
    kh, kw = pair(kernel_size, "lp_pool2d: kernel_size", 1)
    p = check_norm_type("lp_pool2d", norm_type)
    # p = +-inf: the limits of both forms, max |z| and min |z| over the window (PyTorch's
    # rule); the pow form would compute (sum z^inf)^(1/inf) = 1 everywhere
    if p == np.inf:
        return max_pool2d(x.abs(), (kh, kw), stride, 0, 1, ceil_mode)
    if p == -np.inf:
        return -max_pool2d(-x.abs(), (kh, kw), stride, 0, 1, ceil_mode)
    averaged = avg_pool2d(x**p, (kh, kw), stride, 0, ceil_mode)
    s = averaged if mean else averaged * float(kh * kw)
    zero = s._data == 0
    if not zero.any():
        return s ** (1.0 / p)
    # A window with s = 0 (all zeros, say after a ReLU): the root s^(1/p) has an infinite
    # slope there, and inf * 0 would put nan in every pixel of the window. PyTorch's rule:
    # the gradient there is 0. So the root is taken of 1 in those windows (finite slope,
    # gradient masked off by ``where``) and the output set to 0^(1/p).
    safe = where(zero, np.ones((), dtype=s.dtype), s)
    root_of_zero = np.asarray(0.0 if p > 0 else np.inf, dtype=s.dtype)
    return where(zero, root_of_zero, safe ** (1.0 / p))


# ---------------------------------------------------------------- adaptive average pooling
def _averaging_matrix(n_in: int, n_out: int, dtype: Any) -> np.ndarray:
    """A (n_out, n_in): row i averages input cells ⌊i·n_in/n_out⌋ .. ⌈(i+1)·n_in/n_out⌉ − 1
    (PyTorch's start/end rule; windows may overlap and differ in size)."""
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    cells = np.arange(n_in)
    inside = (cells >= start[:, None]) & (cells < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool2d(x: Tensor, output_size: int | tuple[int | None, int | None]) -> Tensor:
    """Average pooling to a fixed output size, PyTorch's ``F.adaptive_avg_pool2d``.

    A rectangle's average is a row average of column averages, so the pooling is two
    matrix products with constant averaging matrices, y = A_H · x · A_Wᵀ per map
    (differentiable to any order through matmul).

    x (N, C, H, W) or (C, H, W); ``output_size`` an int or (Ho, Wo), None keeps that size.
    """
    x, unbatched = add_batch_axis(as_tensor(x, "adaptive_avg_pool2d"))
    if x.ndim != 4:
        raise ValueError(f"adaptive_avg_pool2d: expects (N, C, H, W) or (C, H, W), got {x.shape}")
    n, c, h, w = x.shape
    sizes = check_output_size("adaptive_avg_pool2d", output_size)
    ho, wo = (h if sizes[0] is None else sizes[0]), (w if sizes[1] is None else sizes[1])
    rows, cols = _averaging_matrix(h, ho, x.dtype), _averaging_matrix(w, wo, x.dtype)
    # two plain GEMMs over all maps at once: along W, then (after a transpose) along H
    along_w = matmul(x.reshape(n * c * h, w), cols.T).reshape(n * c, h, wo)
    along_h = matmul(along_w.permute(0, 2, 1).reshape(n * c * wo, h), rows.T)
    y = along_h.reshape(n, c, wo, ho).permute(0, 1, 3, 2)
    return y.squeeze(0) if unbatched else y
