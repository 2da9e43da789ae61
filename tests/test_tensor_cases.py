"""The table of Tensor op cases shared by the Tensor test files.

Each :class:`Case` is one call of one op: how to make its float64 inputs, how to call
it in deltagrad and (when it has a namesake) in PyTorch. ``test_tensor_ops`` gradchecks
every case, ``test_tensor_higher_order`` gradgradchecks them, ``test_tensor_torch``
compares values and gradients with PyTorch. Inputs are drawn away from kinks (0 for
relu/abs, the clip bounds) and domain edges (log, sqrt, pow of a Tensor exponent), so
central differences are valid everywhere.

The tests at the bottom keep the table honest: every differentiable op exported by
``autograd`` has at least one case, and the input generators respect their domains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

Shape = tuple[int, ...]


# ----------------------------------------------------------------------------- input domains
def real(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Any sign, but |x| >= 0.2: away from the kink at 0 of relu/abs/leaky_relu."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, size=shape)


def positive(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Inside the domain of log, sqrt and x**y with a Tensor exponent."""
    return rng.uniform(0.5, 2.0, size=shape)


def off_clip_bounds(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """|x| in [0.1, 0.4] or [0.6, 1.5]: away from the clip bounds +-0.5."""
    magnitude = np.where(
        rng.random(shape) < 0.5, rng.uniform(0.1, 0.4, shape), rng.uniform(0.6, 1.5, shape)
    )
    return rng.choice([-1.0, 1.0], size=shape) * magnitude


Domain = Callable[[np.random.Generator, Shape], np.ndarray]


@dataclass(frozen=True)
class Case:
    """One op call. ``fn`` takes deltagrad Tensors, ``torch_fn`` torch tensors."""

    id: str
    fn: Callable[..., Any]
    shapes: Sequence[Shape]
    torch_fn: Callable[..., Any] | None = None
    domain: Domain | Sequence[Domain] = real
    #: the op(s) this case exercises, for the coverage check below
    ops: tuple[str, ...] = field(default=())
    #: keyword overrides for gradcheck/gradgradcheck (eps, atol, rtol)
    tol: dict = field(default_factory=dict)

    def arrays(self, seed: int = 0) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        domains = self.domain if isinstance(self.domain, (list, tuple)) else [self.domain]
        domains = list(domains) * len(self.shapes) if len(domains) == 1 else list(domains)
        return [d(rng, s).astype(np.float64) for d, s in zip(domains, self.shapes)]

    def tensors(self, seed: int = 0) -> list[Tensor]:
        return [Tensor(a, requires_grad=True) for a in self.arrays(seed)]


def case(
    id: str,
    fn: Callable,
    shapes: Sequence[Shape],
    torch_fn: Callable | None = None,
    domain: Any = real,
    ops: Sequence[str] = (),
    tol: dict | None = None,
) -> Any:
    """A ``pytest.param`` holding a Case, with a readable test id."""
    return pytest.param(
        Case(id, fn, tuple(shapes), torch_fn, domain, tuple(ops), dict(tol or {})), id=id
    )


# A float32 round trip loses ~1e-7 relative: central differences need a larger step.
FLOAT32_STEP = {"eps": 1e-2, "atol": 1e-4}


# ----------------------------------------------------------------------------- torch helpers
def _torch() -> Any:
    import torch

    return torch


def tdims(axis: Any, ndim: int) -> tuple[int, ...]:
    """NumPy's axis (None / int / tuple) as torch's ``dim`` tuple."""
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def torch_pad(x: Any, pad_width: Sequence[tuple[int, int]], value: float = 0.0) -> Any:
    """np.pad's ((before, after) per axis) as torch's flat, last-axis-first list."""
    flat: list[int] = []
    for before, after in reversed(list(pad_width)):
        flat += [before, after]
    return _torch().nn.functional.pad(x, flat, value=value)


def torch_index(index: Any) -> Any:
    """NumPy index -> torch index (integer and boolean arrays become tensors)."""
    torch = _torch()
    if isinstance(index, tuple):
        return tuple(torch_index(i) for i in index)
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    return index


# fixed constants used by some cases (deterministic, so every file sees the same ones)
_CRNG = np.random.default_rng(1234)
WHERE_COND = _CRNG.random((3, 4)) < 0.5
MASK = np.array([[True, False, True, True], [False, False, True, False], [True] * 4])


# ----------------------------------------------------------------------------- arithmetic
ARITHMETIC = [
    case("add", lambda a, b: a + b, [(3, 4), (3, 4)], lambda a, b: a + b, ops=["+"]),
    case("add_bcast_row", lambda a, b: a + b, [(3, 4), (4,)], lambda a, b: a + b, ops=["+"]),
    case("add_bcast_col", lambda a, b: b + a, [(3, 4), (3, 1)], lambda a, b: b + a),
    case("add_scalar_left", lambda a: 2.5 + a, [(3, 4)], lambda a: 2.5 + a),
    case("add_scalar_right", lambda a: a + 2.5, [(3, 4)], lambda a: a + 2.5),
    case("sub_bcast", lambda a, b: a - b, [(2, 3, 4), (3, 1)], lambda a, b: a - b, ops=["-"]),
    case("sub_bcast_rev", lambda a, b: b - a, [(2, 3, 4), (4,)], lambda a, b: b - a),
    case("sub_scalar_left", lambda a: 1.5 - a, [(3, 4)], lambda a: 1.5 - a),
    case("sub_scalar_right", lambda a: a - 1.5, [(3, 4)], lambda a: a - 1.5),
    case("mul", lambda a, b: a * b, [(3, 4), (3, 4)], lambda a, b: a * b, ops=["*"]),
    case("mul_bcast_3d", lambda a, b: a * b, [(2, 1, 4), (3, 1)], lambda a, b: a * b),
    case("mul_bcast_0d", lambda a, b: a * b, [(3, 4), ()], lambda a, b: a * b),
    case("mul_scalar_left", lambda a: 3.0 * a, [(3, 4)], lambda a: 3.0 * a),
    case("mul_scalar_right", lambda a: a * -0.5, [(3, 4)], lambda a: a * -0.5),
    case("mul_self", lambda a: a * a, [(3, 4)], lambda a: a * a),
    case("div", lambda a, b: a / b, [(3, 4), (3, 4)], lambda a, b: a / b, ops=["/"]),
    case("div_bcast", lambda a, b: a / b, [(2, 3, 4), (3, 1)], lambda a, b: a / b),
    case("div_bcast_rev", lambda a, b: b / a, [(3, 4), (4,)], lambda a, b: b / a),
    case("div_scalar_left", lambda a: 2.0 / a, [(3, 4)], lambda a: 2.0 / a),
    case("div_scalar_right", lambda a: a / 4.0, [(3, 4)], lambda a: a / 4.0),
    case("neg", lambda a: -a, [(3, 4)], lambda a: -a, ops=["neg"]),
    case("pow_int", lambda a: a**3, [(3, 4)], lambda a: a**3, ops=["**"]),
    case("pow_two", lambda a: a**2, [(3, 4)], lambda a: a**2),
    case("pow_half", lambda a: a**0.5, [(3, 4)], lambda a: a**0.5, positive),
    case("pow_negative_frac", lambda a: a**-1.5, [(3, 4)], lambda a: a**-1.5, positive),
    case("pow_zero", lambda a: a**0 + a, [(3, 4)], lambda a: a**0 + a),
    case("pow_one", lambda a: a**1, [(3, 4)], lambda a: a**1),
    case("pow_method", lambda a: a.pow(2.5), [(3, 4)], lambda a: a.pow(2.5), positive),
    case("pow_tensor", lambda a, b: a**b, [(3, 4), (3, 4)], lambda a, b: a**b, [positive, real]),
    case(
        "pow_tensor_bcast", lambda a, b: a**b, [(3, 4), (4,)], lambda a, b: a**b, [positive, real]
    ),
    case("rpow_scalar_base", lambda a: 2.0**a, [(3, 4)], lambda a: 2.0**a),
]


# ----------------------------------------------------------------------------- elementwise
def _tf() -> Any:
    return _torch().nn.functional


ELEMENTWISE = [
    case("exp", lambda a: a.exp(), [(3, 4)], lambda a: a.exp(), ops=["exp"]),
    case("exp_fn", lambda a: ag.exp(a), [(2, 3)], lambda a: a.exp()),
    case("log", lambda a: a.log(), [(3, 4)], lambda a: a.log(), positive, ops=["log"]),
    case("log_fn", lambda a: ag.log(a), [(2, 3)], lambda a: a.log(), positive),
    case("sqrt", lambda a: a.sqrt(), [(3, 4)], lambda a: a.sqrt(), positive, ops=["sqrt"]),
    case("sqrt_fn", lambda a: ag.sqrt(a), [(2, 3)], lambda a: a.sqrt(), positive),
    case("abs", lambda a: a.abs(), [(3, 4)], lambda a: a.abs(), ops=["abs"]),
    case("abs_builtin", lambda a: abs(a), [(2, 3)], lambda a: abs(a)),
    case("abs_fn", lambda a: ag.abs(a), [(2, 3)], lambda a: a.abs()),
    case("sin", lambda a: a.sin(), [(3, 4)], lambda a: a.sin(), ops=["sin"]),
    case("sin_fn", lambda a: ag.sin(a), [(2, 3)], lambda a: a.sin()),
    case("cos", lambda a: a.cos(), [(3, 4)], lambda a: a.cos(), ops=["cos"]),
    case("cos_fn", lambda a: ag.cos(a), [(2, 3)], lambda a: a.cos()),
    case("tanh", lambda a: a.tanh(), [(3, 4)], lambda a: a.tanh(), ops=["tanh"]),
    case("tanh_fn", lambda a: ag.tanh(a), [(2, 3)], lambda a: a.tanh()),
    case("sigmoid", lambda a: a.sigmoid(), [(3, 4)], lambda a: a.sigmoid(), ops=["sigmoid"]),
    case("sigmoid_fn", lambda a: ag.sigmoid(3.0 * a), [(2, 3)], lambda a: (3.0 * a).sigmoid()),
    case(
        "softplus",
        lambda a: ag.softplus(a),
        [(3, 4)],
        lambda a: _tf().softplus(a),
        ops=["softplus"],
    ),
    case(
        "softplus_beta_method",
        lambda a: a.softplus(beta=2.0, threshold=10.0),
        [(2, 3)],
        lambda a: _tf().softplus(a, beta=2.0, threshold=10.0),
    ),
    case(
        "log_sigmoid",
        lambda a: ag.log_sigmoid(a),
        [(3, 4)],
        lambda a: _tf().logsigmoid(a),
        ops=["log_sigmoid"],
    ),
    case(
        "logsigmoid_method",
        lambda a: (2.0 * a).logsigmoid(),
        [(2, 3)],
        lambda a: _tf().logsigmoid(2.0 * a),
        ops=["logsigmoid"],
    ),
    case(
        "logaddexp",
        lambda a, b: ag.logaddexp(a, b),
        [(3, 4), (3, 4)],
        lambda a, b: _torch().logaddexp(a, b),
        ops=["logaddexp"],
    ),
    case(
        "logaddexp_bcast_method",
        lambda a, b: a.logaddexp(b),
        [(2, 3, 4), (3, 1)],
        lambda a, b: a.logaddexp(b),
    ),
    case("relu", lambda a: a.relu(), [(3, 4)], lambda a: a.relu(), ops=["relu"]),
    case("relu_fn", lambda a: ag.relu(a), [(2, 3)], lambda a: a.relu()),
    case(
        "leaky_relu",
        lambda a: a.leaky_relu(),
        [(3, 4)],
        lambda a: _tf().leaky_relu(a),
        ops=["leaky_relu"],
    ),
    case(
        "leaky_relu_alpha",
        lambda a: ag.leaky_relu(a, alpha=0.2),
        [(3, 4)],
        lambda a: _tf().leaky_relu(a, 0.2),
    ),
    case(
        "maximum",
        lambda a, b: ag.maximum(a, b),
        [(3, 4), (3, 4)],
        lambda a, b: _torch().maximum(a, b),
        ops=["maximum"],
    ),
    case(
        "maximum_bcast",
        lambda a, b: ag.maximum(a, b),
        [(3, 4), (4,)],
        lambda a, b: _torch().maximum(a, b),
    ),
    case(
        "minimum",
        lambda a, b: ag.minimum(a, b),
        [(3, 4), (3, 4)],
        lambda a, b: _torch().minimum(a, b),
        ops=["minimum"],
    ),
    case(
        "minimum_bcast",
        lambda a, b: ag.minimum(b, a),
        [(2, 3, 4), (3, 1)],
        lambda a, b: _torch().minimum(b, a),
    ),
    case(
        "clip",
        lambda a: a.clip(-0.5, 0.5),
        [(3, 4)],
        lambda a: a.clamp(-0.5, 0.5),
        off_clip_bounds,
        ops=["clip"],
    ),
    case(
        "clip_lo_only",
        lambda a: ag.clip(a, lo=-0.5),
        [(3, 4)],
        lambda a: a.clamp(min=-0.5),
        off_clip_bounds,
    ),
    case(
        "clip_hi_only",
        lambda a: ag.clip(a, hi=0.5),
        [(3, 4)],
        lambda a: a.clamp(max=0.5),
        off_clip_bounds,
    ),
    case(
        "where",
        lambda a, b: ag.where(WHERE_COND, a, b),
        [(3, 4), (3, 4)],
        lambda a, b: _torch().where(_torch().from_numpy(WHERE_COND), a, b),
        ops=["where"],
    ),
    case(
        "where_bcast",
        lambda a, b: ag.where(WHERE_COND, a, b),
        [(4,), (3, 1)],
        lambda a, b: _torch().where(_torch().from_numpy(WHERE_COND), a, b),
    ),
    case(
        "where_scalar",
        lambda a: ag.where(WHERE_COND, a, 0.0),
        [(3, 4)],
        lambda a: _torch().where(_torch().from_numpy(WHERE_COND), a, 0.0),
    ),
]


# ----------------------------------------------------------------------------- reductions
def _reduce(name: str, **kw: Any) -> Callable:
    return lambda x: getattr(x, name)(**kw)


def _torch_reduce(name: str, axis: Any, keepdims: bool, **kw: Any) -> Callable:
    return lambda x: getattr(x, name)(dim=tdims(axis, x.ndim), keepdim=keepdims, **kw)


def _values(name: str, **kw: Any) -> Callable:
    """``max(dim=...)``/``min(dim=...)`` return (values, indices): keep the values."""
    return lambda x: getattr(x, name)(**kw).values


def _reduction_cases() -> list:
    # amax/amin split ties evenly over one or several dims; max/min(dim) return
    # (values, indices) and send the gradient to the index only, as torch does
    out = []
    for name in ("sum", "mean", "amax", "amin", "logsumexp"):
        for axis in (None, 0, 1, -1, (0, 2), (-1, 0)):
            for keepdims in (False, True):
                out.append(
                    case(
                        f"{name}-axis{axis}-keep{int(keepdims)}".replace(" ", ""),
                        _reduce(name, axis=axis, keepdims=keepdims),
                        [(2, 3, 4)],
                        _torch_reduce(name, axis, keepdims),
                        ops=[name],
                    )
                )
    for name in ("max", "min"):
        out.append(case(f"{name}-all", _reduce(name), [(2, 3, 4)], _reduce(name), ops=[name]))
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                out.append(
                    case(
                        f"{name}-dim{dim}-keep{int(keepdim)}",
                        _values(name, dim=dim, keepdim=keepdim),
                        [(2, 3, 4)],
                        _values(name, dim=dim, keepdim=keepdim),
                        ops=[name],
                    )
                )
        # NumPy's keywords mean the same here: (values, indices)
        out.append(
            case(
                f"{name}-axis1-keepdims",
                _values(name, axis=1, keepdims=True),
                [(2, 3, 4)],
                _values(name, dim=1, keepdim=True),
            )
        )
    for k, largest in ((1, True), (2, True), (3, False)):
        out.append(
            case(
                f"topk-k{k}-{'largest' if largest else 'smallest'}",
                lambda x, k=k, largest=largest: x.topk(k, dim=1, largest=largest).values,
                [(2, 4, 3)],
                lambda x, k=k, largest=largest: x.topk(k, dim=1, largest=largest).values,
                ops=["topk"],
            )
        )
    out.append(
        case(
            "topk_fn_last_dim",
            lambda x: ag.topk(x, 2).values,
            [(3, 4)],
            lambda x: _torch().topk(x, 2).values,
        )
    )
    out.append(
        case(
            "gather",
            lambda x: x.gather(1, Tensor(np.array([[2, 0, 2], [1, 1, 0]]), dtype=np.int64)),
            [(2, 4)],
            lambda x: x.gather(1, _torch().tensor([[2, 0, 2], [1, 1, 0]])),
            ops=["gather"],
        )
    )
    out.append(
        case(
            "gather_fn_dim0",
            lambda x: ag.gather(x, 0, np.array([[1, 0, 1, 1]])),
            [(2, 4)],
            lambda x: _torch().gather(x, 0, _torch().tensor([[1, 0, 1, 1]])),
        )
    )
    for ddof in (0, 1):
        for axis in (None, 1, -1, (0, 2)):
            for keepdims in (False, True):
                out.append(
                    case(
                        f"var-ddof{ddof}-axis{axis}-keep{int(keepdims)}".replace(" ", ""),
                        _reduce("var", axis=axis, keepdims=keepdims, ddof=ddof),
                        [(2, 3, 4)],
                        _torch_reduce("var", axis, keepdims, correction=ddof),
                        ops=["var"],
                    )
                )
    out += [
        # torch's default: n - 1 (NumPy's var divides by n)
        case("var_default_unbiased", lambda x: x.var(dim=1), [(3, 4)], lambda x: x.var(dim=1)),
        case("var_unbiased_false", lambda x: x.var(1, False), [(3, 4)], lambda x: x.var(1, False)),
        case(
            "std",
            lambda x: x.std(dim=0, keepdim=True),
            [(3, 4)],
            lambda x: x.std(dim=0, keepdim=True),
            ops=["std"],
        ),
        case(
            "std_fn_correction0",
            lambda x: ag.std(x, correction=0),
            [(3, 4)],
            lambda x: x.std(correction=0),
        ),
    ]
    # functional spellings
    out += [
        case("sum_fn", lambda x: ag.sum(x, axis=1), [(3, 4)], lambda x: x.sum(dim=1)),
        case(
            "sum_dim_keepdim",
            lambda x: x.sum(dim=1, keepdim=True),
            [(3, 4)],
            lambda x: x.sum(dim=1, keepdim=True),
        ),
        case(
            "mean_dim_tuple",
            lambda x: ag.mean(x, dim=(0, 2)),
            [(2, 3, 4)],
            lambda x: x.mean(dim=(0, 2)),
        ),
        case("mean_fn", lambda x: ag.mean(x), [(3, 4)], lambda x: x.mean()),
        case("max_fn", lambda x: ag.max(x, dim=0).values, [(3, 4)], lambda x: x.max(dim=0).values),
        case("max_fn_all", lambda x: ag.max(x), [(3, 4)], lambda x: x.max()),
        case("amax_fn", lambda x: ag.amax(x, dim=(0, 1)), [(3, 4)], lambda x: x.amax(dim=(0, 1))),
        case("amin_fn", lambda x: ag.amin(x, axis=0), [(3, 4)], lambda x: x.amin(dim=0)),
        case("min_fn", lambda x: ag.min(x), [(3, 4)], lambda x: x.min()),
        case("var_fn", lambda x: ag.var(x, axis=0, ddof=1), [(3, 4)], lambda x: x.var(dim=0)),
        case(
            "logsumexp_fn",
            lambda x: ag.logsumexp(x, axis=-1),
            [(3, 4)],
            lambda x: x.logsumexp(dim=-1),
        ),
        case(
            "logsumexp_large",
            lambda x: ag.logsumexp(x * 400.0, axis=-1),
            [(3, 4)],
            lambda x: (x * 400.0).logsumexp(dim=-1),
        ),
    ]
    return out


REDUCTIONS = _reduction_cases()

# ----------------------------------------------------------------------------- shape
SHAPE = [
    case(
        "reshape",
        lambda x: x.reshape(4, 6),
        [(2, 3, 4)],
        lambda x: x.reshape(4, 6),
        ops=["reshape"],
    ),
    case(
        "reshape_tuple_infer", lambda x: x.reshape((3, -1)), [(2, 3, 4)], lambda x: x.reshape(3, -1)
    ),
    case("reshape_fn", lambda x: ag.reshape(x, (-1,)), [(2, 3, 4)], lambda x: x.reshape(-1)),
    case(
        "transpose_noargs",
        lambda x: x.transpose(),
        [(2, 3, 4)],
        lambda x: x.permute(2, 1, 0),
        ops=["transpose"],
    ),
    case("transpose_swap", lambda x: x.transpose(0, 2), [(2, 3, 4)], lambda x: x.transpose(0, 2)),
    case(
        "transpose_swap_negative",
        lambda x: ag.transpose(x, -1, 1),
        [(2, 3, 4)],
        lambda x: x.transpose(-1, 1),
    ),
    case("permute_perm", lambda x: x.permute(1, 0, 2), [(2, 3, 4)], lambda x: x.permute(1, 0, 2)),
    case(
        "permute_tuple_negative",
        lambda x: x.permute((-1, 0, 1)),
        [(2, 3, 4)],
        lambda x: x.permute(2, 0, 1),
    ),
    case("t", lambda x: x.t(), [(3, 4)], lambda x: x.t(), ops=["t"]),
    case("t_fn", lambda x: ag.t(x), [(2, 3)], lambda x: x.t()),
    case("view", lambda x: x.view(4, -1), [(2, 3, 4)], lambda x: x.view(4, -1), ops=["view"]),
    case("view_fn", lambda x: ag.view(x, (6, 4)), [(2, 3, 4)], lambda x: x.view(6, 4)),
    case(
        "narrow",
        lambda x: x.narrow(1, 1, 2),
        [(2, 4, 3)],
        lambda x: x.narrow(1, 1, 2),
        ops=["narrow"],
    ),
    case(
        "narrow_fn_negative_start",
        lambda x: ag.narrow(x, -1, -2, 2),
        [(2, 4)],
        lambda x: x.narrow(-1, -2, 2),
    ),
    case("transpose_fn", lambda x: ag.transpose(x), [(3, 4)], lambda x: x.T),
    case("T", lambda x: x.T, [(3, 4)], lambda x: x.T),
    case(
        "permute",
        lambda x: x.permute(2, 0, 1),
        [(2, 3, 4)],
        lambda x: x.permute(2, 0, 1),
        ops=["permute"],
    ),
    case(
        "permute_fn", lambda x: ag.permute(x, (1, 2, 0)), [(2, 3, 4)], lambda x: x.permute(1, 2, 0)
    ),
    case(
        "swapaxes",
        lambda x: x.swapaxes(0, -1),
        [(2, 3, 4)],
        lambda x: x.swapaxes(0, -1),
        ops=["swapaxes"],
    ),
    case("swapaxes_fn", lambda x: ag.swapaxes(x, 1, 2), [(2, 3, 4)], lambda x: x.swapaxes(1, 2)),
    case(
        "squeeze_all", lambda x: x.squeeze(), [(1, 3, 1, 4)], lambda x: x.squeeze(), ops=["squeeze"]
    ),
    case("squeeze_axis", lambda x: x.squeeze(0), [(1, 3, 1, 4)], lambda x: x.squeeze(0)),
    case("squeeze_negative", lambda x: ag.squeeze(x, -2), [(1, 3, 1, 4)], lambda x: x.squeeze(-2)),
    case(
        "unsqueeze_front",
        lambda x: x.unsqueeze(0),
        [(3, 4)],
        lambda x: x.unsqueeze(0),
        ops=["unsqueeze"],
    ),
    case("unsqueeze_back", lambda x: ag.unsqueeze(x, -1), [(3, 4)], lambda x: x.unsqueeze(-1)),
    case("unsqueeze_middle", lambda x: x.unsqueeze(1), [(3, 4)], lambda x: x.unsqueeze(1)),
    case("flatten", lambda x: x.flatten(), [(2, 3, 4)], lambda x: x.flatten(), ops=["flatten"]),
    case("flatten_start", lambda x: ag.flatten(x, 1), [(2, 3, 4)], lambda x: x.flatten(1)),
    case("flatten_range", lambda x: x.flatten(0, 1), [(2, 3, 4)], lambda x: x.flatten(0, 1)),
    case(
        "broadcast_to",
        lambda x: x.broadcast_to((2, 3, 4)),
        [(3, 1)],
        lambda x: x.broadcast_to((2, 3, 4)),
        ops=["broadcast_to"],
    ),
    case(
        "broadcast_to_fn",
        lambda x: ag.broadcast_to(x, (3, 4)),
        [(4,)],
        lambda x: x.broadcast_to((3, 4)),
    ),
    case(
        "astype_roundtrip",
        lambda x: x.astype(np.float32).astype(np.float64) * 2.0,
        [(3, 4)],
        lambda x: x.float().double() * 2.0,
        ops=["astype"],
        tol=FLOAT32_STEP,
    ),
    case(
        "astype_fn",
        lambda x: ag.astype(x, np.float32) * 3.0,
        [(3, 4)],
        lambda x: x.float() * 3.0,
        tol=FLOAT32_STEP,
    ),
]

# ----------------------------------------------------------------------------- indexing
# torch has no negative slice steps: those cases name torch's spelling explicitly
_INDICES: list[tuple[str, Any, Shape] | tuple[str, Any, Shape, Callable]] = [
    ("int", 1, (3, 4)),
    ("negative_int", -1, (3, 4)),
    ("slice", slice(1, 3), (3, 4)),
    ("slice_2d", (slice(None), slice(1, None, 2)), (3, 4)),
    ("negative_step", slice(None, None, -1), (3, 4), lambda x: x.flip(0)),
    (
        "negative_step_2d",
        (slice(None, None, -2), slice(3, 0, -1)),
        (3, 4),
        lambda x: x.flip(0)[::2].flip(1)[:, :3],
    ),
    ("none", None, (3, 4)),
    ("none_mixed", (slice(None), None, 2), (3, 4)),
    ("ellipsis", (Ellipsis, 1), (2, 3, 4)),
    ("ellipsis_none", (Ellipsis, None), (3, 4)),
    ("ellipsis_middle", (0, Ellipsis, slice(1, 3)), (2, 3, 4)),
    ("bool_mask", MASK, (3, 4)),
    ("bool_rows", np.array([True, False, True]), (3, 4)),
    ("int_array", [2, 0], (3, 4)),
    ("int_array_repeated", [0, 0, 2], (3,)),
    ("int_array_repeated_rows", [0, 0, 2, 0], (3, 4)),
    ("int_array_2d", np.array([[0, 1], [2, 2]]), (3, 4)),
    ("int_array_pair", ([0, 2, 2], [1, 3, 3]), (3, 4)),
    ("mixed_array_slice", ([0, 1], slice(1, None)), (3, 4)),
    ("mixed_slice_array", (slice(None), [3, 0, 3]), (3, 4)),
    ("negative_int_array", [-1, -3, -1], (3, 4)),
]


def _index_case(name: str, index: Any, shape: Shape, torch_fn: Callable | None = None) -> Any:
    if torch_fn is None:

        def torch_fn(x: Any) -> Any:
            return x[torch_index(index)]

    return case(f"getitem-{name}", lambda x: x[index], [shape], torch_fn, ops=["getitem"])


INDEXING = [_index_case(*spec) for spec in _INDICES] + [
    case(
        "getitem-int_tensor_index",
        lambda x: x[Tensor(np.array([2, 2, 1]), dtype=np.int64)],
        [(3, 4)],
        lambda x: x[_torch().tensor([2, 2, 1])],
    ),
    case(
        "getitem_fn",
        lambda x: ag.getitem(x, (slice(None), [1, 1])),
        [(3, 4)],
        lambda x: x[:, [1, 1]],
    ),
    case("getitem_chain", lambda x: x[1:][:, ::-1][0], [(3, 4)], lambda x: x[1:].flip(1)[0]),
]


# ----------------------------------------------------------------------------- join
def _weighted_pieces(pieces: Sequence[Any]) -> Any:
    """Combine split pieces so that each one gets a different upstream gradient."""
    total = pieces[0] * 1.0
    for k, p in enumerate(pieces[1:], start=2):
        total = total + p.sum() * float(k)
    return total


JOIN = [
    case(
        "concatenate",
        lambda a, b: ag.concatenate([a, b]),
        [(2, 4), (3, 4)],
        lambda a, b: _torch().cat([a, b]),
        ops=["concatenate"],
    ),
    case(
        "concatenate_last",
        lambda a, b, c: ag.concatenate([a, b, c], axis=-1),
        [(3, 1), (3, 2), (3, 4)],
        lambda a, b, c: _torch().cat([a, b, c], dim=-1),
    ),
    case(
        "concatenate_self",
        lambda a: ag.concatenate([a, a * 2.0], axis=1),
        [(2, 3)],
        lambda a: _torch().cat([a, a * 2.0], dim=1),
    ),
    case(
        "stack",
        lambda a, b: ag.stack([a, b]),
        [(3, 4), (3, 4)],
        lambda a, b: _torch().stack([a, b]),
        ops=["stack"],
    ),
    case(
        "stack_last",
        lambda a, b, c: ag.stack([a, b, c], axis=-1),
        [(2, 3)] * 3,
        lambda a, b, c: _torch().stack([a, b, c], dim=-1),
    ),
    case(
        "stack_middle",
        lambda a, b: ag.stack([a, b], axis=1),
        [(2, 3), (2, 3)],
        lambda a, b: _torch().stack([a, b], dim=1),
    ),
    case(
        "cat",
        lambda a, b: ag.cat([a, b], dim=1),
        [(2, 4), (2, 1)],
        lambda a, b: _torch().cat([a, b], dim=1),
        ops=["cat"],
    ),
    # split takes a piece *size* (or a list of sizes), as torch.split
    case(
        "split_size",
        lambda x: _weighted_pieces(ag.split(x, 3, dim=1)),
        [(2, 6)],
        lambda x: _weighted_pieces(_torch().split(x, 3, dim=1)),
        ops=["split"],
    ),
    case(
        "split_size_uneven",
        lambda x: _weighted_pieces(x.split(2)),
        [(5, 2)],
        lambda x: _weighted_pieces(x.split(2)),
    ),
    case(
        "split_sizes",
        lambda x: _weighted_pieces(x.split([1, 3, 1], axis=0)),
        [(5, 2)],
        lambda x: _weighted_pieces(x.split([1, 3, 1], dim=0)),
    ),
    case(
        "split_negative_axis",
        lambda x: _weighted_pieces(ag.split(x, 2, axis=-1)),
        [(3, 4)],
        lambda x: _weighted_pieces(_torch().split(x, 2, dim=-1)),
    ),
    case(
        "chunk",
        lambda x: _weighted_pieces(x.chunk(3, dim=1)),
        [(2, 6)],
        lambda x: _weighted_pieces(x.chunk(3, dim=1)),
        ops=["chunk"],
    ),
    case(
        "chunk_uneven_fn",
        lambda x: _weighted_pieces(ag.chunk(x, 4, axis=0)),
        [(6, 2)],
        lambda x: _weighted_pieces(_torch().chunk(x, 4, dim=0)),
    ),
    case(
        "pad",
        lambda x: ag.pad(x, ((1, 2), (0, 1))),
        [(3, 4)],
        lambda x: torch_pad(x, ((1, 2), (0, 1))),
        ops=["pad"],
    ),
    case("pad_int", lambda x: x.pad(1), [(2, 3)], lambda x: torch_pad(x, ((1, 1), (1, 1)))),
    case(
        "pad_value",
        lambda x: ag.pad(x, ((0, 0), (2, 1)), constant_values=-3.0),
        [(2, 3)],
        lambda x: torch_pad(x, ((0, 0), (2, 1)), value=-3.0),
    ),
]

# ----------------------------------------------------------------------------- matmul
MATMUL = [
    case("matmul_2d", lambda a, b: a @ b, [(3, 4), (4, 5)], lambda a, b: a @ b, ops=["matmul"]),
    case("matmul_fn", lambda a, b: ag.matmul(a, b), [(2, 3), (3, 2)], lambda a, b: a @ b),
    case("matmul_method", lambda a, b: a.matmul(b), [(2, 3), (3, 2)], lambda a, b: a @ b),
    case("matmul_batched_3d", lambda a, b: a @ b, [(2, 3, 4), (2, 4, 5)], lambda a, b: a @ b),
    case("matmul_3d_2d", lambda a, b: a @ b, [(2, 3, 4), (4, 5)], lambda a, b: a @ b),
    case("matmul_2d_3d", lambda a, b: a @ b, [(3, 4), (2, 4, 5)], lambda a, b: a @ b),
    case("matmul_4d_bcast", lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)], lambda a, b: a @ b),
    case(
        "matmul_4d_bcast_both", lambda a, b: a @ b, [(2, 1, 3, 4), (1, 3, 4, 2)], lambda a, b: a @ b
    ),
    case("matmul_1d_2d", lambda a, b: a @ b, [(4,), (4, 5)], lambda a, b: a @ b),
    case("matmul_2d_1d", lambda a, b: a @ b, [(3, 4), (4,)], lambda a, b: a @ b),
    case("matmul_1d_1d", lambda a, b: a @ b, [(4,), (4,)], lambda a, b: a @ b),
    case("matmul_1d_3d", lambda a, b: a @ b, [(4,), (2, 4, 5)], lambda a, b: a @ b),
    case("matmul_3d_1d", lambda a, b: a @ b, [(2, 3, 4), (4,)], lambda a, b: a @ b),
    case("matmul_self", lambda a: a @ a.T, [(3, 4)], lambda a: a @ a.T),
]

