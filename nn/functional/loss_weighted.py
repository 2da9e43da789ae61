"""The loss options the fused losses in :mod:`nn.functional.loss` leave out: class
``weight``, ``label_smoothing``, BCE's per-element ``weight`` and ``pos_weight``.

Each is composed from differentiable Tensor ops (``log_softmax``, indexing, products),
so the gradients -- including higher-order ones -- come from autograd rather than from
a hand-written backward. The loss modules (``nn.CrossEntropyLoss`` ...) call these only
when such an option is set and the fused functions otherwise. The formulas are
PyTorch's, with w the class weights, C the number of classes, eps the smoothing and
y_n the target class of sample n (ignored samples contribute nothing)::

    nll_n      = -w[y_n] log p[n, y_n]             mean: sum_n nll_n / sum_n w[y_n]
    smooth_n   = -sum_c w[c] log p[n, c]           mean: sum_n smooth_n / sum_n w[y_n]
    cross-entr = (1 - eps) nll + (eps / C) smooth

    BCE with logits:  w [ p d softplus(-u) + (1 - d) softplus(u) ]
                    = w [ (1 + (p - 1) d) softplus(u) - p d u ]

With probability targets t the smoothed target is (1 - eps) t + eps / C and the loss
-sum_c w[c] t'_c log p_c is averaged over the samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.tensor import Tensor

from .activation import log_softmax
from .loss import (
    _check_reduction,
    _class_indices,
    _same_shape,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
)

__all__ = [
    "nll_loss_weighted",
    "cross_entropy_weighted",
    "binary_cross_entropy_weighted",
    "binary_cross_entropy_with_logits_weighted",
]


def _class_weight(name: str, weight: Any, n_classes: int, dtype: np.dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(getattr(weight, "data", weight), dtype=dtype)
    if w.shape != (n_classes,):
        raise ValueError(
            f"{name}: weight needs one entry per class, shape ({n_classes},), got {w.shape}"
        )
    return w


def _classes_last(x: Tensor) -> Tensor:
    """(N, C, d1, ...) -> (N * d1 * ..., C); (N, C) unchanged; (C,) -> (1, C)."""
    if x.ndim == 1:
        return x.reshape(1, x.shape[0])
    if x.ndim > 2:
        x = x.permute(0, *range(2, x.ndim), 1)
    return x.reshape(-1, x.shape[-1])


def _picked_and_weights(
    name: str, logp: Tensor, target: Any, weight: np.ndarray | None, ignore_index: int
) -> tuple[Tensor, np.ndarray, tuple[int, ...], np.ndarray]:
    """-log p[n, y_n] per sample (flattened), each sample's weight w[y_n] (0 if ignored),
    the target shape, and the mask of kept samples."""
    t, _ = _class_indices(name, logp, target, ignore_index)
    flat = _classes_last(logp)
    flat_t = t.reshape(-1)
    valid = flat_t != ignore_index
    safe = np.where(valid, flat_t, 0)
    sample_w = (weight[safe] if weight is not None else np.ones(safe.shape, logp.dtype)) * valid
    picked = -flat[np.arange(flat_t.size), safe]
    return picked, sample_w.astype(logp.dtype), t.shape, valid


def nll_loss_weighted(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """``F.nll_loss`` with PyTorch's class ``weight``: E_n = -w[y_n] input[n, y_n].

    ``reduction="mean"`` divides by sum_n w[y_n] over the non-ignored samples.

    Parameters
    ----------
    input : Tensor (N, C), (N, C, d1, ...) or (C,), log-probabilities
    target : integer class indices (N,), (N, d1, ...) or ()
    weight : array-like (C,) or None
    """
    _check_reduction("nll_loss", reduction)
    n_classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    w = _class_weight("nll_loss", weight, n_classes, input.dtype)
    picked, sample_w, shape, _ = _picked_and_weights("nll_loss", input, target, w, ignore_index)
    losses = picked * sample_w
    if reduction == "mean":
        return _mean(losses.sum(), float(sample_w.sum()))
    return losses.reshape(shape) if reduction == "none" else losses.sum()


def _mean(total: Tensor, denominator: float) -> Tensor:
    # 0/0 is nan in PyTorch too (every sample ignored or weighted 0)
    return total * (1.0 / denominator) if denominator else total * np.nan


def cross_entropy_weighted(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``F.cross_entropy`` with PyTorch's class ``weight`` and ``label_smoothing``.

    Parameters
    ----------
    input : Tensor, logits (N, C), (N, C, d1, ...) or (C,)
    target : integer class indices (N,) / (N, d1, ...) / (), or float probabilities
        with the input's shape (a Tensor target gets a gradient).
    weight : array-like (C,) or None, a rescaling weight per class.
    label_smoothing : float in [0, 1]; the target becomes (1 - eps) onehot + eps / C.
    """
    _check_reduction("cross_entropy", reduction)
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {eps}")
    axis = 1 if input.ndim > 1 else 0
    n_classes = input.shape[axis]
    w = _class_weight("cross_entropy", weight, n_classes, input.dtype)
    logp = log_softmax(input, dim=axis)
    w_shape = (n_classes,) + (1,) * (input.ndim - axis - 1)  # broadcast over d1, ...
    t_arr = np.asarray(getattr(target, "data", target))
    if t_arr.dtype.kind == "f":
        return _soft_cross_entropy(logp, target, w, w_shape, eps, ignore_index, reduction)
    picked, sample_w, shape, valid = _picked_and_weights(
        "cross_entropy", logp, t_arr, w, ignore_index
    )
    losses = picked * sample_w
    if eps:
        weighted = logp * w.reshape(w_shape) if w is not None else logp
        smooth = _classes_last(-weighted).sum(axis=1) * valid.astype(input.dtype)
        losses = losses * (1.0 - eps) + smooth * (eps / n_classes)
    if reduction == "mean":
        return _mean(losses.sum(), float(sample_w.sum()))
    return losses.reshape(shape) if reduction == "none" else losses.sum()


