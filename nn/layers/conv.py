"""Convolution layers: ``Conv2d`` and ``ConvTranspose2d`` (PyTorch's arguments, shapes,
parameter names and default initialisation)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.random import as_generator
from autograd.tensor import Tensor

from .. import init
from ..functional._inputs import IntPair, as_input_for, check_int, pair
from ..functional.conv import check_conv_input, conv2d, conv_transpose2d
from ..module import Module
from ..parameter import Parameter

__all__ = ["Conv2d", "ConvTranspose2d"]


def _check_channels(
    name: str, in_channels: Any, out_channels: Any, kernel_size: Any, groups: Any
) -> tuple[int, int, tuple[int, int], int]:
    """Channel counts, kernel and groups as PyTorch requires them (ValueError/TypeError)."""
    in_channels = check_int(name, "in_channels", in_channels, 1)
    out_channels = check_int(name, "out_channels", out_channels, 1)
    kernel = pair(kernel_size, f"{name}: kernel_size", 1)
    groups = check_int(name, "groups", groups, 1)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{name}: groups={groups} must divide in_channels={in_channels} and "
            f"out_channels={out_channels}"
        )
    return in_channels, out_channels, kernel, groups


class _ConvNd(Module):
    """Shared set-up: the weight, the bias and PyTorch's default initialisation

        W ~ kaiming_uniform_(a=√5) = U(−1/√fan_in, 1/√fan_in),  b ~ U(−1/√fan_in, 1/√fan_in),

    with fan_in = weight.shape[1] · kH · kW, which is C_in/groups · kH · kW for Conv2d and
    C_out/groups · kH · kW for ConvTranspose2d (PyTorch computes it from the weight too).
    """

    def __init__(
        self,
        name: str,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, int],
        groups: int,
        bias: bool,
        transposed: bool,
        dtype: Any,
        rng: Any,
    ) -> None:
        # every argument is checked by the subclass before this draws any random number
        super().__init__()
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = kernel_size
        shape = (
            (in_channels, out_channels // groups)
            if transposed
            else (out_channels, in_channels // groups)
        )
        dtype = dtype or get_default_dtype()
        rng = as_generator(rng)
        self.weight = Parameter(np.empty((*shape, *self.kernel_size), dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if bias:
            bound = 1.0 / math.sqrt(init.fan_in_and_fan_out(self.weight)[0])
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, rng=rng)
        else:
            self.register_parameter("bias", None)

    def _repr_tail(self) -> str:
        parts = []
        if self.padding != (0, 0):
            parts.append(f"padding={self.padding}")
        if self.dilation != (1, 1):
            parts.append(f"dilation={self.dilation}")
        if getattr(self, "output_padding", (0, 0)) != (0, 0):
            parts.append(f"output_padding={self.output_padding}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        return "".join(", " + p for p in parts)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}" + self._repr_tail()
        )


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over (N, C_in, H, W) inputs.

    u[n, m] = b[m] + Σ_k W[m, k] ⋆ z[n, k]  (see ``nn.functional.conv2d``).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or (int, int)
    padding : int, (int, int), ``"valid"`` or ``"same"`` (stride 1)
    groups : int dividing both channel counts (``groups=in_channels``: depthwise)
    bias : bool
    padding_mode : only ``"zeros"``
    rng : seed or ``np.random.Generator`` for the initial weights

    Notes
    -----
    Shapes: weight (C_out, C_in/groups, kH, kW), bias (C_out,); output (N, C_out, Ho, Wo),
    Ho = ⌊(H + 2P − D(kH − 1) − 1)/S⌋ + 1.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair | str = 0,
        dilation: IntPair = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        dtype: Any = None,
        rng: Any = None,
    ) -> None:
        in_channels, out_channels, kernel, groups = _check_channels(
            "Conv2d", in_channels, out_channels, kernel_size, groups
        )
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: padding_mode {padding_mode!r} is not supported; use 'zeros'")
        stride_ = pair(stride, "Conv2d: stride", 1)
        dilation_ = pair(dilation, "Conv2d: dilation", 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Conv2d: padding must be 'same', 'valid' or ints, got {padding!r}"
                )
            if padding == "same" and stride_ != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided convolutions")
            padding_: Any = padding
        else:
            padding_ = pair(padding, "Conv2d: padding", 0)
        super().__init__(
            "Conv2d", in_channels, out_channels, kernel, groups, bias, False, dtype, rng
        )
        self.stride, self.dilation, self.padding = stride_, dilation_, padding_

    def forward(self, x: Tensor) -> Tensor:
        x = as_input_for(x, self.weight, "Conv2d")
        check_conv_input(x, "Conv2d", self.in_channels)
        return conv2d(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class ConvTranspose2d(_ConvNd):
    """Transposed convolution ("deconvolution"): the adjoint of Conv2d; it maps an
    (N, C_in, H, W) map to a larger (N, C_out, Hout, Wout) one.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, padding, output_padding, dilation : int or (int, int)
    groups : int
    bias : bool
    rng : seed or ``np.random.Generator`` for the initial weights

    Notes
    -----
    Shapes: weight (C_in, C_out/groups, kH, kW), bias (C_out,);
    Hout = (H − 1)S − 2P + D(kH − 1) + output_padding + 1. ``forward(x, output_size)``
    picks output_padding to reach a requested (Hout, Wout), as in PyTorch.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair = 0,
        output_padding: IntPair = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntPair = 1,
        padding_mode: str = "zeros",
        *,
        dtype: Any = None,
        rng: Any = None,
    ) -> None:
        in_channels, out_channels, kernel, groups = _check_channels(
            "ConvTranspose2d", in_channels, out_channels, kernel_size, groups
        )
        if padding_mode != "zeros":
            raise ValueError(
                f"ConvTranspose2d: padding_mode {padding_mode!r} is not supported; use 'zeros'"
            )
        stride_ = pair(stride, "ConvTranspose2d: stride", 1)
        padding_ = pair(padding, "ConvTranspose2d: padding", 0)
        output_padding_ = pair(output_padding, "ConvTranspose2d: output_padding", 0)
        dilation_ = pair(dilation, "ConvTranspose2d: dilation", 1)
        if any(o >= s and o >= d for o, s, d in zip(output_padding_, stride_, dilation_)):
            raise ValueError(
                f"ConvTranspose2d: output_padding {output_padding_} must be smaller than "
                f"stride {stride_} or dilation {dilation_}"
            )
        super().__init__(
            "ConvTranspose2d", in_channels, out_channels, kernel, groups, bias, True, dtype, rng
        )
        self.stride, self.padding = stride_, padding_
        self.output_padding, self.dilation = output_padding_, dilation_

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, int]:
        if output_size is None:
            return self.output_padding
        wanted = tuple(output_size)[-2:]
        smallest = [
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(
                x.shape[-2:], self.stride, self.padding, self.dilation, self.kernel_size
            )
        ]
        extra = tuple(w - m for w, m in zip(wanted, smallest))
        if min(extra) < 0 or any(e >= s for e, s in zip(extra, self.stride)):
            raise ValueError(
                f"ConvTranspose2d: output_size {tuple(wanted)} is not reachable from input "
                f"{x.shape}: sizes run from {tuple(smallest)} to "
                f"{tuple(m + s - 1 for m, s in zip(smallest, self.stride))}"
            )
        return extra

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        x = as_input_for(x, self.weight, "ConvTranspose2d")
        check_conv_input(x, "ConvTranspose2d", self.in_channels)
        return conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(x, output_size),
            self.groups,
            self.dilation,
        )
