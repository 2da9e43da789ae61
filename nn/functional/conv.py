"""2-D convolution as im2col + one matrix product, and its adjoint, the transposed convolution.

What deep-learning libraries call convolution is the cross-correlation (the textbook's
u_ij = Σ_pq z_{i+p, j+q} h_pq, with channels, stride S, zero padding P and dilation D):

    u[n, m, i, j] = b[m] + Σ_k Σ_{p,q} z[n, k, i·S + p·D, j·S + q·D] · h[m, k, p, q]

Output size along each axis: ⌊(W + 2P − D(K − 1) − 1) / S⌋ + 1, which for D = 1 is the
textbook's ⌊(W − K + 2P) / S⌋ + 1.

im2col (:mod:`nn.functional.im2col`) lays every receptive field out as one column, so the
whole layer is one GEMM:

    U = H · cols        H: (C_out, C_in·kH·kW),  cols = im2col(z): (C_in·kH·kW, N·Ho·Wo)

Three ops, each the derivative of the others, so gradients of gradients work:

    conv2d(x, w)               = W · im2col(x)
    conv_transpose2d(g, w)     = col2im(Wᵀ · g)       = ∂conv2d/∂x applied to g
    conv2d_weight_grad(x, g)   = g · im2col(x)ᵀ       = ∂conv2d/∂w applied to g

col2im, the adjoint of im2col, adds every column back onto the pixels it came from.

Layout: the GEMM writes channel-major rows (C, N, H, W), so results are (N, C, H, W)
*views* of that memory. NumPy ops take any strides, and the next im2col copies anyway,
so nobody pays for a transpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.rules import DerivativeRule
from autograd.tensor import Tensor

from ._inputs import IntPair, as_tensor, check_int, check_ndim, pair
from .im2col import (
    Window,
    _channel_rows,
    col2im,
    col2im_wide,
    gemm_rows,
    im2col,
    image_blocks,
    widen,
)

__all__ = ["conv2d", "conv_transpose2d", "conv2d_weight_grad"]

#: conv2d keeps its im2col columns for the weight gradient when they take at most this
#: many bytes (the W4 benchmark's layers: 1.8 and 7.2 MB).
KEEP_COLUMNS_BYTES = 16 * 2**20


# ---------------------------------------------------------------- checks
def _check_conv(x: np.ndarray, weight: np.ndarray, groups: int, transposed: bool) -> None:
    """The shape rules shared by conv2d and conv_transpose2d (ValueError naming shapes)."""
    if x.ndim != 4 or weight.ndim != 4:
        layout = "(C_in, C_out/groups, kH, kW)" if transposed else "(C_out, C_in/groups, kH, kW)"
        raise ValueError(
            f"expects input (N, C_in, H, W) and weight {layout}; got input of rank {x.ndim} "
            f"{x.shape} and weight of rank {weight.ndim} {weight.shape}"
        )
    if x.dtype != weight.dtype:
        raise ValueError(
            f"input dtype {x.dtype} and weight dtype {weight.dtype} differ; cast one "
            "(e.g. x.astype(np.float32)) so no precision changes silently"
        )
    c_in = x.shape[1]
    c_out = weight.shape[1] * groups if transposed else weight.shape[0]
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(
            f"groups={groups} must divide both input channels ({c_in}) and output "
            f"channels ({c_out})"
        )
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if c_in != expected:
        rule = (
            "weight.shape[0]"
            if transposed
            else f"weight.shape[1] x groups = {weight.shape[1]} x {groups}"
        )
        raise ValueError(
            f"input has {c_in} channels (shape {x.shape}) but the weight {weight.shape} "
            f"expects {rule} = {expected}"
        )


def _check_fits(x: np.ndarray, window: Window) -> None:
    for axis, n, p, e in zip("HW", x.shape[2:], window.padding, window.span):
        if e > n + 2 * p:
            raise ValueError(
                f"kernel extent D(K-1)+1 = {e} is larger than the padded input {axis} + 2P "
                f"= {n} + {2 * p} (input shape {x.shape}, kernel {window.kernel}, "
                f"dilation {window.dilation}, padding {window.padding})"
            )


def _check_bias(bias: np.ndarray | None, channels: int) -> None:
    if bias is not None and bias.shape != (channels,):
        raise ValueError(f"bias must have shape ({channels},), got {bias.shape}")


def _check_weight_grad(x: np.ndarray, gy: np.ndarray, window: Window) -> None:
    full = window.out_size(x.shape[2:]) if x.ndim == 4 else ()
    fits = gy.ndim == 4 and x.ndim == 4 and all(a <= b for a, b in zip(gy.shape[2:], full))
    if not fits or gy.shape[0] != x.shape[0]:
        raise ValueError(
            f"needs x (N, C_in, H, W) and gy (N, C_out, Ho, Wo) with Ho, Wo <= the conv "
            f"output size {full}; got x {x.shape} and gy {gy.shape}"
        )


# ---------------------------------------------------------------- the three ops
class Conv2dOp(Function):
    """Cross-correlation u[n, m, i, j] = b[m] + Σ_{k,p,q} z[n, k, iS + pD, jS + qD] h[m, k, p, q]
    (z zero-padded by P), computed as U = H · im2col(z) + b.

    x (N, C_in, H, W), weight (C_out, C_in/groups, kH, kW), bias (C_out,) ->
    (N, C_out, Ho, Wo), Ho = ⌊(H + 2P − D(kH − 1) − 1)/S⌋ + 1. Groups split the channels
    into independent convolutions: one batched GEMM over the groups,
    (g, C_out/g, C_in/g·kH·kW) @ (g, C_in/g·kH·kW, N·Ho·Wo).

    Backward: ∂/∂x is the transposed convolution of gy with the same kernel,
    ∂/∂W the correlation of x with gy, ∂/∂b the sum of gy over N, H, W.
    """

    op = "conv2d"
    rule = DerivativeRule.of(
        "x W b", "conv_transpose2d(gy, {1})", "corr({0}, gy)", "Σ gy over N, H, W"
    )

    def forward(
        self,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        *,
        window: Window,
        groups: int = 1,
    ) -> np.ndarray:
        _check_conv(x, weight, groups, transposed=False)
        _check_fits(x, window)
        _check_bias(bias, weight.shape[0])
        n, c_out = x.shape[0], weight.shape[0]
        ho, wo = window.out_size(x.shape[2:])
        cols = im2col(x, window)
        kernels = weight.reshape(groups, c_out // groups, -1)
        out = gemm_rows((c_out, n * ho * wo), x.dtype)
        np.matmul(
            kernels,
            cols.reshape(groups, kernels.shape[2], -1),
            out=out.reshape(groups, c_out // groups, -1),
        )
        if bias is not None:
            out += bias[:, None]  # fused: no second pass over a separate node
        # The columns are kept for the weight gradient when they are small (the backward
        # would otherwise build them again: one more copy of kH·kW times the input), and
        # dropped once it has used them; large ones would hold that much memory from the
        # forward to the backward, so they are built again there.
        self.cols = cols if cols.nbytes <= KEEP_COLUMNS_BYTES else None
        self.window, self.groups = window, groups
        return out.reshape(c_out, n, ho, wo).transpose(1, 0, 2, 3)

    def backward(self, gy: Tensor) -> tuple:
        x, weight = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        # weight first: its columns buffer is freed before the input gradient's is made
        cols, self.cols = self.cols, None  # (a second backward builds them again)
        gw = (
            Conv2dWeightGradOp.apply(x, gy, window=self.window, groups=self.groups, cols=cols)
            if need[1]
            else None
        )
        del cols
        gx = _input_grad(gy, weight, x.shape, self.window, self.groups) if need[0] else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, gy.sum(axis=(0, 2, 3)) if need[2] else None


class ConvTranspose2dOp(Function):
    """The adjoint of conv2d: every input pixel stamps a weighted copy of the kernel onto
    the (larger) output,

        y[n, m, iS + pD − P, jS + qD − P] += Σ_k x[n, k, i, j] h[k, m, p, q],  + b[m],

    computed as y = col2im(Wᵀ · x) + b (one GEMM, then one add per kernel tap).

    x (N, C_in, H, W), weight (C_in, C_out/groups, kH, kW), bias (C_out,) ->
    (N, C_out, Hout, Wout) with Hout = (H − 1)S − 2P + D(K − 1) + output_padding + 1.
    Backward: ∂/∂x is conv2d of gy with the same kernel; ∂/∂W correlates gy with x.
    """

    op = "conv_transpose2d"
    rule = DerivativeRule.of("x W b", "conv2d(gy, {1})", "corr(gy, {0})", "Σ gy over N, H, W")

    def forward(
        self,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        *,
        window: Window,
        groups: int = 1,
        output_padding: tuple[int, int] = (0, 0),
    ) -> np.ndarray:
        _check_conv(x, weight, groups, transposed=True)
        c_out = weight.shape[1] * groups
        _check_bias(bias, c_out)
        size = _transposed_size(x.shape[2:], window, output_padding)
        kernels = weight.reshape(groups, x.shape[1] // groups, -1).transpose(0, 2, 1)
        shape = (x.shape[0], c_out, *size)
        # stride 1 (every conv2d backward of a stride-1 conv): rows as wide as the padded
        # output, so col2im adds long runs (see col2im_wide); else the general col2im
        wide = window.stride == (1, 1)
        rows = widen(x, size[1] + 2 * window.padding[1]) if wide else _channel_rows(x)
        cols = gemm_rows((kernels.shape[0] * kernels.shape[1], rows.shape[1]), x.dtype)
        np.matmul(
            kernels,
            rows.reshape(groups, rows.shape[0] // groups, -1),
            out=cols.reshape(groups, kernels.shape[1], -1),
        )
        del rows  # (a widened copy of x): freed before col2im allocates the output
        out = (col2im_wide if wide else col2im)(cols, shape, window, x.shape[2:])
        if bias is not None:
            out += bias[:, None, None]  # ``out`` is a view of a fresh buffer: safe in place
        self.window, self.groups = window, groups
        return out

    def backward(self, gy: Tensor) -> tuple:
        x, weight = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = gw = None
        if need[0]:
            gx = _crop(
                Conv2dOp.apply(gy, weight, window=self.window, groups=self.groups), x.shape[2:]
            )
        if need[1]:
            gw = Conv2dWeightGradOp.apply(gy, x, window=self.window, groups=self.groups)
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, gy.sum(axis=(0, 2, 3)) if need[2] else None


class Conv2dWeightGradOp(Function):
    """∂L/∂W of u = conv2d(x, W): the correlation of the input with the output gradient,

        gW[m, k, p, q] = Σ_n Σ_ij gy[n, m, i, j] · z[n, k, i·S + p·D, j·S + q·D],

    i.e. gy · im2col(x)ᵀ per group -> (C_out, C_in/groups, kH, kW). It is bilinear in
    (x, gy), so its own derivatives are the other two ops: ∂/∂x is conv_transpose2d(gy, G)
    and ∂/∂gy is conv2d(x, G) for an upstream G.
    """

    op = "conv2d_weight_grad"
    rule = DerivativeRule.of("x g", "conv_transpose2d({1}, gy)", "conv2d({0}, gy)")

    def forward(
        self,
        x: np.ndarray,
        gy: np.ndarray,
        *,
        window: Window,
        groups: int = 1,
        cols: np.ndarray | None = None,
    ) -> np.ndarray:
        """``cols``: im2col(x) on gy's grid if the caller still has it (conv2d's forward
        does), so it is not built again."""
        _check_weight_grad(x, gy, window)
        self.window, self.groups = window, groups
        rows = _channel_rows(gy)
        c_out, c_in = gy.shape[1], x.shape[1]
        g_rows = rows.reshape(groups, c_out // groups, -1)
        if cols is not None:
            taps = cols.shape[0]
            g_cols = cols.reshape(groups, taps // groups, -1).transpose(0, 2, 1)
            return np.matmul(g_rows, g_cols).reshape(c_out, c_in // groups, *window.kernel)
        # gW = Σ over blocks of images of gy_block · im2col(x_block)ᵀ: the columns of a
        # few images at a time, each block's operands small enough to stay in cache
        # while the GEMM reads them, and no columns matrix of the whole batch
        pixels = gy.shape[2] * gy.shape[3]
        taps = c_in * window.kernel[0] * window.kernel[1]
        per_image = (c_out + taps) * pixels * x.dtype.itemsize
        gw = np.zeros((groups, c_out // groups, taps // groups), dtype=x.dtype)  # N = 0: 0
        for block in image_blocks(x.shape[0], per_image):
            cols = im2col(x[block], window, gy.shape[2:])
            g_cols = cols.reshape(groups, taps // groups, -1).transpose(0, 2, 1)
            part = np.matmul(g_rows[..., block.start * pixels : block.stop * pixels], g_cols)
            gw += part
        return gw.reshape(c_out, c_in // groups, *window.kernel)

    def backward(self, gw: Tensor) -> tuple:
        x, gy = self.inputs
        gx = (
            _input_grad(gy, gw, x.shape, self.window, self.groups)
            if self.needs_input_grad[0]
            else None
        )
        ggy = None
        if self.needs_input_grad[1]:
            ggy = _crop(Conv2dOp.apply(x, gw, window=self.window, groups=self.groups), gy.shape[2:])
        return gx, ggy


# ---------------------------------------------------------------- glue between the ops
def _transposed_size(
    hw: tuple[int, ...], window: Window, output_padding: tuple[int, int]
) -> tuple[int, int]:
    """(H − 1)S − 2P + D(K − 1) + output_padding + 1 per axis (must be positive)."""
    size = tuple(
        (n - 1) * s - 2 * p + e + op
        for n, s, p, e, op in zip(hw, window.stride, window.padding, window.span, output_padding)
    )
    if min(size) < 1:
        raise ValueError(f"output size {size} is not positive (input size {tuple(hw)})")
    return size  # type: ignore[return-value]  # two sizes (pairs zipped), typed tuple[int, ...]


def _input_grad(
    gy: Tensor, weight: Tensor, x_shape: tuple[int, ...], window: Window, groups: int
) -> Tensor:
    """∂conv2d/∂x applied to gy: a transposed convolution, with the output padding that
    restores the rows the forward's floor division dropped."""
    natural = _transposed_size(gy.shape[2:], window, (0, 0))
    extra = tuple(n - m for n, m in zip(x_shape[2:], natural))
    return ConvTranspose2dOp.apply(gy, weight, window=window, groups=groups, output_padding=extra)


