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
from collections.abc import Sequence
from typing import Any

import numpy as np

from .deferred_interrupt import defer_keyboard_interrupt
from .optimizer import Optimizer, _is_real

__all__ = [
    "LRScheduler", "LinearDecay", "StepLR", "ExponentialLR", "CosineAnnealingLR",
    "ReduceLROnPlateau",
]


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
        raise ValueError(
            f"{owner}: {name}={value!r} is not allowed; it must be an int >= {low}"
        )
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
        return [lo + (base - lo) * (1 + math.cos(math.pi * t / self.T_max)) / 2
                for base in self.base_lrs]

    def _get_closed_form_lr(self) -> list[float]:
        return self._closed_form(self.last_epoch)


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
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
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
            f"{owner}: threshold_mode={threshold_mode!r} is not allowed; it must be 'rel' "
            "or 'abs'"
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
