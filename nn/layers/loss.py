"""Loss modules: PyTorch's ``nn.CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``, ``L1Loss``,
``BCELoss`` and ``BCEWithLogitsLoss``, with PyTorch's constructor arguments.

Each holds its options and calls the functional form in ``forward(input, target)``:
the fused losses of :mod:`nn.functional.loss` when no weighting option is set, and
the composed versions of :mod:`nn.functional.loss_weighted` for ``weight``,
``label_smoothing`` and ``pos_weight``. ``weight`` and ``pos_weight`` are buffers, as
in PyTorch, so they appear in ``state_dict()`` under the same keys.

``size_average`` and ``reduce`` are PyTorch's deprecated spellings of ``reduction``;
they are translated the same way (with the same warning) rather than ignored.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd.tensor import Tensor

from ..functional.loss import (
    _check_reduction,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from ..functional.loss_weighted import (
    binary_cross_entropy_weighted,
    binary_cross_entropy_with_logits_weighted,
    cross_entropy_weighted,
    nll_loss_weighted,
)
from ..module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss"]


def _legacy_reduction(
    name: str, size_average: bool | None, reduce: bool | None, reduction: str
) -> str:
    """PyTorch's rule for the old flags: reduce=False -> "none", else size_average
    picks "mean" (default) or "sum"; both None -> ``reduction`` as given."""
    if size_average is None and reduce is None:
        _check_reduction(name, reduction)
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(
        f"{name}: size_average and reduce are deprecated (as in PyTorch); use "
        f"reduction={result!r} instead",
        UserWarning,
        stacklevel=3,
    )
    return result


def _as_float_array(name: str, what: str, value: Any) -> np.ndarray | None:
    if value is None:
        return None
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch.Tensor
        value = value.detach().cpu().numpy()
    array = np.asarray(getattr(value, "data", value))
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name}: {what} must be numeric, got dtype {array.dtype}")
    return array if array.dtype.kind == "f" else array.astype(np.float64)


class _Loss(Module):
    """Holds ``reduction``; subclasses write ``forward(input, target)``."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__()
        self.reduction = _legacy_reduction(type(self).__name__, size_average, reduce, reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    weight: np.ndarray | None  # a buffer (register_buffer), None when not given

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_float_array(type(self).__name__, "weight", weight))


class MSELoss(_Loss):
    """Mean squared error: ``mean((input - target)^2)`` (or summed / per element).

    Shapes: input (*), target (*) the same shape; output () or (*) with "none".
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ``mean(|input - target|)`` (or summed / per element)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return l1_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (e.g. after ``nn.LogSoftmax(dim=1)``).

    Parameters
    ----------
    weight : array-like (C,), optional
        Rescales each class; the mean then divides by the summed weights of the
        targets (PyTorch's definition).
    ignore_index : int
        Targets equal to it contribute nothing and are not counted in the mean.
    reduction : "mean" | "sum" | "none"

    Notes
    -----
    Shapes: input (N, C), (N, C, d1, ...) or (C,); target integer (N,), (N, d1, ...) or ().
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = int(ignore_index)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        if self.weight is None:
            return nll_loss(input, target, reduction=self.reduction, ignore_index=self.ignore_index)
        return nll_loss_weighted(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits: ``nn.LogSoftmax(dim=1)`` + ``nn.NLLLoss`` fused.

    Parameters
    ----------
    weight : array-like (C,), optional
        Rescales each class (the mean divides by the summed target weights).
    ignore_index : int
        Class-index targets equal to it contribute nothing.
    reduction : "mean" | "sum" | "none"
    label_smoothing : float in [0, 1]
        Targets become (1 - eps) onehot + eps / C.

    Notes
    -----
    Shapes: input (N, C), (N, C, d1, ...) or (C,); target integer class indices
    (N,), (N, d1, ...) or (), or float probabilities with the input's shape.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if not 0.0 <= float(label_smoothing) <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}"
            )
        self.ignore_index = int(ignore_index)
        self.label_smoothing = float(label_smoothing)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        if self.weight is None and self.label_smoothing == 0.0:
            t = np.asarray(getattr(target, "data", target))
            if t.dtype.kind == "f" and self.ignore_index != -100:
                raise ValueError(
                    f"CrossEntropyLoss: ignore_index={self.ignore_index} only applies to "
                    "class-index targets, not to probability targets; leave it at -100"
                )
            return cross_entropy(
                input, target, reduction=self.reduction, ignore_index=self.ignore_index
            )
        return cross_entropy_weighted(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )

    def extra_repr(self) -> str:
        parts = [super().extra_repr()] if self.reduction != "mean" else []
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(parts)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities in [0, 1] (e.g. after ``nn.Sigmoid()``).

    ``weight`` (optional) multiplies each element's loss and must broadcast to the
    input's shape. Prefer :class:`BCEWithLogitsLoss`: it is exact where this clamps.
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        if self.weight is None:
            return binary_cross_entropy(input, target, reduction=self.reduction)
        return binary_cross_entropy_weighted(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid + binary cross-entropy in one stable op, from logits.

    Parameters
    ----------
    weight : array-like, optional
        Multiplies each element's loss; broadcasts to the input's shape.
    pos_weight : array-like, optional
        Multiplies the positive (target 1) term; shape (C,) weights each class's
        positives in an (N, C) multi-label problem (> 1 raises recall).
    reduction : "mean" | "sum" | "none"
    """

    pos_weight: np.ndarray | None  # a buffer, like weight

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer(
            "pos_weight", _as_float_array("BCEWithLogitsLoss", "pos_weight", pos_weight)
        )

    def forward(self, input: Tensor, target: Any) -> Tensor:
        if self.weight is None and self.pos_weight is None:
            return binary_cross_entropy_with_logits(input, target, reduction=self.reduction)
        return binary_cross_entropy_with_logits_weighted(
            input, target, self.weight, self.reduction, self.pos_weight
        )
