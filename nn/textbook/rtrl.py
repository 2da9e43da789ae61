"""Real-time recurrent learning (RTRL) and backpropagation through time (BPTT) for the
textbook Elman network, written out in NumPy so the two can be compared number by number.

The network -- u^t, z^t = f(u^t), v^t, the loss E = sum_t E^t, the parameter dict and the
shapes of ``xs`` and ``ds`` -- is defined in :mod:`nn.textbook.elman`.

Both algorithms compute the same dE/dw; they differ in the *direction* of the chain rule.

BPTT (reverse mode, 通時的誤差逆伝播法) first runs the whole sequence forward and keeps every
u^t and z^t, then walks back from t = T with the delta recursion (デルタ)::

    delta_out^t = dE^t/dv^t                            (= v^t - d^t for squared error)
    delta^t     = (W_out^T delta_out^t + W^T delta^(t+1)) * f'(u^t),   delta^(T+1) = 0
    dE/dW_in = sum_t delta^t x^tT,   dE/dW = sum_t delta^t z^(t-1)T,   dE/db = sum_t delta^t

Memory grows with T (the stored history); each step costs O(H^2) per sequence element.

RTRL (forward mode, 実時間リカレント学習) carries instead the sensitivities of the state to
every recurrent weight, p^t_{j,rs} = dz_j^t / dw_rs, forward in time::

    p^t_{j,rs} = f'(u_j^t) (sum_k W_jk p^(t-1)_{k,rs} + du_j^t/dw_rs|direct),   p^0 = 0
    direct term:  W_in[r,s] -> delta_jr x_s^t,   W[r,s] -> delta_jr z_s^(t-1),   b[r] -> delta_jr
    dE/dw_rs += sum_j (W_out^T delta_out^t)_j p^t_{j,rs}        at every step t

No history is kept -- the gradient is ready the moment the sequence ends, which is what
"real time" means -- but p holds H numbers per recurrent parameter (memory
O(H * #params), independent of T) and the product W p costs O(H^2 * #params) per step,
i.e. O(H^4) for the H^2 recurrent weights. ``cost_table`` measures the trade-off.
W_out needs no sensitivities: it does not feed back, so dE/dW_out = sum_t delta_out^t
z^tT in both algorithms.

``autograd_gradients`` gives the third, independent answer: ``.backward()`` on
:func:`nn.textbook.elman.elman_loss_autograd`, the same loss built from Tensors.
"""

from __future__ import annotations

import functools
import time
import tracemalloc
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autograd.random import as_generator
from autograd.tensor import Tensor

# elman_loss is re-exported (``name as name``): this module is the one import to compare.
from .elman import (
    ACTIVATIONS,
    LOSSES,
    PARAM_NAMES,
    Array,
    _check_data,
    _check_params,
    _lookup,
    elman_forward,
    elman_loss_autograd,
    init_elman_params,
)
from .elman import elman_loss as elman_loss

__all__ = [
    "PARAM_NAMES",
    "init_elman_params",
    "elman_forward",
    "elman_loss",
    "rtrl_gradients",
    "bptt_gradients",
    "elman_loss_autograd",
    "autograd_gradients",
    "cost_table",
]

RECURRENT_NAMES = ("W_in", "W", "b")  # the parameters RTRL needs sensitivities for


# ============================================================== RTRL (forward mode)
def _direct_terms(x: Array, z_prev: Array, hidden: int) -> dict[str, Array]:
    """du_j^t/dw with z^(t-1) held fixed: the part of the derivative that does not go
    through the previous state. Shapes (H,) + w.shape, e.g. (H, H, I) for W_in.

    u_j = sum_s W_in[j,s] x_s + sum_s W[j,s] z_s + b_j, so du_j/dW_in[r,s] = [j == r] x_s,
    du_j/dW[r,s] = [j == r] z_s^(t-1) and du_j/db[r] = [j == r].
    """
    eye = np.eye(hidden)
    return {
        "W_in": np.einsum("jr,s->jrs", eye, x),
        "W": np.einsum("jr,s->jrs", eye, z_prev),
        "b": eye,
    }


