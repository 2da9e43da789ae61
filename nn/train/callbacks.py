"""Training-loop callbacks: the ``Callback`` protocol and ``EarlyStopping``."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np

__all__ = ["Callback", "EarlyStopping"]


class Callback:
    """Base class of ``fit`` callbacks; override any of the three hooks.

    ``on_epoch_end`` returning True stops training after that epoch. A plain function
    ``f(epoch, logs, model)`` can be passed to ``fit`` instead of a Callback; it acts as
    ``on_epoch_end``.
    """

    def on_train_begin(self, model: Any) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Any) -> bool | None:
        """Called after every epoch with its logs (``train_loss``, ``val_loss``, metrics,
        ``lr``). Return True to stop training."""
        return None

    def on_train_end(self, model: Any, history: Any) -> None:
        """Called once after the last epoch (also after an early stop or Ctrl-C)."""


class EarlyStopping(Callback):
    """Stop when the monitored value has not improved for ``patience`` epochs, and keep
    the best weights (早期終了, early stopping).

    The textbook rule: watch the validation error after every epoch; once it has failed
    to improve ``patience`` times in a row, stop, and use the weights from the epoch
    where it was best -- the point before over-fitting set in.

    Parameters
    ----------
    monitor : str
        A log key: ``"val_loss"`` (default), ``"train_loss"``, ``"val_acc"``, ...
    patience : int
        Number of consecutive epochs without improvement that ends training.
    min_delta : float
        A value counts as an improvement only if it beats the best so far by more than
        this (``value < best - min_delta`` for mode ``"min"``).
    mode : "min" or "max"
        Whether smaller (losses) or larger (accuracies) is better.
    restore_best : bool
        Load a copy of the best epoch's ``state_dict()`` back into the model when
        training ends, whether it stopped early or ran all epochs.

    Attributes
    ----------
    best : float
        Best monitored value seen.
    best_epoch : int or None
    stopped_epoch : int or None
        The epoch after which this callback stopped training.
    wait : int
        Epochs since the last improvement.
    best_state : OrderedDict or None
        The saved copy of the best weights (kept only with ``restore_best``).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best: bool = True,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if patience < 1:
            raise ValueError(f"EarlyStopping: patience must be >= 1, got {patience}")
        if min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta}")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best = restore_best
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.stop_reason: str | None = None
        self.wait = 0
        self.best_state: OrderedDict[str, np.ndarray] | None = None

    def on_train_begin(self, model: Any) -> None:
        self._reset()  # a callback object can be reused for another fit

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):  # NaN never counts as progress
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Any) -> bool:
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping: monitored value {self.monitor!r} is not in the logs "
                f"{sorted(logs)}; pass a val_loader to fit() to monitor val_* values"
            )
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = model.state_dict()  # state_dict() already copies
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.stop_reason = (
                f"EarlyStopping: {self.monitor} did not improve for {self.patience} epochs "
                f"(best {self.best:.6g} at epoch {self.best_epoch})"
            )
            return True
        return False

    def on_train_end(self, model: Any, history: Any) -> None:
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
            f"min_delta={self.min_delta}, mode={self.mode!r}, restore_best={self.restore_best})"
        )
