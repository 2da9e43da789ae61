"""Per-coordinate adaptive learning rates: AdaGrad, RMSProp, AdaDelta.

Each divides the step by a running measure of the gradient's size in that coordinate,
so steep directions take small steps and flat ones large steps. Every default is
PyTorch's, to the placement of ε (AdaGrad and RMSProp take ``eps_inside_sqrt=True`` for
the textbook's √(v + ε), seminar (4.26)); ``g`` below is ``∇E`` (``-∇E`` when ``maximize``)
plus ``weight_decay · w``, and all operations are elementwise. Adam and AdamW are in
``nn/optim/adam.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _is_real, buffer

__all__ = ["AdaGrad", "Adagrad", "RMSProp", "RMSprop", "AdaDelta", "Adadelta"]


class AdaGrad(Optimizer):
    r"""AdaGrad: divide by the root of the running *sum* of squared gradients.

    .. math::

        h_t &= h_{t-1} + g_t \odot g_t, \qquad h_0 = \text{initial\_accumulator\_value} \\
        \eta_t &= \frac{\eta}{1 + (t - 1)\,\text{lr\_decay}} \\
        w &\leftarrow w - \eta_t\, \frac{g_t}{\sqrt{h_t} + \varepsilon}
        \qquad\Bigl(\text{or } \frac{g_t}{\sqrt{h_t + \varepsilon}}
        \text{ with eps\_inside\_sqrt}\Bigr)

    Because h only grows, the effective step of every coordinate shrinks over time;
    that is AdaGrad's weakness on long runs and why RMSProp forgets old gradients.
    State: ``step`` (t) and ``sum`` (h).

    Parameters
    ----------
    params : iterable of Tensor or of param-group dicts
    lr : float
        η (default 1e-2).
    lr_decay : float
        Decay of η with the step count (0 = none).
    weight_decay : float
        L2 penalty λ, added to the gradient as λ w.
    initial_accumulator_value : float
        h_0, ``>= 0``.
    eps : float
        ε, added outside the square root (default 1e-10), or inside it with
        ``eps_inside_sqrt``.
    maximize : bool
    eps_inside_sqrt : bool
        False (default, PyTorch): divide by √h + ε. True: divide by √(h + ε), the
        textbook's form.
    """

    _state_keys = ("step", "sum")
    _added_defaults = {"eps_inside_sqrt": False}

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        eps_inside_sqrt: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
            eps_inside_sqrt=eps_inside_sqrt,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        self._check_nonneg(group, "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
        _check_flag(self, group, "eps_inside_sqrt")

    def _required_state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("step", "sum")

    def _compute(
        self,
        w: np.ndarray,
        g: np.ndarray,
        group: dict[str, Any],
        state: dict[str, Any],
        spare: dict[str, np.ndarray],
    ) -> tuple[float | None, np.ndarray, dict[str, Any]]:
        t = state.get("step", 0) + 1
        h = state.get("sum")
        if h is None:
            h = np.full_like(w, group["initial_accumulator_value"])
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        # h += g², into a buffer: the stored state is only read (Optimizer.step)
        h = np.add(h, g * g, out=buffer(spare, "sum", h))
        if group["eps_inside_sqrt"]:
            denom = np.sqrt(h + group["eps"])  # the textbook's √(h + ε)
        else:
            denom = np.sqrt(h) + group["eps"]  # PyTorch's √h + ε
        return None, clr * (g / denom), {"step": t, "sum": h}


class RMSProp(Optimizer):
    r"""RMSProp: divide by the root of an exponential *average* of squared gradients.

    .. math::

        v_t &= \alpha\, v_{t-1} + (1 - \alpha)\, g_t \odot g_t \\
        \bar g_t &= \alpha\, \bar g_{t-1} + (1 - \alpha)\, g_t
            \qquad\text{(centered only)} \\
        m_t &= v_t - \bar g_t \odot \bar g_t \ \text{(centered)},
        \qquad m_t = v_t \ \text{(otherwise)} \\
        s_t &= \sqrt{m_t} + \varepsilon, \qquad\text{or}\qquad
        s_t = \sqrt{m_t + \varepsilon} \ \text{(eps\_inside\_sqrt)} \\
        b_t &= \mu\, b_{t-1} + g_t / s_t, \quad w \leftarrow w - \eta\, b_t
            \qquad\text{(momentum} > 0) \\
        w &\leftarrow w - \eta\, g_t / s_t \qquad\text{(momentum} = 0)

    with v_0 = ḡ_0 = b_0 = 0. ``centered`` estimates the *variance* instead of the raw
    second moment. State: ``step``, ``square_avg`` (v), ``grad_avg`` (ḡ, centered),
    ``momentum_buffer`` (b, momentum > 0).

    **ε: two rules.** PyTorch (the default) adds ε *outside* the root, g / (√v + ε),
    with ε = 1e-8. The textbook (seminar (4.26), ε = 1e−6) puts it *inside*,
    g / √(v + ε): ``RMSProp(params, eps=1e-6, eps_inside_sqrt=True)``. Passing
    ``eps=1e-6`` alone does *not* give the textbook's rule: when v ≈ 0 the inside form
    divides by √ε (1e-3 for ε = 1e-6) rather than by ε, so its steps on a plateau are
    far smaller. The two agree once v ≫ ε.

    Parameters
    ----------
    params : iterable of Tensor or of param-group dicts
    lr : float
        η (default 1e-2).
    alpha : float
        α, the decay of the average of squares (the textbook's ρ), default 0.99.
    eps : float
        ε, outside the square root (default 1e-8).
    weight_decay : float
        L2 penalty λ, added to the gradient as λ w.
    momentum : float
        μ of the (optional) momentum buffer.
    centered : bool
    maximize : bool
    eps_inside_sqrt : bool
        False (default, PyTorch): divide by √v + ε. True: divide by √(v + ε), the
        textbook's (4.26).
    """

    _state_keys = ("step", "square_avg", "grad_avg", "momentum_buffer")
    _added_defaults = {"eps_inside_sqrt": False}

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
        eps_inside_sqrt: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
            eps_inside_sqrt=eps_inside_sqrt,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        self._check_nonneg(group, "alpha", "eps", "weight_decay", "momentum")
        _check_flag(self, group, "eps_inside_sqrt")

    def _required_state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        keys: tuple[str, ...] = ("step", "square_avg")
        if group["centered"]:
            keys += ("grad_avg",)
        if group["momentum"] > 0:
            keys += ("momentum_buffer",)
        return keys

    def _compute(
        self,
        w: np.ndarray,
        g: np.ndarray,
        group: dict[str, Any],
        state: dict[str, Any],
        spare: dict[str, np.ndarray],
    ) -> tuple[float | None, np.ndarray, dict[str, Any]]:
        t = state.get("step", 0) + 1
        alpha = group["alpha"]
        # in-place rules written into buffers: the stored state is only read (see
        # Optimizer.step and optimizer.buffer)
        v = state.get("square_avg")
        if v is None:
            v = np.zeros_like(w)
        else:
            v = np.multiply(v, alpha, out=buffer(spare, "square_avg", v))
        v += (1 - alpha) * (g * g)
        new_state: dict[str, Any] = {"step": t, "square_avg": v}
        if group["centered"]:
            g_avg = state.get("grad_avg")
            if g_avg is None:
                g_avg = np.zeros_like(w)
            # ḡ ← ḡ + (1 − α)(g − ḡ) = α ḡ + (1 − α) g, PyTorch's lerp form
            out = buffer(spare, "grad_avg", g_avg)
            g_avg = np.add(g_avg, (1 - alpha) * (g - g_avg), out=out)
            new_state["grad_avg"] = g_avg
            m = v - g_avg * g_avg
        else:
            m = v
        if group["eps_inside_sqrt"]:
            s = np.sqrt(m + group["eps"])  # the textbook's √(v + ε)
        else:
            s = np.sqrt(m)  # PyTorch's √v + ε
            s += group["eps"]
        if group["momentum"] > 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = np.zeros_like(w)
            else:
                buf = np.multiply(buf, group["momentum"], out=buffer(spare, "momentum_buffer", buf))
            buf += g / s
            new_state["momentum_buffer"] = buf
            return None, group["lr"] * buf, new_state
        return None, group["lr"] * (g / s), new_state


class AdaDelta(Optimizer):
    r"""AdaDelta: RMSProp whose step size is itself a running RMS of past steps.

    .. math::

        v_t &= \rho\, v_{t-1} + (1 - \rho)\, g_t \odot g_t \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}} \odot g_t \\
        u_t &= \rho\, u_{t-1} + (1 - \rho)\, \Delta_t \odot \Delta_t \\
        w &\leftarrow w - \eta\, \Delta_t

    with v_0 = u_0 = 0. The ratio of RMS values makes the step carry the units of w, so
    η = 1 (the default) is the original method; here ε sits *inside* both roots, as in
    PyTorch and the paper. State: ``step``, ``square_avg`` (v), ``acc_delta`` (u).

    Parameters
    ----------
    params : iterable of Tensor or of param-group dicts
    lr : float
        η, a scale on Δ (default 1.0).
    rho : float
        ρ in [0, 1], the decay of both averages (default 0.9).
    eps : float
        ε inside the roots (default 1e-6).
    weight_decay : float
        L2 penalty λ, added to the gradient as λ w.
    maximize : bool
    """

    _state_keys = ("step", "square_avg", "acc_delta")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        self._check_nonneg(group, "eps", "weight_decay")
        rho = group["rho"]
        if not _is_real(rho) or not 0.0 <= rho <= 1.0:
            raise ValueError(f"AdaDelta: invalid rho={rho!r}; it must lie in [0, 1]")

    def _required_state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("step", "square_avg", "acc_delta")

    def _compute(
        self,
        w: np.ndarray,
        g: np.ndarray,
        group: dict[str, Any],
        state: dict[str, Any],
        spare: dict[str, np.ndarray],
    ) -> tuple[float | None, np.ndarray, dict[str, Any]]:
        t = state.get("step", 0) + 1
        rho, eps = group["rho"], group["eps"]
        v, u = state.get("square_avg"), state.get("acc_delta")
        if v is None or u is None:
            v, u = np.zeros_like(w), np.zeros_like(w)
        # in-place rules written into buffers: the stored averages are only read
        v = np.multiply(v, rho, out=buffer(spare, "square_avg", v))
        v += (1 - rho) * (g * g)
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = np.multiply(u, rho, out=buffer(spare, "acc_delta", u))
        u += (1 - rho) * (delta * delta)
        return None, group["lr"] * delta, {"step": t, "square_avg": v, "acc_delta": u}


def _check_flag(opt: Optimizer, group: dict[str, Any], key: str) -> None:
    value = group[key]
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{type(opt).__name__}: {key} must be True or False, got {value!r}")


# PyTorch's spellings
Adagrad = AdaGrad
RMSprop = RMSProp
Adadelta = AdaDelta