# ----------------------------------------------------------------------------- compositions
COMPOSITE = [
    case(
        "mlp_layer",
        lambda x, w, b, v: (x @ w + b).tanh() @ v,
        [(4, 3), (3, 5), (5,), (5, 2)],
        lambda x, w, b, v: (x @ w + b).tanh() @ v,
    ),
    case(
        "softmax",
        lambda x: (x - x.logsumexp(axis=-1, keepdims=True)).exp(),
        [(3, 4)],
        lambda x: x.softmax(dim=-1),
    ),
    case(
        "standardize",
        lambda x: (x - x.mean(axis=0)) / (x.var(axis=0, correction=0) + 1e-5).sqrt(),
        [(5, 3)],
        lambda x: (x - x.mean(0)) / (x.var(0, correction=0) + 1e-5).sqrt(),
    ),
    case(
        "shared_subexpression",
        lambda a, b: (a * b).sin() * (a * b) + a / (b * b + 1.0),
        [(3,), (2, 3)],
        lambda a, b: (a * b).sin() * (a * b) + a / (b * b + 1.0),
    ),
]

ALL_CASES = ARITHMETIC + ELEMENTWISE + REDUCTIONS + SHAPE + INDEXING + JOIN + MATMUL + COMPOSITE

# Ops of ``autograd.__all__`` that are Tensor ops but not differentiable (or not ops).
NOT_DIFFERENTIABLE = {"argmax", "argmin", "unbroadcast"}


