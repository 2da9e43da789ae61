"""Real-time recurrent learning (RTRL) and backpropagation through time (BPTT) for the
textbook Elman network, written out in NumPy so the two can be compared number by number.

The network (one sequence, column vectors, t = 1 .. T, z^0 = 0)::

    u^t = W_in x^t + W z^(t-1) + b        (H,)   pre-activation of the hidden layer
    z^t = f(u^t)                          (H,)   hidden state, f = tanh by default
    v^t = W_out z^t                       (O,)   output (identity activation)
    E   = sum_t E^t,   E^t = 1/2 ||v^t - d^t||^2  (or softmax cross-entropy)

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

Parameters are a dict of NumPy arrays ``{"W_in": (H, I), "W": (H, H), "b": (H,),
"W_out": (O, H)}`` (``init_elman_params`` makes one); ``xs`` is (T, I), ``ds`` is
(T, O). ``elman_loss_autograd`` builds the same loss from Tensors, so
``.backward()`` gives the third, independent answer.
"""

from __future__ import annotations

import functools
import time
import tracemalloc
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

import autograd
from autograd.tensor import Tensor

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

PARAM_NAMES = ("W_in", "W", "b", "W_out")
RECURRENT_NAMES = ("W_in", "W", "b")  # the parameters RTRL needs sensitivities for

Array = np.ndarray


# ============================================================== activations f and f'
# f' is written in terms of z = f(u), as the textbook does (tanh' = 1 - z^2): both
# algorithms then need only the stored/current z, never u again.
def _tanh(u: Array) -> Array:
    return np.tanh(u)


def _tanh_prime(z: Array) -> Array:
    return 1.0 - z * z


def _sigmoid(u: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * u))  # = 1 / (1 + e^-u) without overflow


def _sigmoid_prime(z: Array) -> Array:
    return z * (1.0 - z)


ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "tanh": (_tanh, _tanh_prime),
    "sigmoid": (_sigmoid, _sigmoid_prime),
}


# ============================================================== per-step losses E^t and dE^t/dv^t
def _squared_error(v: Array, d: Array) -> float:
    """E^t = 1/2 ||v - d||^2."""
    diff = v - d
    return 0.5 * float(diff @ diff)


def _squared_error_delta(v: Array, d: Array) -> Array:
    """dE^t/dv = v - d."""
    return v - d


def _softmax(v: Array) -> Array:
    e = np.exp(v - v.max())
    return e / e.sum()


def _cross_entropy(v: Array, d: Array) -> float:
    """E^t = -sum_k d_k log softmax(v)_k, d a one-hot (or probability) vector."""
    log_y = v - v.max() - np.log(np.exp(v - v.max()).sum())
    return -float(d @ log_y)


def _cross_entropy_delta(v: Array, d: Array) -> Array:
    """dE^t/dv = softmax(v) - d (the fused output-layer delta)."""
    return _softmax(v) - d


LOSSES: dict[str, tuple[Callable[[Array, Array], float], Callable[[Array, Array], Array]]] = {
    "squared_error": (_squared_error, _squared_error_delta),
    "cross_entropy": (_cross_entropy, _cross_entropy_delta),
}


def _lookup(table: Mapping[str, Any], name: str, what: str) -> Any:
    if name not in table:
        raise ValueError(f"rtrl: unknown {what} {name!r}; choose one of {sorted(table)}")
    return table[name]


# ============================================================== parameters and inputs
def init_elman_params(input_size: int, hidden_size: int, output_size: int,
                      scale: float = 0.5, random_state: Any = None) -> dict[str, Array]:
    """Random float64 parameters, each entry ~ N(0, scale^2 / fan_in).

    Returns
    -------
    dict
        ``W_in`` (H, I), ``W`` (H, H), ``b`` (H,), ``W_out`` (O, H).
    """
    rng = random_state if isinstance(random_state, np.random.Generator) else \
        np.random.default_rng(random_state)
    h, i, o = hidden_size, input_size, output_size
    return {
        "W_in": rng.normal(0.0, scale / np.sqrt(i), (h, i)),
        "W": rng.normal(0.0, scale / np.sqrt(h), (h, h)),
        "b": rng.normal(0.0, scale, (h,)),
        "W_out": rng.normal(0.0, scale / np.sqrt(h), (o, h)),
    }


def _as_float(a: Any) -> Array:
    return np.asarray(getattr(a, "data", a), dtype=np.float64)


def _check_params(params: Mapping[str, Any]) -> dict[str, Array]:
    """The four parameters as float64 arrays with consistent shapes, or a ValueError."""
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"rtrl: params lacks {missing}; expected keys {list(PARAM_NAMES)}")
    p = {k: _as_float(params[k]) for k in PARAM_NAMES}
    if p["W_in"].ndim != 2 or p["W_out"].ndim != 2:
        raise ValueError(
            f"rtrl: W_in and W_out must be matrices, got shapes {p['W_in'].shape} and "
            f"{p['W_out'].shape}"
        )
    h, i = p["W_in"].shape
    o = p["W_out"].shape[0]
    for name, shape in {"W": (h, h), "b": (h,), "W_out": (o, h)}.items():
        if p[name].shape != shape:
            raise ValueError(
                f"rtrl: {name} has shape {p[name].shape}, expected {shape} for W_in of "
                f"shape {(h, i)} and W_out with {o} rows"
            )
    return p


