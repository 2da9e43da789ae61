"""Normalisation: batch norm (shared by BatchNorm1d/2d), local response normalisation
(across channels, AlexNet/PyTorch) and local contrast normalisation (across space,
Jarrett et al. 2009).

All three are compositions of differentiable Tensor ops, so their gradients -- and
second derivatives -- come from the chain rule; nothing here has a hand-written backward.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from autograd.ops.elementwise import maximum
from autograd.tensor import Tensor

from ._inputs import as_tensor
from .conv import conv2d

__all__ = ["batch_norm", "local_response_norm", "local_contrast_norm", "gaussian_window"]


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
    x = as_tensor(x, "batch_norm")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {x.shape}")
    if training and not eps > 0:  # PyTorch's rule: var + eps must stay away from 0
        raise ValueError(f"batch_norm: eps must be positive in training, got {eps}")
    # all shapes checked before the running statistics move: a refused call changes nothing
    for name, given in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if given is not None and np.shape(given) != (x.shape[1],):
            raise ValueError(
                f"batch_norm: {name} has shape {np.shape(given)} but the input {x.shape} has "
                f"{x.shape[1]} channels (axis 1); it must be ({x.shape[1]},)"
            )
    axes = (0,) + tuple(range(2, x.ndim))
    stat_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        n = x.numel() // x.shape[1]
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
            running_mean += momentum * mean._data.reshape(-1)
            running_var *= 1.0 - momentum
            running_var += momentum * var._data.reshape(-1) * (n / (n - 1))
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


# ---------------------------------------------------------------- local response norm
def local_response_norm(
    x: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    r"""Local response normalisation across channels, exactly PyTorch's
    ``F.local_response_norm`` (Krizhevsky et al. 2012, with PyTorch's averaging).

    .. math::

        b_c = a_c \Big(k + \frac{\alpha}{n} \sum_{c'=c-\lfloor n/2\rfloor}
              ^{c+\lfloor (n-1)/2\rfloor} a_{c'}^2\Big)^{-\beta}

    with ``n = size`` and channels outside ``0 .. C-1`` counted as zeros. Note the
    ``α/n``: PyTorch *averages* the squares over the window (AlexNet's paper sums them,
    i.e. its α is PyTorch's α/n). For an even ``n`` the window reaches one channel
    further back than forward, as in PyTorch.

    Parameters
    ----------
    x : Tensor (N, C, *) -- at least 3 dimensions, channels on axis 1 (PyTorch's rule)
    size : int >= 1, number of neighbouring channels n in the window
    alpha, beta, k : float

    Returns
    -------
    Tensor of the shape of ``x``.
    """
    x = as_tensor(x, "local_response_norm")
    if x.ndim < 3:
        raise ValueError(
            f"local_response_norm: expected input of shape (N, C, *) with at least 3 "
            f"dimensions, got shape {x.shape}; add a batch axis with x.unsqueeze(0)"
        )
    if int(size) != size or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    size = int(size)
    if x.numel() == 0:
        return x
    channels = x.shape[1]
    widths = [(0, 0)] * x.ndim
    widths[1] = (size // 2, (size - 1) // 2)  # zero channels before/after, as PyTorch pads
    padded = (x * x).pad(widths)
    # Channel c of the j-th slice is padded channel c + j, i.e. original channel
    # c + j - size//2: summing the `size` shifted slices sums every window at once.
    window = padded[:, 0:channels]
    for j in range(1, size):
        window = window + padded[:, j : j + channels]
    return x / (window * (alpha / size) + k) ** beta


# ---------------------------------------------------------------- local contrast norm
PaddingMode = Literal["reflect", "replicate", "zeros"]
Variance = Literal["jarrett", "local"]
_PADDING_MODES = ("reflect", "replicate", "zeros")


def default_sigma(size: int) -> float:
    """(size − 1) / 4 pixels: the window's edge at 2σ (any σ > 0 for a 1 x 1 window)."""
    return (size - 1) / 4.0 if size > 1 else 1.0


def gaussian_window(
    size: int, sigma: float | None = None, who: str = "local_contrast_norm"
) -> np.ndarray:
    """The ``size x size`` Gaussian weights w_pq ∝ exp(−(p² + q²) / 2σ²), p, q in
    −size//2 .. size//2, normalised so that Σ_pq w_pq = 1 (float64).

    ``sigma`` defaults to ``(size − 1) / 4`` (2 pixels for Jarrett et al.'s 9 x 9
    window): the window's edge is then 2σ from its centre, where the weight has fallen
    to e^{-2} ≈ 0.14 of the centre's along an axis, so little weight is cut off.
    """
    if int(size) != size or size < 1 or size % 2 == 0:
        raise ValueError(
            f"{who}: size must be a positive odd int (a window centred on each pixel), got {size!r}"
        )
    sigma = default_sigma(size) if sigma is None else float(sigma)
    if not sigma > 0.0:
        raise ValueError(f"{who}: sigma must be positive, got {sigma!r}")
    offsets = np.arange(size, dtype=np.float64) - size // 2
    g = np.exp(-(offsets**2) / (2.0 * sigma**2))
    w = np.outer(g, g)  # separable: exp(-(p²+q²)/2σ²) = exp(-p²/2σ²) exp(-q²/2σ²)
    return w / w.sum()


def _local_mean(t: Tensor, window: np.ndarray, padding_mode: str) -> Tensor:
    """(w ⋆ t)_ij = Σ_pq w_pq t_{i+p, j+q} for every channel of (N, C, H, W) ``t``, same
    H x W: a depthwise convolution (groups = C) with the constant Gaussian ``window``."""
    channels = t.shape[1]
    r = window.shape[0] // 2
    weight = Tensor(
        np.ascontiguousarray(np.broadcast_to(window, (channels, 1, *window.shape)), dtype=t.dtype)
    )
    if padding_mode == "zeros" or r == 0:
        return conv2d(t, weight, padding=r, groups=channels)
    # Reflect/replicate padding as one gather with repeated indices: its backward adds
    # the border's gradients back onto the mirrored pixels (np.add.at), and it stays
    # differentiable to any order -- no special padding op needed.
    mode: Literal["reflect", "edge"] = "reflect" if padding_mode == "reflect" else "edge"
    rows = np.pad(np.arange(t.shape[2]), r, mode=mode)
    cols = np.pad(np.arange(t.shape[3]), r, mode=mode)
    padded = t[:, :, rows[:, None], cols[None, :]]
    return conv2d(padded, weight, groups=channels)


def check_lcn_options(
    size: int,
    sigma: float | None,
    eps: float,
    variance: str,
    padding_mode: str,
    who: str = "local_contrast_norm",
) -> np.ndarray:
    """Validate ``local_contrast_norm``'s options (ValueError naming the bad one) and
    return the Gaussian window."""
    if padding_mode not in _PADDING_MODES:
        raise ValueError(
            f"{who}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
        )
    if variance not in ("jarrett", "local"):
        raise ValueError(f"{who}: variance must be 'jarrett' or 'local', got {variance!r}")
    if not eps > 0.0:
        raise ValueError(f"{who}: eps must be positive, got {eps!r}")
    return gaussian_window(size, sigma, who)


def local_contrast_norm(
    x: Tensor,
    size: int = 9,
    sigma: float | None = None,
    eps: float = 1e-4,
    *,
    subtractive_only: bool = False,
    across_channels: bool = True,
    variance: Variance = "jarrett",
    padding_mode: PaddingMode = "reflect",
) -> Tensor:
    r"""Local contrast normalisation (Jarrett, Kavukcuoglu, Ranzato & LeCun, 2009).

    With a Gaussian window w_pq normalised to Σ w_pq = 1 (``gaussian_window``):

    **Subtractive normalisation** -- remove the local mean::

        z̄_ij = (1/C) Σ_k Σ_pq w_pq x_{k, i+p, j+q}          (mean over window and channels)
        v_kij = x_kij − z̄_ij

    **Divisive normalisation** -- divide by the local spread, but never amplify flat,
    low-contrast regions::

        σ_ij = sqrt( (1/C) Σ_k Σ_pq w_pq v²_{k, i+p, j+q} )   (variance="jarrett")
        y_kij = v_kij / max(c, σ_ij),   c = mean_ij σ_ij      (per image)

    Jarrett et al. write the channel mean as one window normalised over channels too
    (Σ_kpq w_pq = 1); it is the same thing. ``variance="local"`` uses the weighted local
    variance around the centre's mean instead, the other form found in textbooks::

        σ²_ij = (1/C) Σ_k Σ_pq w_pq (x_{k, i+p, j+q} − z̄_ij)²  = (w ⋆ x²)_ij − z̄²_ij

    Both forms are invariant to adding a constant to x, and the divisive form is
    invariant to scaling x by a > 0 (v, σ and c all scale by a) as long as σ stays above
    the ``eps`` floor.

    Parameters
    ----------
    x : Tensor (N, C, H, W) or unbatched (C, H, W)
    size : odd int, side of the square window (Jarrett et al. use 9)
    sigma : float, optional, the Gaussian's standard deviation in pixels, default
        ``(size − 1) / 4`` (the window's edge at 2σ)
    eps : float
        σ is floored at ``eps`` (σ = sqrt(max(σ², eps²))): a constant image then gives
        c = eps instead of 0/0, and the square root's slope stays finite. Keep it far
        below the contrast of real data.
    subtractive_only : bool
        Return v, the subtractive normalisation alone.
    across_channels : bool
        True (Jarrett et al.): z̄ and σ are shared by all channels. False: each channel
        is normalised on its own (the single-channel formulas per channel, c per
        image and channel).
    variance : {"jarrett", "local"}
        How σ² is formed, see above.
    padding_mode : {"reflect", "replicate", "zeros"}
        How the window sees past the border, so the output keeps the H x W size.
        "reflect" (default) mirrors without repeating the edge (NumPy's/PyTorch's
        reflect) and "replicate" repeats the edge pixel: both keep the exact invariance
        to adding a constant up to the border. "zeros" counts outside pixels as 0, which
        drags z̄ towards 0 near the border (the invariance then holds only ``size//2``
        pixels inside).

    Returns
    -------
    Tensor of the shape of ``x``.
    """
    x = as_tensor(x, "local_contrast_norm")
    if x.ndim not in (3, 4):
        raise ValueError(
            f"local_contrast_norm: expected input (N, C, H, W) or unbatched (C, H, W), got "
            f"shape {x.shape}"
        )
    window = check_lcn_options(size, sigma, eps, variance, padding_mode)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)

    def pooled(t: Tensor) -> Tensor:
        # The channel mean commutes with the (linear) window sum, so averaging first
        # means one single-channel convolution instead of C of them.
        return t.mean(axis=1, keepdims=True) if across_channels else t

    local_mean = _local_mean(pooled(x), window, padding_mode)  # z̄, broadcast over channels
    v = x - local_mean
    if subtractive_only:
        y = v
    else:
        if variance == "jarrett":
            local_var = _local_mean(pooled(v * v), window, padding_mode)
        else:
            local_var = _local_mean(pooled(x * x), window, padding_mode) - local_mean * local_mean
        spread = maximum(local_var, eps * eps).sqrt()  # σ >= eps (also absorbs round-off < 0)
        c = spread.mean(axis=(2, 3), keepdims=True)
        y = v / maximum(spread, c)
    return y.squeeze(0) if unbatched else y
