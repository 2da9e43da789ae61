"""Normalisation layers: batch norm, local response norm (across channels) and local
contrast norm (across space)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.tensor import Tensor

from ..functional._inputs import as_tensor, check_int, check_ndim, check_number
from ..functional.normalization import (
    PaddingMode,
    Variance,
    batch_norm,
    check_lcn_options,
    default_sigma,
    local_contrast_norm,
    local_response_norm,
)
from ..module import Module
from ..parameter import Parameter


class _BatchNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics per channel (axis 1).

    Training uses batch statistics and updates ``running_mean``/``running_var`` with
    PyTorch's convention running = (1 - momentum) running + momentum batch (unbiased
    variance); ``eval()`` uses the running statistics. State-dict keys match PyTorch:
    weight, bias, running_mean, running_var, num_batches_tracked.
    """

    # buffers (register_buffer): None when track_running_stats=False
    running_mean: np.ndarray | None
    running_var: np.ndarray | None

    op_labels = frozenset({"mean", "-", "*", "+", "/", "sqrt", "reshape"})

    expected_ndim: tuple[int, ...] = ()
    layout = other = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        num_features = check_int(name, "num_features", num_features, 1)
        if check_number(name, "eps", eps) < 0:  # eps < 0 can make var + eps negative: NaN
            raise ValueError(f"{name}: eps must be >= 0, got {eps}")
        if momentum is not None:
            if not isinstance(momentum, (int, float, np.number)) or isinstance(momentum, bool):
                raise TypeError(
                    f"{name}: momentum must be a number or None, got "
                    f"{type(momentum).__name__} {momentum!r}"
                )
            if not 0.0 <= momentum <= 1.0:
                raise ValueError(
                    f"{name}: momentum must be in [0, 1] or None (cumulative average), got "
                    f"{momentum}"
                )
        dtype = dtype or get_default_dtype()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)

    def forward(self, x: Tensor) -> Tensor:
        name = type(self).__name__
        x = as_tensor(x, name)
        check_ndim(x, name, self.expected_ndim, self.layout, self.other)
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{name}: input has {x.shape[1]} channels (shape {x.shape}) but the layer "
                f"was built for {self.num_features}"
            )
        use_batch = self.training or not self.track_running_stats
        momentum = self.momentum
        counting = self.training and self.track_running_stats
        if counting and momentum is None:  # cumulative moving average, as in PyTorch
            momentum = 1.0 / float(self.num_batches_tracked + 1)
        y = batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=use_batch,
            momentum=momentum if momentum is not None else 0.0,
            eps=self.eps,
        )
        if counting:  # only once batch_norm succeeded: a refused batch changes nothing
            self.num_batches_tracked += 1
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm for (N, C) or (N, C, L) inputs."""

    expected_ndim = (2, 3)
    layout, other = "(N, C) or (N, C, L)", "BatchNorm2d for (N, C, H, W)"


class BatchNorm2d(_BatchNorm):
    """Batch norm for (N, C, H, W) images: statistics over N, H and W per channel."""

    expected_ndim = (4,)
    layout, other = "(N, C, H, W)", "BatchNorm1d for (N, C) or (N, C, L)"


class LocalResponseNorm(Module):
    r"""Local response normalisation across channels, PyTorch's ``nn.LocalResponseNorm``.

    .. math::

        b_c = a_c \Big(k + \frac{\alpha}{n} \sum_{c' \in \text{window}(c)} a_{c'}^2\Big)^{-\beta}

    over the ``n = size`` channels around c (zero channels beyond the edges). See
    ``nn.functional.local_response_norm``. Input (N, C, *), no parameters.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        size = check_int("LocalResponseNorm", "size", size, 1)
        for arg, value in (("alpha", alpha), ("beta", beta), ("k", k)):
            check_number("LocalResponseNorm", arg, value)
        self.size, self.alpha, self.beta, self.k = int(size), alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x, "LocalResponseNorm")
        if x.ndim < 3:
            check_ndim(x, "LocalResponseNorm", (3,), "(N, C, *)", count="at least 3")
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class LocalContrastNorm(Module):
    """Local contrast normalisation (Jarrett et al. 2009) with a ``size x size`` Gaussian
    window: subtract the local mean z̄ (over the window and the channels), then divide by
    max(c, σ), σ the local spread and c its mean over the image.

    ``subtractive_only=True`` stops after the subtraction. See
    ``nn.functional.local_contrast_norm`` for the formulas and the other options.
    Input (N, C, H, W) or (C, H, W), no parameters (PyTorch has no namesake).
    """

    def __init__(
        self,
        size: int = 9,
        sigma: float | None = None,
        eps: float = 1e-4,
        *,
        subtractive_only: bool = False,
        across_channels: bool = True,
        variance: Variance = "jarrett",
        padding_mode: PaddingMode = "reflect",
    ) -> None:
        super().__init__()
        check_lcn_options(
            size,
            sigma,
            eps,
            variance,
            padding_mode,  # fail here, not later
            "LocalContrastNorm",
        )
        self.size, self.sigma, self.eps = int(size), sigma, eps
        self.subtractive_only, self.across_channels = subtractive_only, across_channels
        self.variance: Variance = variance
        self.padding_mode: PaddingMode = padding_mode

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x, "LocalContrastNorm")
        check_ndim(x, "LocalContrastNorm", (3, 4), "(N, C, H, W) or unbatched (C, H, W)")
        return local_contrast_norm(
            x,
            self.size,
            self.sigma,
            self.eps,
            subtractive_only=self.subtractive_only,
            across_channels=self.across_channels,
            variance=self.variance,
            padding_mode=self.padding_mode,
        )

    def extra_repr(self) -> str:
        sigma = default_sigma(self.size) if self.sigma is None else self.sigma
        text = f"{self.size}, sigma={sigma:g}, eps={self.eps}"
        if self.subtractive_only:
            text += ", subtractive_only=True"
        if not self.across_channels:
            text += ", across_channels=False"
        if self.variance != "jarrett":
            text += f", variance={self.variance!r}"
        if self.padding_mode != "reflect":
            text += f", padding_mode={self.padding_mode!r}"
        return text