def _check_data(p: Mapping[str, Array], xs: Any, ds: Any = None) -> tuple[Array, Array | None]:
    """xs as (T, I) with T >= 1 and ds (if given) as (T, O), float64."""
    i, o = p["W_in"].shape[1], p["W_out"].shape[0]
    xs = _as_float(xs)
    if xs.ndim != 2 or xs.shape[1] != i or len(xs) == 0:
        raise ValueError(f"rtrl: xs must have shape (T, {i}) with T >= 1, got {xs.shape}")
    if ds is None:
        return xs, None
    ds = _as_float(ds)
    if ds.shape != (len(xs), o):
        raise ValueError(f"rtrl: ds must have shape ({len(xs)}, {o}), got {ds.shape}")
    return xs, ds


# ============================================================== forward pass
def elman_forward(params: Mapping[str, Any], xs: Any,
                  activation: str = "tanh") -> tuple[Array, Array]:
    """Run the network over a sequence and keep the history BPTT needs.

    u^t = W_in x^t + W z^(t-1) + b,  z^t = f(u^t),  v^t = W_out z^t,  z^0 = 0.

    Parameters
    ----------
    params : dict of arrays (see module docstring)
    xs : (T, I)

    Returns
    -------
    zs : (T + 1, H)
        ``zs[0]`` is z^0 = 0 and ``zs[t]`` is z^t, so z^(t-1) of step t is ``zs[t - 1]``.
    vs : (T, O)
        ``vs[t - 1]`` is v^t.
    """
    f, _ = _lookup(ACTIVATIONS, activation, "activation")
    p = _check_params(params)
    xs, _ = _check_data(p, xs)
    zs = np.zeros((len(xs) + 1, p["W"].shape[0]))
    for t, x in enumerate(xs, start=1):
        zs[t] = f(p["W_in"] @ x + p["W"] @ zs[t - 1] + p["b"])
    vs = zs[1:] @ p["W_out"].T
    return zs, vs


def elman_loss(params: Mapping[str, Any], xs: Any, ds: Any, activation: str = "tanh",
               loss: str = "squared_error") -> float:
    """E = sum_t E^t(v^t, d^t) of one sequence (a float)."""
    per_step, _ = _lookup(LOSSES, loss, "loss")
    p = _check_params(params)
    xs, ds = _check_data(p, xs, ds)
    _, vs = elman_forward(p, xs, activation)
    return sum(per_step(v, d) for v, d in zip(vs, ds))


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


def rtrl_gradients(params: Mapping[str, Any], xs: Any, ds: Any, activation: str = "tanh",
                   loss: str = "squared_error") -> dict[str, Array]:
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
def bptt_gradients(params: Mapping[str, Any], xs: Any, ds: Any, activation: str = "tanh",
                   loss: str = "squared_error") -> dict[str, Array]:
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


# ============================================================== the same loss with autograd
_TENSOR_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": autograd.tanh,
    "sigmoid": autograd.sigmoid,
}


def _tensor_step_loss(v: Tensor, d: Tensor, loss: str) -> Tensor:
    if loss == "squared_error":
        diff = v - d
        return 0.5 * (diff * diff).sum()
    return -(d * (v - autograd.logsumexp(v, axis=0))).sum()  # -sum_k d_k log softmax(v)_k


def elman_loss_autograd(params: Mapping[str, Tensor], xs: Any, ds: Any,
                        activation: str = "tanh", loss: str = "squared_error") -> Tensor:
    """E of the Elman network built from Tensor ops: call ``.backward()`` on the result.

    The graph is the unrolled network -- one copy of the cell per step, all sharing
    the same parameter leaves -- so reverse-mode autodiff on it *is* BPTT.

    Parameters
    ----------
    params : dict of Tensors (``requires_grad=True`` for those you want ``.grad`` of)
    xs, ds : arrays (T, I) and (T, O)

    Returns
    -------
    Tensor
        The scalar loss E = sum_t E^t.
    """
    _lookup(LOSSES, loss, "loss")
    f = _lookup(_TENSOR_ACTIVATIONS, activation, "activation")
    xs, ds = _check_data(_check_params(params), xs, ds)
    W_in, W, b, W_out = (params[k] for k in PARAM_NAMES)
    dtype = W.dtype
    z = Tensor(np.zeros(W.shape[0], dtype=dtype))
    steps = []
    for x, d in zip(xs.astype(dtype), ds.astype(dtype)):
        z = f(W_in @ Tensor(x) + W @ z + b)
        steps.append(_tensor_step_loss(W_out @ z, Tensor(d), loss))
    return autograd.stack(steps).sum()


def autograd_gradients(params: Mapping[str, Any], xs: Any, ds: Any, activation: str = "tanh",
                       loss: str = "squared_error") -> dict[str, Array]:
    """dE/dw from :func:`elman_loss_autograd` and ``.backward()`` (float64 leaves)."""
    leaves = {k: Tensor(np.asarray(getattr(params[k], "data", params[k]), dtype=np.float64),
                        requires_grad=True) for k in PARAM_NAMES}
    elman_loss_autograd(leaves, xs, ds, activation, loss).backward()
    return {k: leaves[k].grad.data for k in PARAM_NAMES}


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


def cost_table(lengths: Iterable[int], input_size: int = 1, hidden_size: int = 8,
               output_size: int = 1, repeats: int = 3,
               random_state: Any = 0) -> list[dict[str, float]]:
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
    rng = np.random.default_rng(random_state)
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
