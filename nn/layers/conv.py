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
from ..functional.conv import IntPair, conv2d, conv_transpose2d, pair
from ..module import Module
from ..parameter import Parameter

__all__ = ["Conv2d", "ConvTranspose2d"]


class _ConvNd(Module):
    """Shared set-up: the weight, the bias and PyTorch's default initialisation

        W ~ kaiming_uniform_(a=√5) = U(−1/√fan_in, 1/√fan_in),  b ~ U(−1/√fan_in, 1/√fan_in),

    with fan_in = weight.shape[1] · kH · kW, which is C_in/groups · kH · kW for Conv2d and
    C_out/groups · kH · kW for ConvTranspose2d (PyTorch computes it from the weight too).
    """

    def __init__(self, name: str, in_channels: int, out_channels: int, kernel_size: IntPair,
                 groups: int, bias: bool, transposed: bool, dtype: Any, rng: Any) -> None:
        super().__init__()
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(
                f"{name}: in_channels and out_channels must be positive, got "
                f"{in_channels} and {out_channels}"
            )
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: groups={groups} must divide in_channels={in_channels} and "
                f"out_channels={out_channels}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair(kernel_size, f"{name}: kernel_size", 1)
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups))
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
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}" + self._repr_tail())


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

    Shapes: weight (C_out, C_in/groups, kH, kW), bias (C_out,); output (N, C_out, Ho, Wo),
    Ho = ⌊(H + 2P − D(kH − 1) − 1)/S⌋ + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntPair,
                 stride: IntPair = 1, padding: IntPair | str = 0, dilation: IntPair = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", *,
                 dtype: Any = None, rng: Any = None) -> None:
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, groups, bias,
                         False, dtype, rng)
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: padding_mode {padding_mode!r} is not supported; use 'zeros'")
        self.stride = pair(stride, "Conv2d: stride", 1)
        self.dilation = pair(dilation, "Conv2d: dilation", 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Conv2d: padding must be 'same', 'valid' or ints, got {padding!r}"
                )
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = pair(padding, "Conv2d: padding", 0)

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


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

    Shapes: weight (C_in, C_out/groups, kH, kW), bias (C_out,);
    Hout = (H − 1)S − 2P + D(kH − 1) + output_padding + 1. ``forward(x, output_size)``
    picks output_padding to reach a requested (Hout, Wout), as in PyTorch.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntPair,
                 stride: IntPair = 1, padding: IntPair = 0, output_padding: IntPair = 0,
                 groups: int = 1, bias: bool = True, dilation: IntPair = 1,
                 padding_mode: str = "zeros", *, dtype: Any = None, rng: Any = None) -> None:
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, groups,
                         bias, True, dtype, rng)
        if padding_mode != "zeros":
            raise ValueError(
                f"ConvTranspose2d: padding_mode {padding_mode!r} is not supported; use 'zeros'"
            )
        self.stride = pair(stride, "ConvTranspose2d: stride", 1)
        self.padding = pair(padding, "ConvTranspose2d: padding", 0)
        self.output_padding = pair(output_padding, "ConvTranspose2d: output_padding", 0)
        self.dilation = pair(dilation, "ConvTranspose2d: dilation", 1)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, int]:
        if output_size is None:
            return self.output_padding
        wanted = tuple(output_size)[-2:]
        smallest = [
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(x.shape[-2:], self.stride, self.padding, self.dilation,
                                     self.kernel_size)
        ]
        extra = tuple(w - m for w, m in zip(wanted, smallest))
        if min(extra) < 0 or any(e >= s for e, s in zip(extra, self.stride)):
            raise ValueError(
                f"ConvTranspose2d: output_size {tuple(wanted)} is not reachable from input "
                f"{x.shape}: sizes run from {tuple(smallest)} to "
                f"{tuple(m + s - 1 for m, s in zip(smallest, self.stride))}"
            )
        return extra  # type: ignore[return-value]

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(x, output_size), self.groups, self.dilation)
