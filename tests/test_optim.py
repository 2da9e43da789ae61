"""``nn.optim``: optimizers and gradient clipping.

Every optimizer and option is run side by side with ``torch.optim`` (float64, identical
starting values, identical gradients each step) and must reproduce its parameter
trajectory. Without PyTorch: hand-computed steps, the textbook momentum and Nesterov
forms, convergence, skipping of missing gradients, checkpoints and errors.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import (
    SGD,
    AdaDelta,
    Adadelta,
    AdaGrad,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSProp,
    RMSprop,
    clip_grad_norm_,
    clip_grad_value_,
)

RTOL = 1e-10
ATOL = 1e-13

# ----------------------------------------------------------------------------- problem

_rng = np.random.default_rng(0)
X = _rng.normal(size=(8, 3))
Y = _rng.normal(size=(8, 2))
W0 = _rng.normal(size=(3, 2))
B0 = _rng.normal(size=(2,))


def make_params() -> list[Tensor]:
    return [Tensor(W0.copy(), requires_grad=True), Tensor(B0.copy(), requires_grad=True)]


def lsq_loss(params: list[Tensor]) -> Tensor:
    """E = mean((X W + b − Y)²), a convex least-squares loss."""
    W, b = params
    r = Tensor(X) @ W + b - Tensor(Y)
    return (r * r).mean()


def lsq_value(params: list[Tensor]) -> float:
    W, b = (p.data for p in params)
    return float(np.mean((X @ W + b - Y) ** 2))


def backward(opt: Optimizer, params: list[Tensor]) -> None:
    opt.zero_grad()
    lsq_loss(params).backward()


def snapshot(obj: Any) -> Any:
    return copy.deepcopy(obj)


def assert_same_structure(a: Any, b: Any) -> None:
    """Deep equality for dicts/lists/tuples of numbers and arrays."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same_structure(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_structure(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    else:
        assert a == b


# ----------------------------------------------------------------------------- torch oracle

SGD_CASES = [
    {},
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, dampening=0.5),
    dict(lr=0.1, momentum=0.9, dampening=0.9),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.1, momentum=0.5, weight_decay=0.05, nesterov=True),
    dict(lr=0.05, maximize=True),
    dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01, maximize=True),
    dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True),
]
ADAGRAD_CASES = [
    {},
    dict(lr=0.1),
    dict(lr=0.1, lr_decay=0.1),
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6),
    dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, maximize=True),
]
RMSPROP_CASES = [
    {},
    dict(lr=0.01, centered=True),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1),
    dict(lr=0.01, alpha=0.9, eps=1e-6),
    dict(lr=0.01, centered=True, maximize=True),
    dict(lr=0.01, momentum=0.9, weight_decay=0.05, maximize=True),
]
ADADELTA_CASES = [
    {},
    dict(lr=0.5, rho=0.5),
    dict(weight_decay=0.1),
    dict(eps=1e-4, maximize=True),
    dict(lr=2.0, rho=0.95, eps=1e-5, weight_decay=0.01),
]
ADAM_CASES = [
    {},
    dict(lr=0.05),
    dict(lr=0.05, amsgrad=True, betas=(0.9, 0.9)),
    dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, weight_decay=0.1, amsgrad=True, betas=(0.5, 0.8), maximize=True),
    dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
]
ADAMW_CASES = [
    {},
    dict(lr=0.05),
    dict(lr=0.05, weight_decay=0.1, amsgrad=True, betas=(0.9, 0.9)),
    dict(lr=0.05, weight_decay=0.0),
    dict(lr=0.05, maximize=True),
]

ORACLE_CASES = (
    [("SGD", SGD, kw) for kw in SGD_CASES]
    + [("Adagrad", AdaGrad, kw) for kw in ADAGRAD_CASES]
    + [("RMSprop", RMSProp, kw) for kw in RMSPROP_CASES]
    + [("Adadelta", AdaDelta, kw) for kw in ADADELTA_CASES]
    + [("Adam", Adam, kw) for kw in ADAM_CASES]
    + [("AdamW", AdamW, kw) for kw in ADAMW_CASES]
)


