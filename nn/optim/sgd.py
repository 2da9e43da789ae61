"""Stochastic gradient descent (確率的勾配降下法) with momentum and Nesterov momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from .deferred_interrupt import defer_keyboard_interrupt
from .optimizer import Optimizer, ParamsT, Scaled, _commit_buffer, buffer

__all__ = ["SGD"]

# below this, a parameter's update product is a fresh temporary rather than a view of
# the commit buffer, which saves the buffer lookup (glibc serves blocks this small from
# its own free lists). Kept small on purpose: at 64 KB, the CNN benchmark's 62 KB
# Linear update became such a temporary and shifted glibc's heap enough that the step
# faulted in 10 MB of fresh pages every time (tests/test_array_cache.py)
_SMALL_BYTES = 4 * 1024


class SGD(Optimizer):
    r"""Gradient descent, optionally with (Nesterov) momentum — PyTorch's exact rule.

    With ``g = ∇E(w)`` (``-∇E`` when ``maximize``) plus ``weight_decay · w``, one step is

    .. math::

        b_t &= \begin{cases} g_t & t = 1 \\
                             \mu\, b_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases} \\
        d_t &= g_t + \mu\, b_t \ \text{(nesterov)}, \quad d_t = b_t \ \text{(otherwise)} \\
        w &\leftarrow w - \eta\, d_t

    (μ = ``momentum``, τ = ``dampening``, η = ``lr``). Without momentum it is the plain
    rule ``w ← w − η ∇E``. The buffer ``b`` lives in ``state[p]["momentum_buffer"]``.

    **The textbook momentum form.** Textbooks write the update Δw(t) = w(t+1) − w(t) as

    .. math:: \Delta w(t) = \mu\, \Delta w(t-1) - (1 - \mu)\, \eta\, \nabla E(w(t)),
              \qquad \Delta w(0) = 0.

    ``SGD(lr=η, momentum=μ, momentum_form="textbook")`` runs exactly this rule: its
    buffer starts at zero and is b_t = μ b_{t−1} + (1 − μ) g_t, the step is −η b_t, so
    Δw(t) = −η b_t. PyTorch's step is Δw(t) = −lr · b_t, so for t > 1 its recursion reads
    Δw(t) = μ Δw(t−1) − (1 − τ) lr g_t. Hence, in PyTorch's own arguments:

    * ``SGD(lr=(1 - μ) * η, momentum=μ)`` (dampening 0) reproduces the textbook
      trajectory **exactly, first step included**: b_1 = g_1 gives
      Δw(1) = −(1 − μ) η g_1, which is the textbook's μ·0 − (1 − μ) η g_1. The
      recursion is linear in b, so the factor (1 − μ) can sit in the learning rate.
    * ``SGD(lr=η, momentum=μ, dampening=μ)`` gives the textbook recursion for every
      t > 1 but not its first step: PyTorch starts from b_1 = g_1 (not (1 − μ) g_1), so
      its first step is −η g_1 instead of −(1 − μ) η g_1. For the same gradient sequence
      its buffer then exceeds the textbook's by μ^t g_1, a start-up difference that
      decays geometrically.
    * ``SGD(lr=η, momentum=μ)`` is the other common textbook form,
      Δw(t) = μ Δw(t−1) − η ∇E(w(t)), exactly (step size larger by 1/(1 − μ)).

    **Nesterov.** The textbook (Sutskever et al.) form evaluates the gradient at the
    look-ahead point w + μv:

    .. math:: v_t = \mu v_{t-1} - \eta \nabla E(w_t + \mu v_{t-1}), \qquad
              w_{t+1} = w_t + v_t.

    PyTorch stores the look-ahead point itself, p_t = w_t + μ v_{t−1}, so the gradient it
    is given *is* the look-ahead gradient. With b = −v/η the textbook recursion becomes
    b_t = μ b_{t−1} + g_t and p_{t+1} = p_t − η (g_t + μ b_t): exactly the rule above with
    ``nesterov=True`` (dampening must be 0). The parameters PyTorch reports are the
    textbook's look-ahead points, and both start from p_1 = w_1 (v_0 = 0). The (1 − μ)
    form (seminar (4.24): Δw(t) = μ Δw(t−1) − (1 − μ) η ∇E(w(t) + μ Δw(t−1))) is
    ``momentum_form="textbook", nesterov=True``, whose step is
    p_{t+1} = p_t − η ((1 − μ) g_t + μ b_t) with the damped buffer; it again equals
    ``lr = (1 - μ) * η`` in PyTorch's form.

    Parameters
    ----------
    params : iterable of Tensor or of param-group dicts
    lr : float
        Learning rate η (学習率), ``>= 0``.
    momentum : float
        μ ``>= 0``; 0 disables the buffer.
    dampening : float
        τ: the new gradient enters the buffer with weight ``1 - dampening``.
    weight_decay : float
        λ: L2 penalty (λ/2)‖w‖², added to the gradient as λ w.
    nesterov : bool
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    maximize : bool
        Ascend the objective instead of descending it.
    momentum_form : {"pytorch", "textbook"}
        ``"pytorch"`` (default): PyTorch's buffer, b_1 = g_1. ``"textbook"``:
        Δw(t) = μ Δw(t−1) − (1 − μ) η ∇E(w(t)), Δw(0) = 0; needs ``momentum > 0`` and
        ``dampening = 0`` (the damping is μ itself).
    """

    _state_keys = ("momentum_buffer",)
    _added_defaults = {"momentum_form": "pytorch"}

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        momentum_form: str = "pytorch",
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            momentum_form=momentum_form,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        self._check_nonneg(group, "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )
        form = group["momentum_form"]
        if form not in ("pytorch", "textbook"):
            raise ValueError(
                f"SGD: invalid momentum_form={form!r}; use 'pytorch' (PyTorch's buffer) or "
                "'textbook' (Δw = μΔw − (1 − μ)η∇E)"
            )
        if form == "textbook" and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: momentum_form='textbook' needs momentum > 0 and dampening = 0 (its "
                f"damping is μ itself), got momentum={group['momentum']!r}, "
                f"dampening={group['dampening']!r}"
            )

    def step(self, closure: Any = None) -> Any:
        """Update every parameter that has a gradient (see :meth:`Optimizer.step`).

        Plain gradient descent (no momentum, weight decay or ``maximize`` in any group,
        no closure) keeps no state, so it takes a shorter road with the same checks and
        the same arithmetic: the general step's per-parameter bookkeeping (a state dict,
        a spare-buffer dict, an update record) costs more than ``w -= lr * g`` itself on
        the small layers of a typical MLP.
        """
        if closure is not None or not all(
            g["momentum"] == 0 and g["weight_decay"] == 0 and not g.get("maximize", False)
            for g in self.param_groups
        ):
            return super().step(closure)
        work = self._checked_work()
        for _, w, g, group in work:  # all checked before the first write (all or nothing)
            lr = group["lr"]
            if g.dtype != w.dtype or type(lr) is not float:
                self._check_storable(Scaled(lr, g).dtype, w.dtype)
        state = self.state
        with defer_keyboard_interrupt():
            for p, w, g, group in work:
                lr = group["lr"]
                if type(lr) is float and g.dtype == w.dtype and w.flags.c_contiguous:
                    # w -= lr * g: the same two roundings, without the update record; a
                    # large product goes into a reused buffer (see Scaled), a small one
                    # is a plain temporary (the allocator keeps small blocks warm)
                    if w.nbytes < _SMALL_BYTES:
                        np.subtract(w, np.multiply(g, lr), out=w)
                    else:
                        product = _commit_buffer(w.shape, w.dtype)
                        np.multiply(g, lr, out=product)
                        np.subtract(w, product, out=w)
                else:
                    Scaled(lr, g).subtract_from(w)
                if p not in state:
                    state[p] = {}  # as the general step (and PyTorch) leave it: empty
        return None

    def _compute(
        self,
        w: np.ndarray,
        g: np.ndarray,
        group: dict[str, Any],
        state: dict[str, Any],
        spare: dict[str, np.ndarray],
    ) -> tuple[float | None, np.ndarray | Scaled, dict[str, Any]]:
        mu = group["momentum"]
        new_state: dict[str, Any] = {}
        if mu != 0 and group["momentum_form"] == "textbook":
            # b_t = μ b_{t−1} + (1 − μ) g_t from b_0 = 0, i.e. Δw(t) = −η b_t
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = (1 - mu) * g
            else:
                buf = np.multiply(buf, mu, out=buffer(spare, "momentum_buffer", buf))
                buf += (1 - mu) * g
            new_state["momentum_buffer"] = buf
            # Nesterov: p_{t+1} = p_t − η((1 − μ) g_t + μ b_t), g at the look-ahead point
            g = (1 - mu) * g + mu * buf if group["nesterov"] else buf
        elif mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                # PyTorch's first step: the buffer starts as the gradient itself, undamped
                buf = np.array(g, copy=True)
            else:
                # buf *= mu, into a buffer: the stored one is only read (Optimizer.step)
                buf = np.multiply(buf, mu, out=buffer(spare, "momentum_buffer", buf))
                buf += (1 - group["dampening"]) * g
            new_state["momentum_buffer"] = buf
            g = g + mu * buf if group["nesterov"] else buf
        # w -= lr * g at the commit, the product formed in a reused buffer (see Scaled)
        return None, Scaled(group["lr"], g), new_state