# ----------------------------------------------------------------------------- table checks
def _ops_covered() -> set[str]:
    covered: set[str] = set()
    for p in ALL_CASES:
        covered.update(p.values[0].ops)
    return covered


#: Public ops without a case in this table, and why.
NO_CASE = {
    "argmax",
    "argmin",  # not differentiable
    "mm",  # matmul under PyTorch's 2-D name
    "softmax",
    "log_softmax",
    "sort",
    "diag",  # gradchecked in their own test files
}


def test_every_public_tensor_op_has_a_case() -> None:
    # the public ops are what the op modules export (their ``__all__``): a new op needs
    # a case here, and nothing else in this file
    from autograd import ops

    functional = set()
    for module in (
        ops.elementwise,
        ops.reduction,
        ops.gather,
        ops.shape,
        ops.indexing,
        ops.join,
        ops.matmul,
    ):
        functional |= set(module.__all__)
    assert functional <= set(ag.__all__)
    assert {"exp", "sum", "reshape", "getitem", "cat", "matmul"} <= functional
    operators = {"+", "-", "*", "/", "neg", "**"}
    missing = (functional | operators) - NO_CASE - _ops_covered()
    assert not missing, f"no gradient case for {sorted(missing)}"


#: Public ops that are functions only, not Tensor methods (``getitem`` is ``t[i]``; the
#: joins take a list of tensors).
FUNCTION_ONLY = {"maximum", "minimum", "where", "getitem", "cat", "concatenate", "stack"}


def test_every_public_op_is_also_a_tensor_method_declared_by_its_module() -> None:
    from autograd import ops

    for module in (
        ops.elementwise,
        ops.reduction,
        ops.gather,
        ops.shape,
        ops.indexing,
        ops.join,
        ops.matmul,
    ):
        mixin = next(v for k, v in vars(module).items() if k.endswith("Methods"))
        assert mixin in Tensor.__mro__, module.__name__
        for name in set(module.__all__) - FUNCTION_ONLY:
            assert name in vars(mixin), f"{module.__name__}.{name} is no Tensor method"
            assert getattr(Tensor, name) is vars(mixin)[name], name


def test_case_ids_are_unique() -> None:
    ids = [p.id for p in ALL_CASES]
    assert len(ids) == len(set(ids))


def test_domains_keep_away_from_kinks() -> None:
    rng = np.random.default_rng(0)
    assert np.abs(real(rng, (1000,))).min() >= 0.2
    assert positive(rng, (1000,)).min() >= 0.5
    x = np.abs(off_clip_bounds(rng, (1000,)))
    assert np.abs(x - 0.5).min() >= 0.1 and x.min() >= 0.1