def _case_id(case: tuple[str, type, dict]) -> str:
    name, _, kw = case
    return name + "-" + ("-".join(f"{k}={v}" for k, v in kw.items()) or "defaults")


def run_side_by_side(
    ours_cls: type,
    torch_name: str,
    groups: Callable[[list], Any],
    kwargs: dict,
    steps: int = 10,
) -> tuple[Optimizer, Any]:
    """Step our optimizer and torch's from the same start with the same gradients and
    compare the parameters after every step."""
    torch = pytest.importorskip("torch")
    ours = make_params()
    theirs = [torch.tensor(p.data.copy(), requires_grad=True) for p in ours]
    opt = ours_cls(groups(ours), **kwargs)
    topt = getattr(torch.optim, torch_name)(groups(theirs), foreach=False, **kwargs)
    for _ in range(steps):
        backward(opt, ours)
        topt.zero_grad()
        for p, q in zip(ours, theirs):
            q.grad = torch.from_numpy(p.grad.data.copy())
        opt.step()
        topt.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=RTOL, atol=ATOL)
    return opt, topt


@pytest.mark.parametrize("case", ORACLE_CASES, ids=_case_id)
def test_trajectory_matches_torch(case: tuple[str, type, dict]) -> None:
    torch_name, cls, kwargs = case
    opt, _ = run_side_by_side(cls, torch_name, list, kwargs)
    if kwargs.get("amsgrad") and not kwargs.get("maximize"):
        # make sure the option mattered: the running max differs from the average (on
        # the way down the gradients shrink, so v falls below its earlier maximum)
        st = opt.state[opt.param_groups[0]["params"][0]]
        assert np.any(st["max_exp_avg_sq"] > st["exp_avg_sq"])


@pytest.mark.parametrize(
    "torch_name, cls, kwargs",
    [
        ("SGD", SGD, dict(lr=0.1, momentum=0.9)),
        ("Adam", Adam, dict(lr=0.01)),
        ("RMSprop", RMSProp, dict(lr=0.01, centered=True)),
        ("Adagrad", AdaGrad, dict(lr=0.1)),
        ("Adadelta", AdaDelta, dict(lr=1.0)),
        ("AdamW", AdamW, dict(lr=0.01)),
    ],
)
def test_param_groups_match_torch(torch_name: str, cls: type, kwargs: dict) -> None:
    def groups(ps: list) -> list[dict]:
        return [{"params": [ps[0]]}, {"params": [ps[1]], "lr": kwargs["lr"] * 3}]

    opt, topt = run_side_by_side(cls, torch_name, groups, kwargs, steps=6)
    assert opt.param_groups[1]["lr"] == topt.param_groups[1]["lr"]


