"""The epoch schedules: ``LinearDecay``, ``StepLR``, ``ExponentialLR`` and
``CosineAnnealingLR`` (the recipe in :mod:`nn.optim.lr_scheduler.base`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..optimizer import Optimizer, _is_real
from .base import LRScheduler, _check_number

__all__ = ["LinearDecay", "StepLR", "ExponentialLR", "CosineAnnealingLR"]


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
        ends: list[Any] = (
            # (_is_real does not narrow the union for mypy: end_lr is a sequence here)
            [end_lr] * n if _is_real(end_lr) else list(end_lr)  # type: ignore[arg-type]
        )
        if len(ends) != n or not all(_is_real(e) and math.isfinite(e) and e >= 0 for e in ends):
            raise ValueError(
                f"LinearDecay: end_lr must be a finite number >= 0 or one per parameter "
                f"group ({n}), got {end_lr!r}"
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
    ``step_size``, else η_{t−1}). ``step_size`` is an int > 0, ``gamma`` a finite
    number >= 0 (PyTorch does not check it; a negative γ would flip the sign of the rate).
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be an int > 0, got {step_size!r}")
        self.step_size = step_size
        self.gamma = _check_number("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by γ every step: η_t = η₀ γ^t (recursively η_t = γ η_{t−1}).

    ``gamma`` must be a finite number >= 0 (a negative γ would alternate the sign).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _check_number("ExponentialLR", "gamma", gamma)
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
    changes the rate. ``T_max`` is an int > 0, ``eta_min`` a finite number >= 0.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be an int > 0, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = _check_number("CosineAnnealingLR", "eta_min", eta_min)
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
        return [
            lo + (base - lo) * (1 + math.cos(math.pi * t / self.T_max)) / 2
            for base in self.base_lrs
        ]

    def _get_closed_form_lr(self) -> list[float]:
        return self._closed_form(self.last_epoch)
