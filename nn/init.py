"""Weight initialisers (in place, PyTorch's names). Each keeps the variance of signals
roughly constant from layer to layer; ``rng`` is a seed or ``np.random.Generator`` (None:
the default stream that ``autograd.manual_seed`` seeds).

    LeCun        Var[w] = 1 / fan_in                  (tanh/sigmoid-like, SELU)
    Glorot/Xavier Var[w] = 2 / (fan_in + fan_out)      (tanh, keeps forward and backward)
    He/Kaiming   Var[w] = 2 / fan_in                  (ReLU halves the variance)

A uniform U(-b, b) has variance b^2 / 3, so each uniform bound is sqrt(3 Var).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.random import as_generator
from autograd.tensor import Tensor

__all__ = [
    "calculate_gain",
    "fan_in_and_fan_out",
    "uniform_",
    "normal_",
    "constant_",
    "zeros_",
    "ones_",
    "lecun_uniform_",
    "lecun_normal_",
    "xavier_uniform_",
    "xavier_normal_",
    "glorot_uniform_",
    "glorot_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "he_uniform_",
    "he_normal_",
    "orthogonal_",
]


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.data[...] = values.astype(tensor.dtype, copy=False)
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gains: relu sqrt(2), tanh 5/3, leaky_relu sqrt(2/(1+a^2)), ..."""
    linear_like = (
        "linear",
        "identity",
        "sigmoid",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    )
    if nonlinearity in linear_like:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """fan_in = in_features x receptive field, fan_out = out_features x receptive field,
    for weights shaped (out, in, *kernel) as Linear and Conv store them."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"fan in/out need a weight with >= 2 dimensions, got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, rng: Any = None) -> Tensor:
    return _fill(tensor, as_generator(rng).uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, rng: Any = None) -> Tensor:
    return _fill(tensor, as_generator(rng).normal(mean, std, tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    tensor.data[...] = val
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def lecun_uniform_(tensor: Tensor, rng: Any = None) -> Tensor:
    """U(-b, b), b = sqrt(3 / fan_in): Var = 1 / fan_in."""
    bound = math.sqrt(3.0 / _fan(tensor, "fan_in"))
    return uniform_(tensor, -bound, bound, rng)


def lecun_normal_(tensor: Tensor, rng: Any = None) -> Tensor:
    """N(0, 1 / fan_in)."""
    return normal_(tensor, 0.0, math.sqrt(1.0 / _fan(tensor, "fan_in")), rng)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """U(-b, b), b = gain sqrt(6 / (fan_in + fan_out)): Var = gain^2 2 / (fan_in + fan_out)."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """N(0, gain^2 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: Any = None,
) -> Tensor:
    """U(-b, b), b = gain sqrt(3 / fan): with ReLU's gain sqrt(2), Var = 2 / fan_in."""
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: Any = None,
) -> Tensor:
    """N(0, gain^2 / fan): with ReLU's gain sqrt(2), Var = 2 / fan_in."""
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)), rng)


def orthogonal_(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix (signs
    fixed so the result is uniformly distributed), times ``gain``; trailing dims flattened."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: needs >= 2 dimensions, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = as_generator(rng).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_
