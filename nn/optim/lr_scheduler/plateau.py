"""``ReduceLROnPlateau``: lower the rate when a monitored value stops improving.

Stepped with the value, ``scheduler.step(val_loss)``, once per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ..deferred_interrupt import defer_keyboard_interrupt
from ..optimizer import Optimizer
from .base import LRScheduler, _check_int, _check_number

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    r"""Multiply the rate by ``factor`` when a monitored value stops improving.

    PyTorch's class, argument for argument and step for step. Call
    ``scheduler.step(metric)`` once per epoch with the value to watch (e.g. the
    validation loss). With ``mode="min"`` a value a counts as an improvement on the
    best so far, b, when

    .. math::

        a < b\,(1 - \text{threshold}) \ \ (\text{threshold\_mode="rel"}), \qquad
        a < b - \text{threshold} \ \ (\text{"abs"})

    (``mode="max"``: a > b (1 + threshold), a > b + threshold). Each step without
    improvement is a *bad epoch*; when there have been more than ``patience`` of them
    in a row, every group's rate becomes

    .. math:: \eta \leftarrow \max(\eta \cdot \text{factor},\ \text{min\_lr})

    unless that would change it by less than ``eps``. After a reduction the count starts
    again from 0 and bad epochs are ignored for ``cooldown`` steps. A NaN metric is
    never an improvement (as in PyTorch).

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}
        Whether the monitored value should go down (a loss) or up (an accuracy).
    factor : float
        In [0, 1): the rate is multiplied by it (default 0.1). PyTorch only checks
        factor < 1; a negative factor would flip the rate's sign, so it is refused.
    patience : int
        Bad epochs tolerated before a reduction (default 10), >= 0.
    threshold : float
        Minimal improvement that counts (default 1e-4), finite and >= 0.
    threshold_mode : {"rel", "abs"}
    cooldown : int
        Steps after a reduction during which bad epochs are not counted, >= 0.
    min_lr : float or list of float
        Lower bound on each group's rate, >= 0 (one value, or one per group).
    eps : float
        Reductions smaller than this are skipped (default 1e-8), >= 0.

    Attributes
    ----------
    best : float
        The best value so far (inf / -inf before the first step).
    num_bad_epochs, cooldown_counter, last_epoch : int
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        name = "ReduceLROnPlateau"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        _check_number(name, "factor", factor, upper=1.0)
        _check_mode(name, mode, threshold_mode)
        _check_int(name, "patience", patience, 0)
        _check_int(name, "cooldown", cooldown, 0)
        _check_number(name, "threshold", threshold)
        _check_number(name, "eps", eps)
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(
                    f"{name}: expected {n} min_lrs, got {len(min_lr)} (one per parameter "
                    "group, or a single number)"
                )
            for i, value in enumerate(min_lr):
                _check_number(name, f"min_lr[{i}]", value)
            self.default_min_lr: float | None = None
            self.min_lrs = list(min_lr)
        else:
            _check_number(name, "min_lr", min_lr)
            self.default_min_lr = cast(float, min_lr)
            self.min_lrs = [self.default_min_lr] * n
        self.optimizer = optimizer
        self.factor = factor
        self.patience = int(patience)
        self.cooldown = int(cooldown)
        self.eps = eps
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return a < best * (1.0 - self.threshold)
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    # PyTorch's signature: the monitored value comes first, where other schedulers take
    # no argument (a deliberate difference from the base class's step(epoch))
    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record one value of the monitored quantity (a number, or a one-element
        array/Tensor) and reduce the rates if it has not improved for long enough."""
        current = _metric_value(metrics)
        if epoch is not None:
            _check_int("ReduceLROnPlateau.step", "epoch", epoch, 0)
        self.last_epoch = self.last_epoch + 1 if epoch is None else int(epoch)
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._group_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer now has {len(groups)} parameter "
                    f"groups but min_lr lists {len(self.min_lrs)}; set scheduler.min_lrs "
                    "to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        with defer_keyboard_interrupt():  # every group's new rate, or none
            for group, low in zip(groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, low)
                if old - new > self.eps:
                    group["lr"] = new

    def get_lr(self) -> list[float]:
        return self._group_lrs()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``; ``ValueError`` (nothing changed) if it does not fit."""
        name = "ReduceLROnPlateau.load_state_dict"
        expected = set(self.state_dict())
        if not isinstance(state_dict, dict) or set(state_dict) != expected:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}: expected the keys {sorted(expected)}, got {got}")
        _check_mode(name, state_dict["mode"], state_dict["threshold_mode"])
        _check_number(name, "factor", state_dict["factor"], upper=1.0)
        for i, value in enumerate(state_dict["min_lrs"]):
            _check_number(name, f"min_lrs[{i}]", value)
        self.__dict__.update(
            {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in state_dict.items()}
        )

    def __repr__(self) -> str:
        return (
            f"ReduceLROnPlateau(mode={self.mode!r}, factor={self.factor}, "
            f"patience={self.patience}, best={self.best}, lr={self._last_lr})"
        )


def _check_mode(owner: str, mode: Any, threshold_mode: Any) -> None:
    if mode not in ("min", "max"):
        raise ValueError(f"{owner}: mode={mode!r} is not allowed; it must be 'min' or 'max'")
    if threshold_mode not in ("rel", "abs"):
        raise ValueError(
            f"{owner}: threshold_mode={threshold_mode!r} is not allowed; it must be 'rel' or 'abs'"
        )


def _metric_value(metrics: Any) -> float:
    """``float(metrics)`` for numbers and one-element arrays/Tensors, else TypeError."""
    data = getattr(metrics, "data", metrics)
    array = None
    if not isinstance(data, (str, bytes)):
        try:
            array = np.asarray(data, dtype=float)
        except (TypeError, ValueError):
            array = None
    if array is None:
        raise TypeError(
            "ReduceLROnPlateau.step: metrics must be a number (e.g. the validation loss), "
            f"got {type(metrics).__name__} {metrics!r:.40}"
        )
    if array.size != 1:
        raise TypeError(
            "ReduceLROnPlateau.step: metrics must be one value, got an array of shape "
            f"{array.shape}; pass e.g. its mean"
        )
    return float(array.reshape(()))