def _propagate_sensitivity(p_prev: Array, W: Array, direct: Array, f_prime: Array) -> Array:
    """p^t = f'(u^t) * (W p^(t-1) + direct), contracted over the state index k.

    p_prev, direct : (H,) + w.shape;  W : (H, H);  f_prime : (H,).
    Cost O(H^2 * w.size): the price of RTRL.
    """
    through_state = np.einsum("jk,k...->j...", W, p_prev)
    return f_prime.reshape((-1,) + (1,) * (p_prev.ndim - 1)) * (through_state + direct)


def rtrl_gradients(
    params: Mapping[str, Any],
    xs: Any,
    ds: Any,
    activation: str = "tanh",
    loss: str = "squared_error",
) -> dict[str, Array]:
    """dE/dw of the Elman network by real-time recurrent learning.

    One pass forward in time; at step t only z^(t-1), the sensitivities p^(t-1) and the
    running gradient sums exist, so nothing grows with T::

        u^t = W_in x^t + W z^(t-1) + b,   z^t = f(u^t),   v^t = W_out z^t
        p^t_w = f'(u^t) * (W p^(t-1)_w + du^t/dw|direct)     for w in W_in, W, b
        e^t = W_out^T delta_out^t                            (dE^t/dz^t, shape (H,))
        dE/dw += sum_j e^t_j p^t_{j,w},    dE/dW_out += delta_out^t z^tT

    Parameters
    ----------
    params : dict with ``W_in`` (H, I), ``W`` (H, H), ``b`` (H,), ``W_out`` (O, H)
    xs : (T, I) inputs x^1 .. x^T
    ds : (T, O) targets d^1 .. d^T (one-hot rows for ``loss="cross_entropy"``)
    activation : "tanh" or "sigmoid"
    loss : "squared_error" (E^t = 1/2 ||v^t - d^t||^2) or "cross_entropy" (softmax)

    Returns
    -------
    dict
        Gradients with the parameters' keys and shapes (float64).
    """
    f, f_prime_of = _lookup(ACTIVATIONS, activation, "activation")
    _, delta_of = _lookup(LOSSES, loss, "loss")
    p = _check_params(params)
    xs, ds = _check_data(p, xs, ds)
    hidden = p["W"].shape[0]
    sens = {k: np.zeros((hidden,) + p[k].shape) for k in RECURRENT_NAMES}
    grads = {k: np.zeros_like(p[k]) for k in PARAM_NAMES}
    z = np.zeros(hidden)
    for x, d in zip(xs, ds):
        direct = _direct_terms(x, z, hidden)  # needs z^(t-1): build before z moves on
        z = f(p["W_in"] @ x + p["W"] @ z + p["b"])
        f_prime = f_prime_of(z)
        delta_out = delta_of(p["W_out"] @ z, d)
        e = p["W_out"].T @ delta_out
        for k in RECURRENT_NAMES:
            sens[k] = _propagate_sensitivity(sens[k], p["W"], direct[k], f_prime)
            grads[k] += np.einsum("j,j...->...", e, sens[k])
        grads["W_out"] += np.outer(delta_out, z)
    return grads


# ============================================================== BPTT by hand (reverse mode)
def bptt_gradients(
    params: Mapping[str, Any],
    xs: Any,
    ds: Any,
    activation: str = "tanh",
    loss: str = "squared_error",
) -> dict[str, Array]:
    """dE/dw of the Elman network by backpropagation through time, with the textbook
    delta recursion written out.

    Forward over the whole sequence, storing z^0 .. z^T; then for t = T .. 1::

        delta_out^t = dE^t/dv^t
        delta^t     = (W_out^T delta_out^t + W^T delta^(t+1)) * f'(u^t),  delta^(T+1) = 0
        dE/dW_out += delta_out^t z^tT     dE/dW_in += delta^t x^tT
        dE/dW     += delta^t z^(t-1)T     dE/db    += delta^t

    Parameters and returns as :func:`rtrl_gradients`.
    """
    _, f_prime_of = _lookup(ACTIVATIONS, activation, "activation")
    _, delta_of = _lookup(LOSSES, loss, "loss")
    p = _check_params(params)
    xs, ds = _check_data(p, xs, ds)
    zs, vs = elman_forward(p, xs, activation)
    grads = {k: np.zeros_like(p[k]) for k in PARAM_NAMES}
    delta_next = np.zeros(p["W"].shape[0])  # delta^(T+1) = 0: nothing after the last step
    for t in range(len(xs), 0, -1):
        delta_out = delta_of(vs[t - 1], ds[t - 1])
        delta = (p["W_out"].T @ delta_out + p["W"].T @ delta_next) * f_prime_of(zs[t])
        grads["W_out"] += np.outer(delta_out, zs[t])
        grads["W_in"] += np.outer(delta, xs[t - 1])
        grads["W"] += np.outer(delta, zs[t - 1])
        grads["b"] += delta
        delta_next = delta
    return grads