def _soft_cross_entropy(
    logp: Tensor,
    target: Any,
    w: np.ndarray | None,
    w_shape: tuple[int, ...],
    eps: float,
    ignore_index: int,
    reduction: str,
) -> Tensor:
    if ignore_index != -100:
        raise ValueError(
            f"cross_entropy: ignore_index={ignore_index} only applies to class-index targets,"
            " not to probability targets; leave it at -100"
        )
    if np.shape(getattr(target, "data", target)) != logp.shape:
        raise ValueError(
            f"cross_entropy: probability targets need the input's shape {logp.shape}, "
            f"got {np.shape(getattr(target, 'data', target))}"
        )
    t = (
        target
        if isinstance(target, Tensor)
        else Tensor._constant(np.asarray(target, dtype=logp.dtype))
    )
    axis = 1 if logp.ndim > 1 else 0
    if eps:
        t = t * (1.0 - eps) + eps / logp.shape[axis]
    terms = t * logp
    if w is not None:
        terms = terms * w.reshape(w_shape)
    losses = -terms.sum(axis=axis)
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def _element_weight(name: str, weight: Any, input: Tensor, what: str) -> np.ndarray:
    w = np.asarray(getattr(weight, "data", weight), dtype=input.dtype)
    try:
        shape = np.broadcast_shapes(w.shape, input.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise ValueError(
            f"{name}: {what} of shape {w.shape} does not broadcast to the input's shape "
            f"{input.shape}"
        )
    return w


def binary_cross_entropy_weighted(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """``F.binary_cross_entropy`` times a ``weight`` broadcast to the input's shape
    (PyTorch's per-element rescaling; the mean is still over all elements)."""
    _check_reduction("binary_cross_entropy", reduction)
    losses = binary_cross_entropy(input, target, reduction="none")
    if weight is not None:
        losses = losses * _element_weight("binary_cross_entropy", weight, input, "weight")
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def binary_cross_entropy_with_logits_weighted(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """``F.binary_cross_entropy_with_logits`` with PyTorch's ``weight`` and ``pos_weight``.

    E = w [p d softplus(-u) + (1 - d) softplus(u)], rewritten with
    softplus(-u) = softplus(u) - u as w [(1 + (p - 1) d) softplus(u) - p d u]; softplus(u)
    is the fused BCE-with-logits against a zero target (its gradient is exactly
    sigma(u)), so dE/du = w [(1 + (p - 1) d) sigma(u) - p d]. ``pos_weight`` (p) broadcasts
    against the input -- shape (C,) weights each class's positives.
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    name = "binary_cross_entropy_with_logits"
    d = _same_shape(name, input, target)
    if pos_weight is None:
        losses = binary_cross_entropy_with_logits(input, d, reduction="none")
    else:
        p = _element_weight(name, pos_weight, input, "pos_weight")
        zeros = Tensor._constant(np.zeros(input.shape, dtype=input.dtype))
        softplus = binary_cross_entropy_with_logits(input, zeros, reduction="none")
        losses = (d * (p - 1.0) + 1.0) * softplus - d * p * input
    if weight is not None:
        losses = losses * _element_weight(name, weight, input, "weight")
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()
