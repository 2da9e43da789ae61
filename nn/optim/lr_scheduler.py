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

``StepLR``, ``ExponentialLR`` and ``CosineAnnealingLR`` use PyTorch's *chainable*
(recursive) formulas, which multiply the current ``group["lr"]`` each step, so they give
PyTorch's numbers step for step and can be combined with other changes of the rate.
Their ``_get_closed_form_lr()`` gives the same schedule as a function of ``last_epoch``
(equal up to rounding); ``step(epoch)`` uses it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .optimizer import Optimizer, _is_real

__all__ = ["LRScheduler", "LinearDecay", "StepLR", "ExponentialLR", "CosineAnnealingLR"]


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
        """Advance t by one (or jump to ``epoch``) and set every group's ``lr``."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = int(epoch)
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
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


class LinearDecay(LRScheduler):
    r"""The textbook schedule: decay linearly from η₀ to η_T over T steps, then hold.

    .. math::

        \eta_t = \left(1 - \frac{t}{T}\right) \eta_0 + \frac{t}{T}\, \eta_T
            \quad (t \le T), \qquad \eta_t = \eta_T \quad (t > T)

    where η₀ is each group's starting rate and t counts ``step()`` calls (epochs or
    mini-batch steps, whichever you step it on). Closed form, so it overrides any other
    change of ``group["lr"]``. PyTorch expresses the same schedule as
    ``LinearLR(opt, start_factor=1.0, end_factor=η_T / η₀, total_iters=T)``.

    Parameters
    ----------
    optimizer : Optimizer
    end_lr : float or sequence of float
        η_T, one value for all groups or one per group.
    total_steps : int
        T > 0.
    last_epoch : int
    """

    def __init__(
        self,
        optimizer: Optimizer,
        end_lr: float | Sequence[float],
        total_steps: int,
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        ends = [end_lr] * n if _is_real(end_lr) else list(end_lr)  # type: ignore[arg-type]
        if len(ends) != n or not all(_is_real(e) and e >= 0 for e in ends):
            raise ValueError(
                f"LinearDecay: end_lr must be a number >= 0 or one per parameter group "
                f"({n}), got {end_lr!r}"
            )
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"LinearDecay: total_steps must be an int > 0, got {total_steps!r}")
        self.end_lrs = ends
        self.total_steps = total_steps
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t = min(max(self.last_epoch, 0), self.total_steps)
        frac = t / self.total_steps
        return [
            (1 - frac) * eta0 + frac * eta_t for eta0, eta_t in zip(self.base_lrs, self.end_lrs)
        ]

    _get_closed_form_lr = get_lr


class StepLR(LRScheduler):
    r"""Multiply the rate by γ every ``step_size`` steps.

    .. math:: \eta_t = \eta_0\, \gamma^{\lfloor t / \text{step\_size} \rfloor}

    (computed recursively, as PyTorch: η_t = γ η_{t−1} when t is a positive multiple of
    ``step_size``, else η_{t−1}).
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be an int > 0, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by γ every step: η_t = η₀ γ^t (recursively η_t = γ η_{t−1})."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from η₀ down to ``eta_min`` over ``T_max`` steps.

    .. math::

        \eta_t = \eta_{min} + \tfrac12 (\eta_0 - \eta_{min})
            \left(1 + \cos\frac{\pi t}{T_{max}}\right)

    PyTorch (and this class) computes it recursively,

    .. math::

        \eta_t = \eta_{min} + (\eta_{t-1} - \eta_{min})\,
            \frac{1 + \cos(\pi t / T_{max})}{1 + \cos(\pi (t - 1) / T_{max})},

    with a special case where the denominator vanishes (t − 1 = T_max, 3T_max, ...), so
    past T_max the rate climbs back up along the cosine: the schedule has period
    2 T_max. The recursion equals the closed form up to rounding when nothing else
    changes the rate.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be an int > 0, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        lrs = self._group_lrs()
        if self._is_initial:
            return lrs
        if self._step_count == 1 and t > 0:  # resumed mid-schedule: no previous rate to scale
            return self._closed_form(t)
        if (t - 1 - T) % (2 * T) == 0:  # at the bottom the ratio would be 0/0
            return [
                lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                for base, lr in zip(self.base_lrs, lrs)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - lo) + lo for lr in lrs]

    def _closed_form(self, t: int) -> list[float]:
        lo = self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * t / self.T_max)) / 2
                for base in self.base_lrs]

    def _get_closed_form_lr(self) -> list[float]:
        return self._closed_form(self.last_epoch)
