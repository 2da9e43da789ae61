"""Learning-rate schedules: change ``group["lr"]`` of an optimizer as training goes on.

Usage is PyTorch's: build the scheduler after the optimizer (it records each group's
starting rate as ``group["initial_lr"]``) and call ``scheduler.step()`` *after*
``optimizer.step()``, once per epoch or once per mini-batch step — the schedule counts
whatever you step it on::

    opt = SGD(model.parameters(), lr=0.1)
    sched = LinearDecay(opt, end_lr=0.001, total_steps=100)
    for epoch in range(150):
        train_one_epoch(model, opt)
        sched.step()

Every argument is checked when the scheduler is built (and ``step``'s), so no schedule
can drive a rate negative or to NaN: ``gamma``, ``eta_min``, ``end_lr`` and ``min_lr``
must be finite numbers >= 0, ``factor`` must lie in [0, 1).

``ReduceLROnPlateau`` is the exception to the recipe above: it is stepped with the
monitored value, ``scheduler.step(val_loss)``, once per epoch.

``StepLR``, ``ExponentialLR`` and ``CosineAnnealingLR`` use PyTorch's *chainable*
(recursive) formulas, which multiply the current ``group["lr"]`` each step, so they give
PyTorch's numbers step for step and can be combined with other changes of the rate.
Their ``_get_closed_form_lr()`` gives the same schedule as a function of ``last_epoch``
(equal up to rounding); ``step(epoch)`` uses it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..deferred_interrupt import defer_keyboard_interrupt
from ..optimizer import Optimizer, _is_real

__all__ = ["LRScheduler"]


def _check_number(owner: str, name: str, value: Any, *, upper: float | None = None) -> float:
    """``value`` if it is a finite real number >= 0 (and < ``upper``), else ValueError."""
    allowed = "a finite number >= 0" if upper is None else f"a number in [0, {upper:g})"
    ok = _is_real(value) and math.isfinite(value) and value >= 0
    if ok and upper is not None:
        ok = value < upper
    if not ok:
        raise ValueError(f"{owner}: {name}={value!r} is not allowed; it must be {allowed}")
    return value


def _check_int(owner: str, name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{owner}: {name}={value!r} is not allowed; it must be an int >= {low}")
    return int(value)


class LRScheduler:
    """Base class: wraps an optimizer and sets its learning rates at each ``step()``.

    Parameters
    ----------
    optimizer : Optimizer
    last_epoch : int
        The index of the last step taken; ``-1`` (default) starts a new schedule.
        Resuming with ``last_epoch >= 0`` needs ``group["initial_lr"]`` in every group
        (it is there when the optimizer's state dict was saved with a scheduler).

    Notes
    -----
    Construction performs the step t = 0 and may set ``group["lr"]``. To resume from a
    checkpoint, do as in PyTorch: build the optimizer and the scheduler, *then* call
    ``optimizer.load_state_dict(...)`` and ``scheduler.load_state_dict(...)``.

    Attributes
    ----------
    optimizer : Optimizer
    base_lrs : list of float
        The rates at t = 0 (``group["initial_lr"]``).
    last_epoch : int
        t, the number of ``step()`` calls so far (0 right after construction).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}"
            )
        _check_int(type(self).__name__, "last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for k, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"{type(self).__name__}: last_epoch={last_epoch} resumes a schedule, "
                        f"but param_groups[{k}] has no 'initial_lr'; load the optimizer's "
                        "state dict first, or start with last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        # The first step() (t = 0) only records the current rates, as PyTorch does.
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for step ``last_epoch`` (called by ``step()``)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rate of every parameter group after the latest ``step()``."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance t by one (or jump to ``epoch``, an int >= 0) and set every group's
        ``lr``."""
        if epoch is not None:
            _check_int(f"{type(self).__name__}.step", "epoch", epoch, 0)
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = int(epoch)
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        with defer_keyboard_interrupt():  # every group's new rate, or none
            for group, lr in zip(self.optimizer.param_groups, values):
                group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything except the optimizer (numbers and lists)."""
        return {
            key: list(value) if isinstance(value, list) else value
            for key, value in self.__dict__.items()
            if key != "optimizer"
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``; ``ValueError`` (nothing changed) if it does not fit."""
        name = f"{type(self).__name__}.load_state_dict"
        expected = set(self.state_dict())
        if not isinstance(state_dict, dict) or set(state_dict) != expected:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}: expected the keys {sorted(expected)}, got {got}")
        if len(state_dict["base_lrs"]) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{name}: the state has {len(state_dict['base_lrs'])} base rate(s), the "
                f"optimizer has {len(self.optimizer.param_groups)} parameter group(s)"
            )
        self.__dict__.update(
            {k: list(v) if isinstance(v, list) else v for k, v in state_dict.items()}
        )

    def _group_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"
