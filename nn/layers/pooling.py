"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``LPPool2d``, ``AdaptiveAvgPool2d``
(PyTorch's argument order, attributes and ``repr``; no parameters)."""

from __future__ import annotations

from typing import Any

from autograd.tensor import Tensor

from ..functional._inputs import (
    IntPair,
    as_tensor,
    check_divisor,
    check_ndim,
    check_norm_type,
    check_output_size,
    pair,
)
from ..functional.pooling import (
    _pool_window,
    adaptive_avg_pool2d,
    avg_pool2d,
    lp_pool2d,
    max_pool2d,
)
from ..module import Module

__all__ = ["MaxPool2d", "AvgPool2d", "LPPool2d", "AdaptiveAvgPool2d"]

_LAYOUT = "(N, C, H, W) or unbatched (C, H, W)"


def _image(x: Tensor, name: str) -> Tensor:
    """The input rule plus the rank every 2-D pooling layer needs."""
    x = as_tensor(x, name)
    check_ndim(x, name, (3, 4), _LAYOUT)
    return x


class MaxPool2d(Module):
    """Max over each kH x kW window; the backward routes the gradient to the arg-max only
    (ties: the first maximum in row-major window order, as in PyTorch).

    Parameters
    ----------
    kernel_size : int or pair
    stride : int or pair, default ``kernel_size``
    padding : int or pair (implicit -inf, at most half the kernel)
    dilation : int or pair
    return_indices : forward also returns the flat index of each maximum
    ceil_mode : round the output size up

    Notes
    -----
    Shapes: (N, C, H, W) -> (N, C, Ho, Wo), Ho = ⌊(H + 2P − D(kH − 1) − 1)/S⌋ + 1.
    """

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        _pool_window("MaxPool2d", kernel_size, stride, padding, dilation)  # fail here, not later
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Any:
        return max_pool2d(
            _image(x, "MaxPool2d"),
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over each kH x kW window (a depthwise convolution with a constant kernel).

    Parameters
    ----------
    kernel_size : int or pair
    stride : int or pair, default ``kernel_size``
    padding : int or pair (zeros, at most half the kernel)
    ceil_mode : round the output size up
    count_include_pad : padded zeros count in the divisor (PyTorch's default)
    divisor_override : divide every window sum by this instead
    """

    def __init__(
        self,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        padding: IntPair = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        _pool_window("AvgPool2d", kernel_size, stride, padding)  # fail here, not later
        check_divisor("AvgPool2d", divisor_override)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(
            _image(x, "AvgPool2d"),
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class LPPool2d(Module):
    """L^p pooling. PyTorch's form (Σ_window z^p)^(1/p) by default; ``mean=True`` (keyword
    only, so PyTorch's positional ``ceil_mode`` keeps its place) gives the textbook's
    ((1/|P|) Σ_window z^p)^(1/p): p = 1 is average pooling, p → ∞ tends to max pooling.

    Parameters
    ----------
    norm_type : float p
    kernel_size : int or pair
    stride : int or pair, default ``kernel_size``
    ceil_mode : round the output size up
    mean : the textbook's mean form
    """

    def __init__(
        self,
        norm_type: float,
        kernel_size: IntPair,
        stride: IntPair | None = None,
        ceil_mode: bool = False,
        *,
        mean: bool = False,
    ) -> None:
        super().__init__()
        check_norm_type("LPPool2d", norm_type)  # fail here, not at the first forward
        pair(kernel_size, "LPPool2d: kernel_size", 1)
        if stride is not None:
            pair(stride, "LPPool2d: stride", 1)
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode, self.mean = ceil_mode, mean

    def forward(self, x: Tensor) -> Tensor:
        return lp_pool2d(
            _image(x, "LPPool2d"),
            self.norm_type,
            self.kernel_size,
            self.stride,
            self.ceil_mode,
            mean=self.mean,
        )

    def extra_repr(self) -> str:
        text = (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )
        return text + (", mean=True" if self.mean else "")


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed (Ho, Wo) whatever the input size (PyTorch's window rule:
    cells ⌊i·H/Ho⌋ .. ⌈(i+1)·H/Ho⌉ − 1). ``output_size``: int or pair; None keeps a size."""

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        check_output_size("AdaptiveAvgPool2d", output_size)  # fail here, not later
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(_image(x, "AdaptiveAvgPool2d"), self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