def _crop(y: Tensor, hw: tuple[int, ...]) -> Tensor:
    """First H x W pixels: a transposed conv with output_padding >= stride (allowed when
    dilation > stride) has rows whose conv2d adjoint reaches past the input."""
    if y.shape[2:] == tuple(hw):
        return y
    return y[:, :, : hw[0], : hw[1]]


# ---------------------------------------------------------------- public functions
def _tensors(who: str, x: Any, weight: Any, bias: Any) -> tuple[Tensor, Tensor, Any]:
    """The input rule (``nn.functional._inputs``) for input, weight and bias."""
    return (
        as_tensor(x, who),
        as_tensor(weight, who, "weight"),
        None if bias is None else as_tensor(bias, who, "bias"),
    )


def check_conv_input(x: Tensor, who: str, in_channels: int) -> None:
    """A conv layer's input: (N, C_in, H, W) or unbatched (C_in, H, W), C_in matching."""
    shape = x.shape
    if len(shape) != 4 and len(shape) != 3:
        check_ndim(x, who, (3, 4), f"(N, {in_channels}, H, W) or unbatched ({in_channels}, H, W)")
    if shape[-3] != in_channels:
        raise ValueError(
            f"{who}: input has {x.shape[-3]} channels (shape {x.shape}) but the layer was "
            f"built with in_channels={in_channels}; pass (N, {in_channels}, H, W) or build "
            f"the layer with in_channels={x.shape[-3]}"
        )


