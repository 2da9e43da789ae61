"""The textbook Elman network in NumPy: parameters, forward pass and loss -- the model
whose gradients :mod:`nn.textbook.rtrl` computes by RTRL, by BPTT and by autograd.

The network (one sequence, column vectors, t = 1 .. T, z^0 = 0)::

    u^t = W_in x^t + W z^(t-1) + b        (H,)   pre-activation of the hidden layer
    z^t = f(u^t)                          (H,)   hidden state, f = tanh by default
    v^t = W_out z^t                       (O,)   output (identity activation)
    E   = sum_t E^t,   E^t = 1/2 ||v^t - d^t||^2  (or softmax cross-entropy)

Parameters are a dict of NumPy arrays ``{"W_in": (H, I), "W": (H, H), "b": (H,),
"W_out": (O, H)}`` (``init_elman_params`` makes one); ``xs`` is (T, I), ``ds`` is
(T, O). ``elman_loss_autograd`` builds the same loss from Tensors, so
``.backward()`` on it gives gradients independently of the hand-written algorithms.

:mod:`nn.textbook.rtrl` computes its gradients by RTRL and by BPTT.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import autograd
from autograd.ops.elementwise import stable_sigmoid
from autograd.random import as_generator
from autograd.tensor import Tensor

__all__ = [
    "PARAM_NAMES",
    "init_elman_params",
    "elman_forward",
    "elman_loss",
    "elman_loss_autograd",
]

PARAM_NAMES = ("W_in", "W", "b", "W_out")

Array = np.ndarray


# ============================================================== activations f and f'
# f' is written in terms of z = f(u), as the textbook does (tanh' = 1 - z^2): both
# algorithms of nn.textbook.rtrl then need only the stored/current z, never u again.
def _tanh(u: Array) -> Array:
    return np.tanh(u)


def _tanh_prime(z: Array) -> Array:
    return 1.0 - z * z


def _sigmoid(u: Array) -> Array:
    return stable_sigmoid(u)  # 1 / (1 + e^-u), accurate in both tails, no overflow


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


# Error messages say "rtrl:" because users reach this module through nn.textbook.rtrl, which
# imports it and runs these checks at the start of every gradient algorithm.
def _lookup(table: Mapping[str, Any], name: str, what: str) -> Any:
    if name not in table:
        raise ValueError(f"rtrl: unknown {what} {name!r}; choose one of {sorted(table)}")
    return table[name]


# ============================================================== parameters and inputs
def init_elman_params(
    input_size: int,
    hidden_size: int,
    output_size: int,
    scale: float = 0.5,
    random_state: Any = None,
) -> dict[str, Array]:
    """Random float64 parameters, each entry ~ N(0, scale^2 / fan_in).

    Returns
    -------
    dict
        ``W_in`` (H, I), ``W`` (H, H), ``b`` (H,), ``W_out`` (O, H).
    """
    rng = as_generator(random_state)
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
def elman_forward(
    params: Mapping[str, Any], xs: Any, activation: str = "tanh"
) -> tuple[Array, Array]:
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


def elman_loss(
    params: Mapping[str, Any],
    xs: Any,
    ds: Any,
    activation: str = "tanh",
    loss: str = "squared_error",
) -> float:
    """E = sum_t E^t(v^t, d^t) of one sequence (a float)."""
    per_step, _ = _lookup(LOSSES, loss, "loss")
    p = _check_params(params)
    xs, ds = _check_data(p, xs, ds)
    _, vs = elman_forward(p, xs, activation)
    return sum(per_step(v, d) for v, d in zip(vs, ds))


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


def elman_loss_autograd(
    params: Mapping[str, Tensor],
    xs: Any,
    ds: Any,
    activation: str = "tanh",
    loss: str = "squared_error",
) -> Tensor:
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