def test_autograd_gradients_match_torch() -> None:
    """The gradients fed to both optimizers above are the same ones torch computes."""
    torch = pytest.importorskip("torch")
    ours = make_params()
    lsq_loss(ours).backward()
    W, b = (torch.tensor(p.data.copy(), requires_grad=True) for p in ours)
    ((torch.from_numpy(X) @ W + b - torch.from_numpy(Y)) ** 2).mean().backward()
    np.testing.assert_allclose(ours[0].grad.data, W.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours[1].grad.data, b.grad.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- by hand


def quadratic_param(w0: float = 1.0) -> Tensor:
    return Tensor(np.array([w0]), requires_grad=True)


def quad_step(opt: Optimizer, w: Tensor, a: float = 2.0) -> None:
    """E = ½ a w², ∇E = a w."""
    opt.zero_grad()
    (0.5 * a * w * w).sum().backward()
    opt.step()


def test_sgd_momentum_two_steps_by_hand() -> None:
    w = quadratic_param(1.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    quad_step(opt, w)  # g = 2, b = 2, w = 1 − 0.1·2
    assert w.data[0] == pytest.approx(0.8, abs=1e-15)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"], [2.0], atol=1e-15)
    quad_step(opt, w)  # g = 1.6, b = 0.9·2 + 1.6 = 3.4, w = 0.8 − 0.34
    assert w.data[0] == pytest.approx(0.46, abs=1e-15)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"], [3.4], atol=1e-15)


def test_plain_sgd_is_w_minus_eta_grad() -> None:
    params = make_params()
    opt = SGD(params, lr=0.3)
    backward(opt, params)
    expected = [p.data - 0.3 * p.grad.data for p in params]
    opt.step()
    for p, e in zip(params, expected):
        np.testing.assert_array_equal(p.data, e)


def _fixed_gradients(n: int) -> list[np.ndarray]:
    return [np.random.default_rng(k).normal(size=3) for k in range(n)]


def test_textbook_momentum_is_sgd_with_lr_scaled_by_one_minus_mu() -> None:
    """Δw(t) = μ Δw(t−1) − (1 − μ) η ∇E exactly, first step included."""
    mu, eta = 0.9, 0.1
    w = Tensor(np.zeros(3), requires_grad=True)
    opt = SGD([w], lr=(1 - mu) * eta, momentum=mu)
    w_book, dw = np.zeros(3), np.zeros(3)
    for g in _fixed_gradients(6):
        w.grad = Tensor(g.copy())
        opt.step()
        dw = mu * dw - (1 - mu) * eta * g
        w_book = w_book + dw
        np.testing.assert_allclose(w.data, w_book, rtol=1e-13, atol=1e-15)


def test_dampening_mu_gives_textbook_recursion_after_the_first_step() -> None:
    mu, eta = 0.9, 0.1
    w = Tensor(np.zeros(3), requires_grad=True)
    opt = SGD([w], lr=eta, momentum=mu, dampening=mu)
    grads = _fixed_gradients(6)
    deltas = []
    book_buf = np.zeros(3)  # the textbook's Δw = −η b' with b'₀ = 0
    for t, g in enumerate(grads, start=1):
        before = w.data.copy()
        w.grad = Tensor(g.copy())
        opt.step()
        deltas.append(w.data - before)
        book_buf = mu * book_buf + (1 - mu) * g
        # for the same gradients PyTorch's buffer exceeds the textbook's by μ^t g₁
        np.testing.assert_allclose(
            opt.state[w]["momentum_buffer"] - book_buf, mu**t * grads[0], rtol=1e-9, atol=1e-15
        )
    # PyTorch's first step is undamped: −η g₁, not the textbook's −(1 − μ) η g₁
    np.testing.assert_allclose(deltas[0], -eta * grads[0], rtol=1e-13)
    for t in range(1, len(grads)):
        book = mu * deltas[t - 1] - (1 - mu) * eta * grads[t]
        np.testing.assert_allclose(deltas[t], book, rtol=1e-10, atol=1e-15)


def test_nesterov_iterates_are_the_textbook_lookahead_points() -> None:
    """Sutskever: v ← μv − η∇E(w + μv), w ← w + v. PyTorch's p is w + μv."""
    A = np.diag([1.0, 10.0])

    def grad(x: np.ndarray) -> np.ndarray:  # E = ½ xᵀAx
        return A @ x

    mu, eta = 0.9, 0.05
    p = Tensor(np.array([1.0, 1.0]), requires_grad=True)
    opt = SGD([p], lr=eta, momentum=mu, nesterov=True)
    w, v = np.array([1.0, 1.0]), np.zeros(2)
    for _ in range(8):
        p.grad = Tensor(grad(p.data))
        opt.step()
        v = mu * v - eta * grad(w + mu * v)
        w = w + v
        np.testing.assert_allclose(p.data, w + mu * v, rtol=1e-12, atol=1e-15)


def test_adamw_is_adam_with_decoupled_decay() -> None:
    a, b = make_params(), make_params()
    opt_a = AdamW(a, lr=0.05, weight_decay=0.1)
    opt_b = Adam(b, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)
    c, d = make_params(), make_params()
    opt_c = Adam(c, lr=0.05, weight_decay=0.1)  # L2 inside the gradient: different
    opt_d = AdamW(d, lr=0.05, weight_decay=0.0)
    opt_e_params = make_params()
    opt_e = Adam(opt_e_params, lr=0.05)
    for _ in range(5):
        for opt, ps in ((opt_a, a), (opt_b, b), (opt_c, c), (opt_d, d), (opt_e, opt_e_params)):
            backward(opt, ps)
            opt.step()
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p.data, q.data)
    assert not np.allclose(a[0].data, c[0].data)
    for p, q in zip(d, opt_e_params):
        np.testing.assert_array_equal(p.data, q.data)


def test_adagrad_first_step_by_hand() -> None:
    w = quadratic_param(1.0)
    opt = AdaGrad([w], lr=0.5, eps=0.0)
    quad_step(opt, w)  # g = 2, h = 4: w = 1 − 0.5 · 2 / 2
    assert w.data[0] == pytest.approx(0.5, abs=1e-15)


def test_adam_first_step_is_lr_times_sign() -> None:
    """After bias correction m̂ = g and v̂ = g², so the first step is ≈ η·sign(g)."""
    params = make_params()
    opt = Adam(params, lr=0.01)
    backward(opt, params)
    expected = [p.data - 0.01 * np.sign(p.grad.data) for p in params]
    opt.step()
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.data, e, atol=1e-8)


