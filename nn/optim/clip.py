"""Gradient clipping (勾配クリッピング): tame exploding gradients before ``step()``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Tensor

from .deferred_interrupt import defer_keyboard_interrupt

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _check(owner: str, name: str, value: Any, allowed: str, ok: Callable[[float], bool]) -> float:
    """``float(value)`` if it is a real number satisfying ``ok``; else ValueError naming
    the argument, its value and the allowed range (NaN never satisfies ``ok``)."""
    if isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    ):
        x = float(value)
        if ok(x):
            return x
    raise ValueError(f"{owner}: {name}={value!r} is not allowed; it must be {allowed}")


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
    if g._data.flags.writeable:
        g._data *= factor
    else:
        g._data = g._data * factor


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
        g₀, ``>= 0`` (``math.inf`` measures the norm without clipping; 0 zeroes the
        gradients, as in PyTorch). PyTorch does not check it; a negative value would
        flip every gradient, so it raises ``ValueError`` here.
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
    name = "clip_grad_norm_"
    # a negative max_norm would flip every gradient (ascent); NaN would make them NaN
    max_norm = _check(
        name, "max_norm", max_norm, "a number >= 0 (math.inf: never clip)", lambda x: x >= 0
    )
    norm_type = _check(name, "norm_type", norm_type, "a number > 0 or math.inf", lambda x: x > 0)
    grads = _grads(parameters)
    if not grads:
        return 0.0
    # the norm of the per-tensor norms equals the norm of the concatenated gradients,
    # without building that concatenation
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g._data))) if g._data.size else 0.0 for g in grads)
    else:
        per_tensor = np.array([np.linalg.norm(g._data.ravel(), norm_type) for g in grads])
        total = float(np.linalg.norm(per_tensor, norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}; the loss or a gradient overflowed. Pass error_if_nonfinite=False "
            "to clip anyway"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        with defer_keyboard_interrupt():  # all gradients scaled, or (Ctrl-C before) none
            for g in grads:
                _scale_(g, coef)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    r"""Clip every gradient entry into ``[-clip_value, clip_value]``, in place.

    .. math:: g_i \leftarrow \min(\max(g_i, -c), c)

    Unlike :func:`clip_grad_norm_` this changes the *direction* of the gradient; it is
    the simpler guard against single huge entries. ``clip_value`` must be a number
    ``>= 0`` (a negative or NaN one raises ``ValueError``; PyTorch does not check).
    """
    clip_value = _check(
        "clip_grad_value_",
        "clip_value",
        clip_value,
        "a number >= 0 (math.inf: never clip)",
        lambda x: x >= 0,
    )
    grads = _grads(parameters)
    with defer_keyboard_interrupt():  # all gradients clipped, or (Ctrl-C before) none
        for g in grads:
            if g._data.flags.writeable:
                np.clip(g._data, -clip_value, clip_value, out=g._data)
            else:
                g._data = np.clip(g._data, -clip_value, clip_value)
