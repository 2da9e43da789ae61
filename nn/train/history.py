"""``History``: what ``fit`` records, epoch by epoch."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["History"]


class History:
    """Per-epoch losses and metrics of one ``fit`` run.

    Epochs are numbered from 0, as in Keras: ``history.epoch == [0, 1, ..., E-1]`` and
    ``history.val_loss[e]`` belongs to ``history.epoch[e]`` (progress bars print e + 1).

    Attributes
    ----------
    epoch : list[int]
        The epochs that ran.
    train_loss : list[float]
        Mean training loss of each epoch, weighted by batch size (measured while the
        weights were still changing, in training mode).
    val_loss : list[float]
        Validation loss after each epoch (empty without a ``val_loader``).
    metrics : dict[str, list[float]]
        ``"val_<name>"`` (and ``"train_<name>"``) for every metric given to ``fit``,
        e.g. ``history.metrics["val_acc"]``.
    lr : list[float]
        Learning rate of the optimizer's first parameter group during each epoch.
    stopped_epoch : int or None
        The epoch after which training stopped early (a callback, a diverging loss or
        Ctrl-C), else None.
    stop_reason : str or None
        Why it stopped early, in words.
    best_epoch : int or None
        The epoch with the best monitored value: the ``EarlyStopping`` monitor when one
        was used, else the lowest validation loss, else the lowest training loss.
    interrupted : bool
        True if training was stopped with Ctrl-C (KeyboardInterrupt).
    steps : int
        Optimizer steps that ``fit`` took. After Ctrl-C the model holds exactly the
        weights after this many steps (an interrupted step is complete or not begun).
    stopped_batch : int or None
        After Ctrl-C during a batch: its index in ``stopped_epoch`` (from 0); None
        otherwise (also when Ctrl-C came between batches, e.g. in a callback).
    """

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.train_loss: list[float] = []
        self.val_loss: list[float] = []
        self.metrics: dict[str, list[float]] = {}
        self.lr: list[float] = []
        self.stopped_epoch: int | None = None
        self.stop_reason: str | None = None
        self.best_epoch: int | None = None
        self.interrupted = False
        self.steps = 0
        self.stopped_batch: int | None = None

    def record(self, epoch: int, logs: dict[str, float]) -> None:
        """Append one epoch's logs (keys ``train_loss``, ``val_loss``, ``lr``, metrics)."""
        self.epoch.append(epoch)
        for key, value in logs.items():
            if key == "train_loss":
                self.train_loss.append(value)
            elif key == "val_loss":
                self.val_loss.append(value)
            elif key == "lr":
                self.lr.append(value)
            else:
                self.metrics.setdefault(key, []).append(value)

    def _default_best(self) -> int | None:
        values = self.val_loss or self.train_loss
        finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
        return self.epoch[min(finite)[1]] if finite else None

    def as_dict(self) -> dict[str, list[Any]]:
        """Every series under its log name: ``epoch``, ``train_loss``, ``val_loss``, metrics,
        ``lr`` (series that were never recorded are left out)."""
        out: dict[str, list[Any]] = {"epoch": list(self.epoch), "train_loss": list(self.train_loss)}
        if self.val_loss:
            out["val_loss"] = list(self.val_loss)
        out.update({k: list(v) for k, v in self.metrics.items()})
        if self.lr:
            out["lr"] = list(self.lr)
        return out

    def __getitem__(self, key: str) -> list[Any]:
        series = self.as_dict()
        if key not in series:
            raise KeyError(f"History has no series {key!r}; available: {sorted(series)}")
        return series[key]

    def __len__(self) -> int:
        return len(self.epoch)

    def plot(self, *args: Any, **kwargs: Any) -> Any:
        """Gone from ``nn`` (which draws nothing): plot with ``viz.plot_history(history)``.

        Kept for one release so that old code gets an error naming the replacement.
        """
        raise AttributeError(
            "History.plot was removed: nn does not draw (it never imports viz). Plot the "
            "curves with viz.plot_history(history) (needs matplotlib); the raw numbers "
            "are in history.as_dict()"
        )

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(no epochs)"
        last = {"train_loss": self.train_loss[-1]}
        if self.val_loss:
            last["val_loss"] = self.val_loss[-1]
        last.update({k: v[-1] for k, v in self.metrics.items()})
        body = ", ".join(f"{k}={v:.4g}" for k, v in last.items())
        extra = f", stopped_epoch={self.stopped_epoch}" if self.stopped_epoch is not None else ""
        return (
            f"History(epochs={len(self.epoch)}, best_epoch={self.best_epoch}{extra}, last: {body})"
        )