ALL_OPTIMIZERS = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (AdaGrad, dict(lr=0.2)),
    (RMSProp, dict(lr=0.01)),
    (RMSProp, dict(lr=0.01, centered=True, momentum=0.5)),
    (AdaDelta, dict(lr=1.0)),
    (Adam, dict(lr=0.05)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, dict(lr=0.05)),
]


def _opt_id(x: Any) -> str:
    return x.__name__ if isinstance(x, type) else ",".join(f"{k}={v}" for k, v in x.items())


@pytest.mark.parametrize("cls, kwargs", ALL_OPTIMIZERS, ids=_opt_id)
def test_decreases_a_convex_loss(cls: type, kwargs: dict) -> None:
    params = make_params()
    opt = cls(params, **kwargs)
    start = lsq_value(params)
    for _ in range(60):
        backward(opt, params)
        opt.step()
    end = lsq_value(params)
    assert end < start
    if cls is not AdaDelta:  # AdaDelta's first steps are ~√ε: slow start by design
        assert end < 0.8 * start


@pytest.mark.parametrize("cls, kwargs", ALL_OPTIMIZERS, ids=_opt_id)
def test_updates_in_place_and_skips_missing_grads(cls: type, kwargs: dict) -> None:
    params = make_params()
    frozen = Tensor(np.ones(4), requires_grad=True)
    opt = cls(params + [frozen], **kwargs)
    arrays = [p._data for p in params]
    before = [a.copy() for a in arrays]
    backward(opt, params)  # `frozen` takes no part in the loss: its grad stays None
    assert frozen.grad is None
    opt.step()
    for p, arr, b in zip(params, arrays, before):
        assert p._data is arr  # same array object: the update is in place
        assert not np.array_equal(arr, b)
    np.testing.assert_array_equal(frozen.data, np.ones(4))
    assert frozen not in opt.state or opt.state[frozen] == {}


@pytest.mark.parametrize("cls, kwargs", ALL_OPTIMIZERS, ids=_opt_id)
def test_float32_parameters_stay_float32(cls: type, kwargs: dict) -> None:
    w = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    opt = cls([w], **kwargs)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert w.data.dtype == np.float32
    for value in opt.state[w].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


def test_gradient_is_not_modified_by_step() -> None:
    params = make_params()
    opt = SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True)
    backward(opt, params)
    grads = [p.grad.data.copy() for p in params]
    opt.step()
    opt.step()  # the momentum buffer must not alias the gradient
    for p, g in zip(params, grads):
        np.testing.assert_array_equal(p.grad.data, g)