# ============================================================== autograd on the same loss
def autograd_gradients(
    params: Mapping[str, Any],
    xs: Any,
    ds: Any,
    activation: str = "tanh",
    loss: str = "squared_error",
) -> dict[str, Array]:
    """dE/dw from :func:`elman_loss_autograd` and ``.backward()`` (float64 leaves)."""
    leaves = {
        k: Tensor(
            np.asarray(getattr(params[k], "data", params[k]), dtype=np.float64), requires_grad=True
        )
        for k in PARAM_NAMES
    }
    elman_loss_autograd(leaves, xs, ds, activation, loss).backward()
    grads = {}
    for k in PARAM_NAMES:
        g = leaves[k].grad
        assert g is not None, f"every parameter of the Elman loss gets a gradient ({k})"
        grads[k] = g.data
    return grads


# ============================================================== the trade-off, measured
def _best_time(fn: Callable[[], Any], repeats: int) -> float:
    """Fastest of ``repeats`` runs (the least disturbed by other work on the machine)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _peak_bytes(fn: Callable[[], Any]) -> int:
    """Peak memory allocated while ``fn`` runs (NumPy reports its arrays to tracemalloc)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        fn()
        return max(tracemalloc.get_traced_memory()[1] - base, 0)
    finally:
        if not was_tracing:
            tracemalloc.stop()


def cost_table(
    lengths: Iterable[int],
    input_size: int = 1,
    hidden_size: int = 8,
    output_size: int = 1,
    repeats: int = 3,
    random_state: Any = 0,
) -> list[dict[str, float]]:
    """Time and memory of RTRL and BPTT for growing sequence length T.

    For each T one random sequence is differentiated by both algorithms.

    Returns
    -------
    list of dict, one per length, with keys
        ``T``;
        ``rtrl_seconds``, ``bptt_seconds`` -- best of ``repeats`` wall-clock runs;
        ``rtrl_peak_bytes``, ``bptt_peak_bytes`` -- peak memory allocated during one run
        (tracemalloc; includes temporaries);
        ``rtrl_state_floats`` -- sensitivities carried, H * (H I + H H + H), constant in T;
        ``bptt_state_floats`` -- history stored, (T + 1) H + T O, linear in T.
        Rows load straight into ``pandas.DataFrame``.
    """
    rng = as_generator(random_state)
    h, i, o = hidden_size, input_size, output_size
    params = init_elman_params(i, h, o, random_state=rng)
    n_recurrent = h * i + h * h + h
    rows = []
    for T in lengths:
        T = int(T)
        if T < 1:
            raise ValueError(f"cost_table: sequence lengths must be >= 1, got {T}")
        xs, ds = rng.standard_normal((T, i)), rng.standard_normal((T, o))
        row: dict[str, float] = {"T": T}
        for name, algorithm in (("rtrl", rtrl_gradients), ("bptt", bptt_gradients)):
            run = functools.partial(algorithm, params, xs, ds)
            row[f"{name}_seconds"] = _best_time(run, repeats)
            row[f"{name}_peak_bytes"] = _peak_bytes(run)
        row["rtrl_state_floats"] = h * n_recurrent
        row["bptt_state_floats"] = (T + 1) * h + T * o
        rows.append(row)
    return rows
