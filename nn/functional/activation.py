"""Activation functions: softmax and log-softmax as fused stable ops, leaky ReLU with
PyTorch's ``negative_slope``, PReLU, maxout, and dropout, dropout2d. (``F.relu``,
``F.tanh`` and ``F.sigmoid`` are the autograd ops themselves.)"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.random import as_generator
from autograd.rules import DerivativeRule
from autograd.tensor import Tensor

from ._inputs import as_tensor, check_dim, check_int, check_prelu_channels, check_probability


def _stable_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    # subtracting the max changes nothing mathematically and keeps exp() from overflowing
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class SoftmaxOp(Function):
    """y_k = exp(x_k) / sum_j exp(x_j);  dx = y * (gy - sum(gy * y))  (Jacobian diag(y) - y y^T)."""

    op = "softmax"
    rule = DerivativeRule.of("x", "y·(gy − Σ gy·y)")

    def forward(self, x: np.ndarray, dim: int = -1) -> np.ndarray:
        self.dim = dim
        # e^(x - max) / sum: exp(log_softmax) would round the argument x - max - log(sum)
        # first, an error of |log y| ulps in y (1e-14 at y = e^-88 in float64)
        e = np.exp(x - np.max(x, axis=dim, keepdims=True))
        return e / np.sum(e, axis=dim, keepdims=True)

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output
        return y * (gy - (gy * y).sum(axis=self.dim, keepdims=True))


class LogSoftmaxOp(Function):
    """y_k = x_k - log sum_j exp(x_j);  dx = gy - softmax(x) * sum(gy)."""

    op = "log_softmax"
    rule = DerivativeRule.of("x", "gy − softmax({0})·Σ gy")

    def forward(self, x: np.ndarray, dim: int = -1) -> np.ndarray:
        self.dim = dim
        return _stable_log_softmax(x, dim)

    def backward(self, gy: Tensor) -> Tensor:
        return gy - self.output.exp() * gy.sum(axis=self.dim, keepdims=True)


def softmax(x: Any, dim: int = -1) -> Tensor:
    """Softmax along ``dim``: outputs in (0, 1) summing to 1."""
    x = as_tensor(x, "softmax")
    check_dim(x, "softmax", dim)
    return SoftmaxOp.apply(x, dim=dim)


def log_softmax(x: Any, dim: int = -1) -> Tensor:
    """log(softmax(x)) computed without forming softmax (no log of 0)."""
    x = as_tensor(x, "log_softmax")
    check_dim(x, "log_softmax", dim)
    return LogSoftmaxOp.apply(x, dim=dim)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """max(0, x) + negative_slope · min(0, x), PyTorch's ``F.leaky_relu`` (the autograd
    op ``leaky_relu``; its derivative is 1 for x > 0, ``negative_slope`` otherwise)."""
    return as_tensor(x, "leaky_relu").leaky_relu(negative_slope)


def prelu(x: Any, weight: Any) -> Tensor:
    """f(u) = max(0, u) + a min(0, u) with learnable a; ``weight`` has 1 or C (channel
    axis 1) entries, as in PyTorch.

    Derivatives as PyTorch's: f'(u) = 1 for u > 0, else a (also at u = 0 and nan);
    df/da = u for u <= 0, else 0. So it is written u [u > 0] + a (u [u <= 0]), the
    masks by ``where``: a product with the mask would turn u = +-inf into inf * 0 = nan.
    """
    from autograd import where

    x, weight = as_tensor(x, "prelu"), as_tensor(weight, "prelu", "weight")
    check_prelu_channels(x, "prelu", weight.numel())
    a = weight
    if weight.numel() > 1:
        shape = [1] * x.ndim
        shape[1 if x.ndim > 1 else 0] = weight.numel()
        a = weight.reshape(tuple(shape))
    positive = x._data > 0
    zero = np.zeros((), dtype=x.dtype)
    return where(positive, x, zero) + a * where(positive, zero, x)


def maxout(x: Any, pool_size: int, dim: int = -1) -> Tensor:
    """Maximum over consecutive groups of ``pool_size`` units along ``dim``.

    (..., C, ...) -> (..., C // pool_size, ...); C must be divisible by pool_size.
    """
    x = as_tensor(x, "maxout")
    check_int("maxout", "pool_size", pool_size, 1)
    dim = check_dim(x, "maxout", dim, scalar_ok=False)
    c = x.shape[dim]
    if c % pool_size:
        raise ValueError(
            f"maxout: {c} units along dim {dim} do not split into groups of {pool_size}"
        )
    grouped = x.reshape(x.shape[:dim] + (c // pool_size, pool_size) + x.shape[dim + 1 :])
    return grouped.amax(dim=dim + 1)


def dropout(
    x: Any, p: float = 0.5, training: bool = True, rng: np.random.Generator | None = None
) -> Tensor:
    """Inverted dropout: zero each unit with probability p and scale the rest by 1/(1-p),
    so the expected activation is unchanged and evaluation needs no rescaling."""
    check_probability("dropout", "p", p)
    x = as_tensor(x, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    rng = as_generator(rng)
    keep = rng.random(x.shape) >= p
    mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    return x * mask


def dropout2d(
    x: Any, p: float = 0.5, training: bool = True, rng: np.random.Generator | None = None
) -> Tensor:
    """Channel dropout (PyTorch's ``F.dropout2d``): zero each whole feature map x[n, c]
    with probability p and scale the surviving maps by 1/(1-p); identity when not
    training.

    Neighbouring pixels of a feature map are strongly correlated, so dropping single
    pixels barely regularises a convolutional layer -- the map's neighbours carry the
    same information. Dropping the whole map does.

    Parameters
    ----------
    x : Tensor (N, C, H, W), or unbatched (C, H, W)
        A 3-D input is one image: its maps x[c] are dropped, as PyTorch documents for
        ``nn.Dropout2d``. (PyTorch 2.x itself still treats 3-D input as (N, C, L) and
        zeroes rows x[n, c, :] with a warning; pass (1, C, H, W) to be unambiguous.)
    p : float in [0, 1]
    training : bool
    rng : numpy Generator, optional (the default stream, ``autograd.manual_seed``, when omitted)
    """
    check_probability("dropout2d", "p", p)
    x = as_tensor(x, "dropout2d")
    if x.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d: expected input (N, C, H, W) or unbatched (C, H, W), got shape "
            f"{x.shape}; use dropout for other ranks"
        )
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    rng = as_generator(rng)
    # one draw per map; the (1, 1) trailing axes broadcast it over the map's pixels
    keep = rng.random(x.shape[:-2] + (1, 1)) >= p
    mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    return x * mask