def test_zero_grad() -> None:
    params = make_params()
    opt = SGD(params, lr=0.1)
    backward(opt, params)
    opt.zero_grad(set_to_none=False)
    for p in params:
        assert p.grad is not None and p.grad.shape == p.shape
        np.testing.assert_array_equal(p.grad.data, 0.0)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_closure_is_evaluated_and_returned() -> None:
    params = make_params()
    opt = SGD(params, lr=0.1)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = lsq_loss(params)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, Tensor)
    assert lsq_value(params) < loss.item()


def test_param_groups_with_different_lr() -> None:
    W, b = make_params()
    opt = SGD([{"params": [W]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.0  # filled from the defaults
    backward(opt, [W, b])
    eW, eb = W.data - 0.1 * W.grad.data, b.data - 0.5 * b.grad.data
    opt.step()
    np.testing.assert_array_equal(W.data, eW)
    np.testing.assert_array_equal(b.data, eb)


def test_add_param_group() -> None:
    W, b = make_params()
    opt = Adam([W], lr=0.01)
    opt.add_param_group({"params": b, "betas": (0.5, 0.6)})
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    before = snapshot(opt.param_groups[:1])
    with pytest.raises(ValueError, match="already in parameter group 0"):
        opt.add_param_group({"params": [W]})
    with pytest.raises(ValueError, match="betas"):
        extra = Tensor(np.ones(2), requires_grad=True)
        opt.add_param_group({"params": [extra], "betas": (1.5, 0.9)})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[0]["lr"] == before[0]["lr"]


def test_aliases() -> None:
    assert Adagrad is AdaGrad and RMSprop is RMSProp and Adadelta is AdaDelta


# ----------------------------------------------------------------------------- checkpoints

CHECKPOINT_CASES = [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (AdaGrad, dict(lr=0.1, lr_decay=0.01)),
    (RMSProp, dict(lr=0.01, centered=True, momentum=0.5)),
    (AdaDelta, dict(lr=1.0)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, dict(lr=0.05)),
]


@pytest.mark.parametrize("cls, kwargs", CHECKPOINT_CASES, ids=_opt_id)
def test_state_dict_round_trip_continues_identically(cls: type, kwargs: dict) -> None:
    params = make_params()
    opt = cls(params, **kwargs)
    for _ in range(3):
        backward(opt, params)
        opt.step()
    saved = opt.state_dict()
    saved_params = [p.data.copy() for p in params]
    for _ in range(4):
        backward(opt, params)
        opt.step()
    reference = [p.data.copy() for p in params]

    resumed = [Tensor(a.copy(), requires_grad=True) for a in saved_params]
    opt2 = cls(resumed, lr=123.0)  # hyperparameters come from the state dict
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    for _ in range(4):
        backward(opt2, resumed)
        opt2.step()
    for p, r in zip(resumed, reference):
        np.testing.assert_array_equal(p.data, r)


def test_state_dict_is_a_plain_snapshot() -> None:
    params = make_params()
    opt = Adam(params, lr=0.05, amsgrad=True)
    backward(opt, params)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sd["param_groups"][0]["params"] == [0, 1]
    assert set(sd["state"]) == {0, 1}
    assert sd["state"][0]["step"] == 1
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}

    def plain(x: Any) -> bool:
        if isinstance(x, dict):
            return all(isinstance(k, (str, int)) and plain(v) for k, v in x.items())
        if isinstance(x, (list, tuple)):
            return all(plain(v) for v in x)
        return isinstance(x, (int, float, bool, np.ndarray))

    assert plain(sd)
    frozen = snapshot(sd)
    backward(opt, params)
    opt.step()
    assert_same_structure(sd, frozen)  # later steps do not reach into the snapshot


_G = "param_groups"


def _pop(key: str) -> Callable[[dict], Any]:
    return lambda d: d.pop(key)


# (label, expected message, how to break an Adam state dict)
BAD_STATE_DICTS: list[tuple[str, str, Callable[[dict], Any]]] = [
    ("not-a-dict", "exactly the keys", lambda sd: [1, 2]),
    ("missing-state", "exactly the keys", lambda sd: _pop("state")(sd)),
    ("extra-group", "2 parameter group", lambda sd: sd[_G].append(dict(sd[_G][0]))),
    ("param-count", "has 1 parameter", lambda sd: sd[_G][0].update(params=[0])),
    ("negative-lr", "learning rate", lambda sd: sd[_G][0].update(lr=-1.0)),
    ("bad-betas", "betas", lambda sd: sd[_G][0].update(betas=(0.9, 2.0))),
    ("wrong-type", "'amsgrad'", lambda sd: sd[_G][0].update(amsgrad=0.5)),
    ("missing-hyper", "lacks the hyperparameters", lambda sd: _pop("eps")(sd[_G][0])),
    ("shape", "shape", lambda sd: sd["state"][1].update(exp_avg=np.zeros(5))),
    (
        "unknown-key",
        "momentum_buffer",
        lambda sd: sd["state"][0].update(momentum_buffer=np.zeros((3, 2))),
    ),
    ("missing-key", "lacks", lambda sd: _pop("exp_avg_sq")(sd["state"][0])),
    ("unknown-id", "no group lists", lambda sd: sd["state"].update({7: {}})),
    ("duplicate-id", "listed twice", lambda sd: sd[_G][0].update(params=[0, 0])),
    ("string-state", "NumPy array or a number", lambda sd: sd["state"][0].update(step="3")),
]


@pytest.mark.parametrize(
    "pattern, edit", [c[1:] for c in BAD_STATE_DICTS], ids=[c[0] for c in BAD_STATE_DICTS]
)
def test_bad_state_dict_raises_and_leaves_the_optimizer_unchanged(
    pattern: str, edit: Callable[[dict], Any]
) -> None:
    params = make_params()
    opt = Adam(params, lr=0.05)
    backward(opt, params)
    opt.step()
    good = opt.state_dict()
    bad = copy.deepcopy(good)
    replaced = edit(bad)
    if isinstance(replaced, list):
        bad = replaced
    with pytest.raises(ValueError, match=pattern):
        opt.load_state_dict(bad)
    assert_same_structure(opt.state_dict(), good)
    assert opt.param_groups[0]["params"][0] is params[0]
    opt.load_state_dict(good)  # the good one still loads


def test_loading_another_optimizers_state_is_refused() -> None:
    params = make_params()
    sgd = SGD(params, lr=0.1, momentum=0.9)
    backward(sgd, params)
    sgd.step()
    adam = Adam(make_params())
    with pytest.raises(ValueError):
        adam.load_state_dict(sgd.state_dict())
    assert adam.state == {}


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("cls", [SGD, AdaGrad, RMSProp, AdaDelta, Adam, AdamW])
def test_negative_lr(cls: type) -> None:
    with pytest.raises(ValueError, match=r"invalid learning rate lr=-0\.1"):
        cls(make_params(), lr=-0.1)


@pytest.mark.parametrize(
    "cls, kwargs, pattern",
    [
        (SGD, dict(nesterov=True), "Nesterov momentum requires momentum > 0"),
        (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "dampening = 0"),
        (SGD, dict(momentum=-0.5), "momentum"),
        (SGD, dict(weight_decay=-1.0), "weight_decay"),
        (Adam, dict(betas=(1.0, 0.999)), r"betas\[0\]"),
        (Adam, dict(betas=(0.9,)), "pair"),
        (AdamW, dict(eps=-1e-8), "eps"),
        (AdaDelta, dict(rho=1.5), "rho"),
        (AdaGrad, dict(lr_decay=-0.1), "lr_decay"),
        (AdaGrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (RMSProp, dict(alpha=-0.1), "alpha"),
        (RMSProp, dict(momentum=-0.1), "momentum"),
    ],
)
def test_invalid_hyperparameters(cls: type, kwargs: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        cls(make_params(), **kwargs)


def test_parameter_list_errors() -> None:
    W, b = make_params()
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD(iter([]), lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        SGD([W, b, W], lr=0.1)
    with pytest.raises(ValueError, match="already in parameter group 0"):
        SGD([{"params": [W, b]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="only leaf Tensors"):
        SGD([W * 2], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(W, lr=0.1)
    with pytest.raises(TypeError, match="only optimise Tensors"):
        SGD([W.data], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        SGD([{"params": [W], "lr": -1.0}], lr=0.1)


# ----------------------------------------------------------------------------- clipping


def _grad_params(arrays: list[np.ndarray]) -> list[Tensor]:
    ps = []
    for a in arrays:
        p = Tensor(np.zeros_like(a), requires_grad=True)
        p.grad = Tensor(a.copy())
        ps.append(p)
    return ps


def test_clip_grad_norm_textbook_rule() -> None:
    """If ‖∇E‖ ≥ g₀, scale by g₀/‖∇E‖ (PyTorch adds 1e-6 to the norm)."""
    ps = _grad_params([np.array([3.0]), np.array([[4.0]])])
    grad_objects = [p.grad for p in ps]
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert isinstance(total, float) and total == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(ps[0].grad.data, [3.0 * scale], rtol=1e-15)
    np.testing.assert_allclose(ps[1].grad.data, [[4.0 * scale]], rtol=1e-15)
    assert all(p.grad is g for p, g in zip(ps, grad_objects))  # in place
    joint = math.hypot(ps[0].grad.data[0], ps[1].grad.data[0, 0])
    assert joint == pytest.approx(1.0, abs=1e-6)

    small = _grad_params([np.array([0.3, 0.4])])
    assert clip_grad_norm_(small, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(small[0].grad.data, [0.3, 0.4])  # below g₀: unchanged


def test_clip_grad_norm_inf_none_and_nonfinite() -> None:
    ps = _grad_params([np.array([1.0, -7.0]), np.array([2.0])])
    no_grad = Tensor(np.ones(3), requires_grad=True)
    assert clip_grad_norm_(ps + [no_grad], 3.5, norm_type=math.inf) == 7.0
    np.testing.assert_allclose(ps[0].grad.data, np.array([1.0, -7.0]) * 3.5 / (7 + 1e-6))
    assert no_grad.grad is None
    assert clip_grad_norm_([no_grad], 1.0) == 0.0
    single = _grad_params([np.array([6.0, 8.0])])[0]
    assert clip_grad_norm_(single, 20.0) == 10.0
    bad = _grad_params([np.array([np.inf, 1.0])])
    with pytest.raises(RuntimeError, match="non|inf|overflow"):
        clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_(ps, 1.0, norm_type=0)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type: float, max_norm: float) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=(3, 4)), rng.normal(size=(5,)), rng.normal(size=())]
    ps = _grad_params(arrays)
    tps = []
    for a in arrays:
        t = torch.zeros(a.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.from_numpy(a.copy())
        tps.append(t)
    total = clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    assert total == pytest.approx(ttotal.item(), rel=1e-12)
    for p, t in zip(ps, tps):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_grad_value() -> None:
    ps = _grad_params([np.array([-3.0, 0.5, 2.0]), np.array([[0.1, -0.2]])])
    obj = ps[0].grad
    clip_grad_value_(ps + [Tensor(np.ones(1), requires_grad=True)], 1.0)
    assert ps[0].grad is obj
    np.testing.assert_array_equal(ps[0].grad.data, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(ps[1].grad.data, [[0.1, -0.2]])
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_(ps, -1.0)


def test_clip_grad_value_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).normal(size=(4, 5)) * 3
    (p,) = _grad_params([a])
    t = torch.zeros(a.shape, dtype=torch.float64, requires_grad=True)
    t.grad = torch.from_numpy(a.copy())
    clip_grad_value_([p], 1.5)
    torch.nn.utils.clip_grad_value_([t], 1.5)
    np.testing.assert_array_equal(p.grad.data, t.grad.numpy())
