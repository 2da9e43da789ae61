"""Gradient clipping (勾配クリッピング): tame exploding gradients before ``step()``."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(
                f"gradient clipping: expected Tensors (e.g. model.parameters()), but item {i} "
                f"is a {type(p).__name__}"
            )
    return [p.grad for p in params if p.grad is not None]


def _scale_(g: Tensor, factor: float) -> None:
    # In place, as PyTorch: p.grad stays the same object. Leaf gradients never alias
    # another node's gradient (the engine copies them), so writing into them is safe.
    if g.data.flags.writeable:
        g.data *= factor
    else:
        g.data = g.data * factor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    r"""Rescale all gradients together so that their joint norm is at most ``max_norm``.

    The gradients of all parameters are treated as one long vector g (parameters whose
    ``grad`` is None are ignored). With the total norm ‖g‖_p,

    .. math::

        g \leftarrow g \cdot \min\left(1,\ \frac{\text{max\_norm}}{\lVert g\rVert_p
            + 10^{-6}}\right)

    This is the textbook rule — *if ‖∇E‖ ≥ g₀, scale the step by g₀ / ‖∇E‖* — with
    g₀ = ``max_norm``: the direction of the step is kept, only its length is capped. The
    10⁻⁶ (PyTorch's) avoids dividing by zero; because of it a gradient whose norm is
    within 10⁻⁶ of ``max_norm`` from below is also scaled (by a factor just under 1),
    exactly as in PyTorch.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Their ``.grad`` is scaled in place.
    max_norm : float
        g₀.
    norm_type : float
        p of the p-norm, ``> 0``, or ``math.inf`` for the largest absolute entry.
    error_if_nonfinite : bool
        Raise ``RuntimeError`` (as PyTorch does) if the total norm is nan or inf, instead
        of scaling every gradient into nan.

    Returns
    -------
    float
        The total norm ‖g‖_p *before* clipping (log it to see how often you clip).
    """
    norm_type = float(norm_type)
    if not (norm_type > 0):
        raise ValueError(
            f"clip_grad_norm_: norm_type must be > 0 or math.inf, got {norm_type}"
        )
    grads = _grads(parameters)
    if not grads:
        return 0.0
    # the norm of the per-tensor norms equals the norm of the concatenated gradients,
    # without building that concatenation
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g.data))) if g.data.size else 0.0 for g in grads)
    else:
        per_tensor = np.array([np.linalg.norm(g.data.ravel(), norm_type) for g in grads])
        total = float(np.linalg.norm(per_tensor, norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}; the loss or a gradient overflowed. Pass error_if_nonfinite=False "
            "to clip anyway"
        )
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            _scale_(g, coef)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    r"""Clip every gradient entry into ``[-clip_value, clip_value]``, in place.

    .. math:: g_i \leftarrow \min(\max(g_i, -c), c)

    Unlike :func:`clip_grad_norm_` this changes the *direction* of the gradient; it is
    the simpler guard against single huge entries.
    """
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads(parameters):
        if g.data.flags.writeable:
            np.clip(g.data, -clip_value, clip_value, out=g.data)
        else:
            g.data = np.clip(g.data, -clip_value, clip_value)
