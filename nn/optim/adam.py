"""Adam and AdamW: momentum plus RMSProp-style scaling, with bias correction."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, buffer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam: bias-corrected averages of the gradient and of its square.

    With ``g = ∇E`` (``-∇E`` when ``maximize``), plus ``weight_decay · w`` unless the
    decay is decoupled:

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t \odot g_t \\
        \tilde v_t &= \max(\tilde v_{t-1}, v_t) \ \text{(amsgrad)}, \quad
            \tilde v_t = v_t \ \text{(otherwise)} \\
        w &\leftarrow w - \frac{\eta}{1 - \beta_1^t}\,
            \frac{m_t}{\sqrt{\tilde v_t} / \sqrt{1 - \beta_2^t} + \varepsilon}

    with m_0 = v_0 = ṽ_0 = 0 (element-wise max and root). Since the averages start at 0
    they are biased towards 0 early on; dividing by 1 − β^t removes that. This is
    PyTorch's arrangement: ε is added to the *corrected* root √(ṽ / (1 − β₂^t)), so the
    step is the paper's η m̂ / (√v̂ + ε) with m̂ = m / (1 − β₁^t) and v̂ = ṽ / (1 − β₂^t).
    (Implementations that add ε to the uncorrected root √ṽ differ slightly early on.)

    ``decoupled_weight_decay=True`` is AdamW: instead of adding λ w to the gradient, the
    weights shrink directly, w ← (1 − η λ) w, before the moment updates.

    State: ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v), ``max_exp_avg_sq``
    (ṽ, amsgrad).

    Parameters
    ----------
    params : iterable of Tensor or of param-group dicts
    lr : float
        η (default 1e-3).
    betas : tuple of float
        (β₁, β₂), each in [0, 1) (default (0.9, 0.999)).
    eps : float
        ε (default 1e-8).
    weight_decay : float
        λ (default 0).
    amsgrad : bool
        Normalise by the running maximum of v (AMSGrad).
    maximize : bool
    decoupled_weight_decay : bool
        Apply λ as AdamW does.
    """

    _state_keys = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        self._check_nonneg(group, "eps", "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(
                f"{type(self).__name__}: betas must be a pair (beta1, beta2), got {betas!r}"
            )
        group["betas"] = tuple(betas)
        for i, beta in enumerate(betas):
            self._check_unit_interval(f"betas[{i}]", beta)

    def _required_state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        keys = ("step", "exp_avg", "exp_avg_sq")
        return keys + ("max_exp_avg_sq",) if group["amsgrad"] else keys

    def _compute(
        self,
        w: np.ndarray,
        g: np.ndarray,
        group: dict[str, Any],
        state: dict[str, Any],
        spare: dict[str, np.ndarray],
    ) -> tuple[float | None, np.ndarray, dict[str, Any]]:
        t = state.get("step", 0) + 1
        lr, wd = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        # g arrives with maximize and (unless decoupled) the L2 term λ w applied
        shrink = None
        if wd != 0 and group["decoupled_weight_decay"]:
            shrink = 1 - lr * wd  # w <- (1 - ηλ) w; the gradient stays ∇E alone
        m, v = state.get("exp_avg"), state.get("exp_avg_sq")
        if m is None or v is None:
            m, v = np.zeros_like(w), np.zeros_like(w)
        # PyTorch's in-place updates, written into buffers: the stored moments are only
        # read (Optimizer.step); m ← m + (1 − β₁)(g − m) = β₁ m + (1 − β₁) g, a lerp
        m = np.add(m, (1 - beta1) * (g - m), out=buffer(spare, "exp_avg", m))
        v = np.multiply(v, beta2, out=buffer(spare, "exp_avg_sq", v))
        v += (1 - beta2) * (g * g)
        new_state: dict[str, Any] = {"step": t, "exp_avg": m, "exp_avg_sq": v}
        if group["amsgrad"]:
            v_max = state.get("max_exp_avg_sq")
            v_max = v if v_max is None else v_max  # ṽ_0 = 0 and v ≥ 0: max(0, v) = v
            v_max = np.maximum(v_max, v, out=buffer(spare, "max_exp_avg_sq", v_max))
            new_state["max_exp_avg_sq"] = v_max
        else:
            v_max = v
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v_max) / (1 - beta2**t) ** 0.5 + group["eps"]
        return shrink, step_size * (m / denom), new_state


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter):

    .. math::

        w &\leftarrow (1 - \eta \lambda)\, w \\
        w &\leftarrow w - \frac{\eta}{1 - \beta_1^t}\,
            \frac{m_t}{\sqrt{\tilde v_t} / \sqrt{1 - \beta_2^t} + \varepsilon}

    where m, v, ṽ are Adam's, computed from the plain gradient. With L2 decay inside the
    gradient (``Adam(weight_decay=λ)``) the penalty is divided by √ṽ like everything
    else, so weights with large gradients are barely regularised; decoupling restores a
    uniform shrinkage. Same arguments as :class:`Adam`, but ``weight_decay`` defaults to
    1e-2.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
