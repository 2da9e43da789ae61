"""Batch normalisation (shared by BatchNorm1d and BatchNorm2d)."""

from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor


def batch_norm(
    x: Tensor,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over every axis except the channel axis 1 (PyTorch's ``F.batch_norm``).

    x: (N, C) or (N, C, *). In training the batch mean and (biased) variance normalise
    ``x`` and the running statistics move towards them in place::

        running = (1 - momentum) * running + momentum * batch   (variance unbiased, n/(n-1))

    In evaluation the running statistics are used. Built from differentiable ops, so its
    gradient (and second derivative) comes from the chain rule.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {x.shape}")
    axes = (0,) + tuple(range(2, x.ndim))
    stat_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // x.shape[1]
        if n <= 1:
            raise ValueError(
                f"batch_norm: training needs more than one value per channel, got input "
                f"shape {x.shape}"
            )
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            running_mean *= 1.0 - momentum
            running_mean += momentum * mean.data.reshape(-1)
            running_var *= 1.0 - momentum
            running_var += momentum * var.data.reshape(-1) * (n / (n - 1))
        x_hat = centered / (var + eps).sqrt()
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode needs running statistics")
        scale = 1.0 / np.sqrt(running_var.reshape(stat_shape) + eps)
        x_hat = (x - running_mean.reshape(stat_shape).astype(x.dtype)) * scale.astype(x.dtype)
    if weight is not None:
        x_hat = x_hat * weight.reshape(stat_shape)
    if bias is not None:
        x_hat = x_hat + bias.reshape(stat_shape)
    return x_hat