def add_batch_axis(x: Tensor) -> tuple[Tensor, bool]:
    """Accept an unbatched (C, H, W) input as PyTorch does; other ranks fail in the op."""
    if x.ndim == 3:
        return x.unsqueeze(0), True
    return x, False


def _same_padding(
    x: Tensor, kernel: tuple[int, int], dilation: tuple[int, int], stride: tuple[int, int]
) -> tuple[Tensor, tuple[int, int]]:
    """padding='same': total D(K − 1) per axis, the odd pixel on the bottom/right (PyTorch)."""
    if stride != (1, 1):
        raise ValueError(f"conv2d: padding='same' needs stride 1, got stride {stride}")
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if total[0] % 2 or total[1] % 2:
        x = x.pad(((0, 0), (0, 0), (0, total[0] % 2), (0, total[1] % 2)))
    return x, (total[0] // 2, total[1] // 2)


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation, PyTorch's ``F.conv2d`` (NCHW, zero padding).

    Parameters
    ----------
    x : Tensor (N, C_in, H, W) or unbatched (C_in, H, W)
    weight : Tensor (C_out, C_in / groups, kH, kW)
    bias : Tensor (C_out,), optional
    stride, dilation : int or (int, int), >= 1
    padding : int, (int, int), ``"valid"`` (= 0) or ``"same"`` (output size = input size,
        stride 1 only)
    groups : int, divides C_in and C_out; groups = C_in is a depthwise convolution

    Returns
    -------
    Tensor (N, C_out, Ho, Wo), Ho = ⌊(H + 2P − D(kH − 1) − 1) / S⌋ + 1 (likewise Wo)
    """
    x, weight, bias = _tensors("conv2d", x, weight, bias)
    x, unbatched = add_batch_axis(x)
    stride_ = pair(stride, "conv2d: stride", 1)
    dilation_ = pair(dilation, "conv2d: dilation", 1)
    kernel = (int(weight.shape[2]), int(weight.shape[3])) if weight.ndim == 4 else (1, 1)
    if padding == "valid":
        padding = 0
    if padding == "same":
        x, padding = _same_padding(x, kernel, dilation_, stride_)
    window = Window(kernel, stride_, pair(padding, "conv2d: padding", 0), dilation_)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    y = Conv2dOp.apply(*inputs, window=window, groups=check_int("conv2d", "groups", groups))
    return y.squeeze(0) if unbatched else y


def conv_transpose2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> Tensor:
    """Transposed convolution ("deconvolution"), PyTorch's ``F.conv_transpose2d``.

    Parameters
    ----------
    x : Tensor (N, C_in, H, W) or unbatched (C_in, H, W)
    weight : Tensor (C_in, C_out / groups, kH, kW)
    bias : Tensor (C_out,), optional
    stride, dilation : int or (int, int), >= 1
    padding : int or (int, int): removes P rows/columns from each side of the output
    output_padding : int or (int, int), smaller than stride or dilation: extra rows on
        the bottom/right, to pick one of the input sizes a strided conv2d maps to H
    groups : int

    Returns
    -------
    Tensor (N, C_out, Hout, Wout), Hout = (H − 1)S − 2P + D(kH − 1) + output_padding + 1
    """
    x, weight, bias = _tensors("conv_transpose2d", x, weight, bias)
    x, unbatched = add_batch_axis(x)
    stride_ = pair(stride, "conv_transpose2d: stride", 1)
    dilation_ = pair(dilation, "conv_transpose2d: dilation", 1)
    extra = pair(output_padding, "conv_transpose2d: output_padding", 0)
    for op, s, d in zip(extra, stride_, dilation_):
        if op >= s and op >= d:
            raise ValueError(
                f"conv_transpose2d: output_padding {extra} must be smaller than stride "
                f"{stride_} or dilation {dilation_}"
            )
    kernel = (int(weight.shape[2]), int(weight.shape[3])) if weight.ndim == 4 else (1, 1)
    window = Window(kernel, stride_, pair(padding, "conv_transpose2d: padding", 0), dilation_)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    y = ConvTranspose2dOp.apply(
        *inputs,
        window=window,
        groups=check_int("conv_transpose2d", "groups", groups),
        output_padding=extra,
    )
    return y.squeeze(0) if unbatched else y


def conv2d_weight_grad(
    x: Tensor,
    gy: Tensor,
    kernel_size: IntPair,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """∂L/∂weight of ``conv2d(x, weight, ...)`` given gy = ∂L/∂output (differentiable).

    x (N, C_in, H, W), gy (N, C_out, Ho, Wo) -> (C_out, C_in / groups, kH, kW).
    """
    window = Window(
        pair(kernel_size, "kernel_size", 1),
        pair(stride, "stride", 1),
        pair(padding, "padding", 0),
        pair(dilation, "dilation", 1),
    )
    return Conv2dWeightGradOp.apply(x, gy, window=window, groups=int(groups))
