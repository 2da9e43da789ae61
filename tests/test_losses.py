"""Losses: values and gradients against PyTorch for every reduction, the textbook deltas
(y - d, sigma(u) - d, softmax(u) - t) exactly, numerical stability, and error messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd import Tensor

F64 = np.float64
RTOL, ATOL = 1e-10, 1e-12
REDUCTIONS = ["mean", "sum", "none"]


@dataclass
class LossCase:
    """``x`` is the differentiated input; ``extra`` pairs (our Tensor, torch tensor) whose
    gradients must agree too (e.g. probability targets)."""

    x: np.ndarray
    ours: Callable[[Tensor, str], Tensor]
    theirs: Callable[[Any, str], Any]
    extra: list[tuple[Tensor, Any]] = field(default_factory=list)
    grad_rtol: float = RTOL


def tt(torch: Any, a: np.ndarray, grad: bool = False) -> Any:
    t = torch.tensor(a)
    return t.requires_grad_() if grad else t


def pair(torch: Any, a: np.ndarray) -> tuple[Tensor, Any]:
    return Tensor(a.copy(), requires_grad=True), tt(torch, a, grad=True)


def soft_targets(r: np.random.Generator, shape: tuple, axis: int = 1) -> np.ndarray:
    e = np.exp(r.normal(size=shape))
    return e / e.sum(axis=axis, keepdims=True)


def with_ignored(t: np.ndarray, value: int, r: np.random.Generator) -> np.ndarray:
    t = t.copy()
    flat = t.reshape(-1)
    flat[r.choice(flat.size, size=max(flat.size // 3, 1), replace=False)] = value
    return t


# ----------------------------------------------------------------------------- case builders
def b_mse(r: np.random.Generator, torch: Any) -> LossCase:
    x, d = r.normal(size=(4, 3)), r.normal(size=(4, 3))
    return LossCase(
        x,
        lambda u, red: F.mse_loss(u, d, red),
        lambda u, red: torch.nn.functional.mse_loss(u, tt(torch, d), reduction=red),
    )


def b_mse_tensor_target(r: np.random.Generator, torch: Any) -> LossCase:
    x, d = r.normal(size=(2, 3, 2)), r.normal(size=(2, 3, 2))
    do, dt = pair(torch, d)
    return LossCase(
        x,
        lambda u, red: F.mse_loss(u, do, red),
        lambda u, red: torch.nn.functional.mse_loss(u, dt, reduction=red),
        [(do, dt)],
    )


def b_l1(r: np.random.Generator, torch: Any) -> LossCase:
    x, d = r.normal(size=(5, 3)), r.normal(size=(5, 3))
    return LossCase(
        x,
        lambda u, red: F.l1_loss(u, d, red),
        lambda u, red: torch.nn.functional.l1_loss(u, tt(torch, d), reduction=red),
    )


def b_l1_tensor_target(r: np.random.Generator, torch: Any) -> LossCase:
    x, d = r.normal(size=(6,)), r.normal(size=(6,))
    do, dt = pair(torch, d)
    return LossCase(
        x,
        lambda u, red: F.l1_loss(u, do, red),
        lambda u, red: torch.nn.functional.l1_loss(u, dt, reduction=red),
        [(do, dt)],
    )


def _ce(
    x: np.ndarray, t_ours: Any, t_torch: Any, torch: Any, extra: list | None = None, **kw: Any
) -> LossCase:
    return LossCase(
        x,
        lambda u, red: F.cross_entropy(u, t_ours, reduction=red, **kw),
        lambda u, red: torch.nn.functional.cross_entropy(u, t_torch, reduction=red, **kw),
        extra or [],
    )


def b_ce_int_numpy(r: np.random.Generator, torch: Any) -> LossCase:
    t = r.integers(0, 4, size=5)
    return _ce(r.normal(size=(5, 4)) * 3, t, tt(torch, t), torch)


def b_ce_int32_numpy(r: np.random.Generator, torch: Any) -> LossCase:
    t = r.integers(0, 4, size=5).astype(np.int32)
    return _ce(r.normal(size=(5, 4)), t, tt(torch, t.astype(np.int64)), torch)


def b_ce_int_tensor(r: np.random.Generator, torch: Any) -> LossCase:
    t = r.integers(0, 4, size=5)
    return _ce(r.normal(size=(5, 4)), Tensor(t, dtype=np.int64), tt(torch, t), torch)


def b_ce_prob_tensor(r: np.random.Generator, torch: Any) -> LossCase:
    p = soft_targets(r, (5, 4))
    po, pt = pair(torch, p)
    return _ce(r.normal(size=(5, 4)), po, pt, torch, [(po, pt)])


def b_ce_onehot_numpy(r: np.random.Generator, torch: Any) -> LossCase:
    onehot = np.eye(4)[r.integers(0, 4, size=6)]
    return _ce(r.normal(size=(6, 4)), onehot, tt(torch, onehot), torch)


def b_ce_ncd(r: np.random.Generator, torch: Any) -> LossCase:
    t = r.integers(0, 4, size=(3, 5))
    return _ce(r.normal(size=(3, 4, 5)), t, tt(torch, t), torch)


def b_ce_ncd1d2(r: np.random.Generator, torch: Any) -> LossCase:
    t = r.integers(0, 4, size=(2, 3, 2))
    return _ce(r.normal(size=(2, 4, 3, 2)), t, tt(torch, t), torch)


def b_ce_ncd_prob(r: np.random.Generator, torch: Any) -> LossCase:
    p = soft_targets(r, (3, 4, 5))
    po, pt = pair(torch, p)
    return _ce(r.normal(size=(3, 4, 5)), po, pt, torch, [(po, pt)])


def b_ce_unbatched(r: np.random.Generator, torch: Any) -> LossCase:
    t = np.array(2)
    return _ce(r.normal(size=(4,)), t, tt(torch, t), torch)


def b_ce_ignore_default(r: np.random.Generator, torch: Any) -> LossCase:
    t = with_ignored(r.integers(0, 4, size=9), -100, r)
    return _ce(r.normal(size=(9, 4)), t, tt(torch, t), torch)


def b_ce_ignore_custom(r: np.random.Generator, torch: Any) -> LossCase:
    t = np.array([0, 1, 2, 1, 3, 1, 0])  # class 1 is ignored
    return _ce(r.normal(size=(7, 4)), t, tt(torch, t), torch, ignore_index=1)


def b_ce_ignore_ncd(r: np.random.Generator, torch: Any) -> LossCase:
    t = with_ignored(r.integers(0, 3, size=(2, 6)), 7, r)
    return _ce(r.normal(size=(2, 3, 6)), t, tt(torch, t), torch, ignore_index=7)


def _nll(x: np.ndarray, t: np.ndarray, torch: Any, **kw: Any) -> LossCase:
    tF = torch.nn.functional
    return LossCase(
        x,
        lambda u, red: F.nll_loss(F.log_softmax(u, dim=1), t, reduction=red, **kw),
        lambda u, red: tF.nll_loss(tF.log_softmax(u, dim=1), tt(torch, t), reduction=red, **kw),
    )


def b_nll(r: np.random.Generator, torch: Any) -> LossCase:
    return _nll(r.normal(size=(5, 4)), r.integers(0, 4, size=5), torch)


def b_nll_raw(r: np.random.Generator, torch: Any) -> LossCase:
    t = r.integers(0, 4, size=5)
    return LossCase(
        r.normal(size=(5, 4)),
        lambda u, red: F.nll_loss(u, t, reduction=red),
        lambda u, red: torch.nn.functional.nll_loss(u, tt(torch, t), reduction=red),
    )


def b_nll_ncd(r: np.random.Generator, torch: Any) -> LossCase:
    return _nll(r.normal(size=(3, 4, 5)), r.integers(0, 4, size=(3, 5)), torch)


def b_nll_ncd1d2(r: np.random.Generator, torch: Any) -> LossCase:
    return _nll(r.normal(size=(2, 4, 3, 2)), r.integers(0, 4, size=(2, 3, 2)), torch)


def b_nll_ignore(r: np.random.Generator, torch: Any) -> LossCase:
    t = with_ignored(r.integers(0, 4, size=9), -100, r)
    return _nll(r.normal(size=(9, 4)), t, torch)


def b_nll_ignore_custom(r: np.random.Generator, torch: Any) -> LossCase:
    return _nll(r.normal(size=(6, 3)), np.array([0, 2, 2, 1, 2, 0]), torch, ignore_index=2)


def b_bce(r: np.random.Generator, torch: Any) -> LossCase:
    y = 1.0 / (1.0 + np.exp(-r.normal(size=(4, 3))))
    d = r.uniform(size=(4, 3))
    d[0] = [0.0, 1.0, 1.0]
    return LossCase(
        y,
        lambda u, red: F.binary_cross_entropy(u, d, red),
        lambda u, red: torch.nn.functional.binary_cross_entropy(u, tt(torch, d), reduction=red),
    )


def b_bce_saturated(r: np.random.Generator, torch: Any) -> LossCase:
    """Probabilities exactly 0 and 1, with matching, opposite and soft targets.

    The gradient there is (y - d) / 1e-12; PyTorch's clamp constant is 1e-12 rounded to
    float32 (relative difference 4e-9), hence the looser gradient tolerance."""
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.3])
    d = np.array([1.0, 0.0, 0.0, 1.0, 0.4, 0.7, 0.3])
    return LossCase(
        y,
        lambda u, red: F.binary_cross_entropy(u, d, red),
        lambda u, red: torch.nn.functional.binary_cross_entropy(u, tt(torch, d), reduction=red),
        grad_rtol=1e-8,
    )


def b_bce_logits(r: np.random.Generator, torch: Any) -> LossCase:
    d = r.uniform(size=(4, 3))
    do, dt = pair(torch, d)
    return LossCase(
        r.normal(size=(4, 3)) * 4,
        lambda u, red: F.binary_cross_entropy_with_logits(u, do, red),
        lambda u, red: torch.nn.functional.binary_cross_entropy_with_logits(u, dt, reduction=red),
        [(do, dt)],
    )


def b_bce_logits_hard(r: np.random.Generator, torch: Any) -> LossCase:
    d = r.integers(0, 2, size=(8,)).astype(F64)
    return LossCase(
        r.normal(size=(8,)) * 4,
        lambda u, red: F.binary_cross_entropy_with_logits(u, d, red),
        lambda u, red: torch.nn.functional.binary_cross_entropy_with_logits(
            u, tt(torch, d), reduction=red
        ),
    )


BUILDERS = [
    b_mse,
    b_mse_tensor_target,
    b_l1,
    b_l1_tensor_target,
    b_ce_int_numpy,
    b_ce_int32_numpy,
    b_ce_int_tensor,
    b_ce_prob_tensor,
    b_ce_onehot_numpy,
    b_ce_ncd,
    b_ce_ncd1d2,
    b_ce_ncd_prob,
    b_ce_unbatched,
    b_ce_ignore_default,
    b_ce_ignore_custom,
    b_ce_ignore_ncd,
    b_nll,
    b_nll_raw,
    b_nll_ncd,
    b_nll_ignore,
    b_nll_ignore_custom,
    pytest.param(b_nll_ncd1d2, id="nll_ncd1d2"),
    b_bce,
    b_bce_saturated,
    b_bce_logits,
    b_bce_logits_hard,
]


def _id(b: Any) -> str:
    return b.__name__.removeprefix("b_") if callable(b) else str(b)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("build", BUILDERS, ids=_id)
def test_loss_matches_torch(build: Callable, reduction: str, torch: Any) -> None:
    c = build(np.random.default_rng(0), torch)
    x, tx = pair(torch, c.x)
    out, tout = c.ours(x, reduction), c.theirs(tx, reduction)
    assert out.shape == tuple(tout.shape)
    assert out.dtype == F64
    assert np.all(np.isfinite(out.data))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=out.shape)
    (out * w).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(
        x.grad.data, tx.grad.numpy(), rtol=c.grad_rtol, atol=ATOL, err_msg="input gradient"
    )
    for i, (ours_t, torch_t) in enumerate(c.extra):
        assert ours_t.grad is not None, f"extra input {i} received no gradient"
        np.testing.assert_allclose(
            ours_t.grad.data,
            torch_t.grad.numpy(),
            rtol=RTOL,
            atol=ATOL,
            err_msg=f"gradient of extra input {i}",
        )


def test_bce_target_gradient_matches_torch(torch: Any) -> None:
    r = np.random.default_rng(0)
    y, d = r.uniform(0.1, 0.9, size=5), r.uniform(size=5)
    do, dt = pair(torch, d)
    F.binary_cross_entropy(Tensor(y), do).backward()
    torch.nn.functional.binary_cross_entropy(tt(torch, y), dt).backward()
    assert do.grad is not None
    np.testing.assert_allclose(do.grad.data, dt.grad.numpy(), rtol=RTOL)


def test_loss_float32_stays_float32() -> None:
    r = np.random.default_rng(0)
    x = Tensor(r.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    for loss in (
        F.mse_loss(x, r.normal(size=(4, 3))),
        F.l1_loss(x, r.normal(size=(4, 3))),
        F.cross_entropy(x, np.array([0, 1, 2, 0])),
        F.nll_loss(x, np.array([0, 1, 2, 0])),
        F.binary_cross_entropy_with_logits(x, r.uniform(size=(4, 3))),
        F.sum_squared_error(x, r.normal(size=(4, 3))),
    ):
        assert loss.dtype == np.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == np.float32


# ----------------------------------------------------------------------------- textbook deltas
def test_sum_squared_error_value_and_exact_delta() -> None:
    r = np.random.default_rng(0)
    y, d = r.normal(size=(5, 3)), r.normal(size=(5, 3))
    yt = Tensor(y, requires_grad=True)
    e = F.sum_squared_error(yt, d)
    assert e.shape == ()
    assert e.item() == pytest.approx(0.5 * ((y - d) ** 2).sum(), rel=1e-14)
    e.backward()
    np.testing.assert_array_equal(yt.grad.data, y - d)


def test_sum_squared_error_tensor_target_and_torch(torch: Any) -> None:
    r = np.random.default_rng(1)
    y, d = r.normal(size=(4,)), r.normal(size=(4,))
    yt, dt = Tensor(y, requires_grad=True), Tensor(d, requires_grad=True)
    F.sum_squared_error(yt, dt).backward()
    np.testing.assert_array_equal(dt.grad.data, d - y)
    ty = tt(torch, y, grad=True)
    tl = 0.5 * ((ty - tt(torch, d)) ** 2).sum()
    tl.backward()
    assert F.sum_squared_error(Tensor(y), d).item() == pytest.approx(tl.item(), rel=1e-14)
    np.testing.assert_allclose(yt.grad.data, ty.grad.numpy(), rtol=1e-14)


def softmax_np(u: np.ndarray, axis: int = 1) -> np.ndarray:
    return F.softmax(Tensor(u), dim=axis).data


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_cross_entropy_delta_is_softmax_minus_onehot(reduction: str) -> None:
    r = np.random.default_rng(0)
    u, t = r.normal(size=(6, 5)) * 3, r.integers(0, 5, size=6)
    ut = Tensor(u, requires_grad=True)
    F.cross_entropy(ut, t, reduction=reduction).backward()
    delta = softmax_np(u) - np.eye(5)[t]
    if reduction == "sum":
        np.testing.assert_array_equal(ut.grad.data, delta)
    else:
        np.testing.assert_allclose(ut.grad.data, delta / 6, rtol=1e-15, atol=1e-17)
    # the textbook's closed form, independent of our softmax
    e = np.exp(u - u.max(axis=1, keepdims=True))
    closed = e / e.sum(axis=1, keepdims=True) - np.eye(5)[t]
    scale = 1.0 if reduction == "sum" else 1 / 6
    np.testing.assert_allclose(ut.grad.data, closed * scale, rtol=1e-13, atol=1e-16)


def test_cross_entropy_delta_with_probability_targets() -> None:
    r = np.random.default_rng(1)
    u, p = r.normal(size=(4, 3)), soft_targets(r, (4, 3))
    ut = Tensor(u, requires_grad=True)
    F.cross_entropy(ut, p, reduction="sum").backward()
    np.testing.assert_array_equal(ut.grad.data, softmax_np(u) - p)
    # E is -sum t log y: the loss value
    logy = u - np.log(np.exp(u).sum(axis=1, keepdims=True))
    assert F.cross_entropy(Tensor(u), p, reduction="sum").item() == pytest.approx(
        -(p * logy).sum(), rel=1e-13
    )


def test_bce_with_logits_delta_is_sigmoid_minus_target() -> None:
    r = np.random.default_rng(2)
    u, d = r.normal(size=(7,)) * 3, r.integers(0, 2, size=7).astype(F64)
    ut = Tensor(u, requires_grad=True)
    F.binary_cross_entropy_with_logits(ut, d, reduction="sum").backward()
    np.testing.assert_allclose(ut.grad.data, 1 / (1 + np.exp(-u)) - d, rtol=1e-14, atol=1e-16)


def test_three_textbook_pairings_give_y_minus_d() -> None:
    """Identity + SSE, sigmoid + BCE and softmax + CE all have output delta y - d
    (differentiating through the separate activation and loss, not the fused op)."""
    r = np.random.default_rng(3)
    u = r.normal(size=(4, 3))
    d_reg = r.normal(size=(4, 3))
    ut = Tensor(u, requires_grad=True)
    F.sum_squared_error(ut, d_reg).backward()
    np.testing.assert_allclose(ut.grad.data, u - d_reg, rtol=1e-14)

    d_bin = r.integers(0, 2, size=(4, 3)).astype(F64)
    ut = Tensor(u, requires_grad=True)
    y = ut.sigmoid()
    F.binary_cross_entropy(y, d_bin, reduction="sum").backward()
    np.testing.assert_allclose(ut.grad.data, y.data - d_bin, rtol=1e-10, atol=1e-14)

    t = r.integers(0, 3, size=4)
    ut = Tensor(u, requires_grad=True)
    logy = F.log_softmax(ut, dim=1)
    F.nll_loss(logy, t, reduction="sum").backward()
    np.testing.assert_allclose(
        ut.grad.data, np.exp(logy.data) - np.eye(3)[t], rtol=1e-12, atol=1e-15
    )


def test_bce_at_exact_zero_and_one_is_finite_with_nonzero_gradient() -> None:
    y = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    d = np.array([1.0, 0.0])  # maximally wrong
    loss = F.binary_cross_entropy(y, d, reduction="none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0])  # log clamped at -100
    loss.sum().backward()
    g = y.grad.data
    assert np.all(np.isfinite(g)) and np.all(g != 0)
    assert g[0] < 0 < g[1]  # pushes y towards the target


# ----------------------------------------------------------------------------- stability
STRICT_FP = {"over": "raise", "invalid": "raise", "divide": "raise"}


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_huge_logits(reduction: str, torch: Any) -> None:
    u = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [1000.0, 1000.0, -1000.0]])
    t = np.array([1, 2, 0])
    ut = Tensor(u, requires_grad=True)
    with np.errstate(**STRICT_FP):
        loss = F.cross_entropy(ut, t, reduction=reduction)
        (loss * np.ones(loss.shape)).sum().backward()
    expected = np.array([2000.0, 1.0 + np.log1p(np.exp(-1.0)), np.log(2.0)])
    tu = tt(torch, u, grad=True)
    tl = torch.nn.functional.cross_entropy(tu, tt(torch, t), reduction=reduction)
    tl.sum().backward()
    np.testing.assert_allclose(loss.data, tl.detach().numpy(), rtol=1e-12)
    ref = {"none": expected, "sum": expected.sum(), "mean": expected.mean()}[reduction]
    np.testing.assert_allclose(loss.data, ref, rtol=1e-12)
    assert np.all(np.isfinite(ut.grad.data))
    np.testing.assert_allclose(ut.grad.data, tu.grad.numpy(), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_huge_logits(reduction: str, torch: Any) -> None:
    u = np.array([1000.0, -1000.0, 1000.0, -1000.0, 800.0])
    d = np.array([0.0, 1.0, 1.0, 0.0, 0.25])
    ut = Tensor(u, requires_grad=True)
    with np.errstate(**STRICT_FP):
        loss = F.binary_cross_entropy_with_logits(ut, d, reduction=reduction)
        (loss * np.ones(loss.shape)).sum().backward()
    closed = np.maximum(u, 0) - u * d  # log1p(exp(-|u|)) underflows to 0 here
    ref = {"none": closed, "sum": closed.sum(), "mean": closed.mean()}[reduction]
    np.testing.assert_allclose(loss.data, ref, rtol=1e-14)
    tu = tt(torch, u, grad=True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(tu, tt(torch, d), reduction=reduction)
    tl.sum().backward()
    np.testing.assert_allclose(loss.data, tl.detach().numpy(), rtol=1e-12)
    scale = 1 / 5 if reduction == "mean" else 1.0
    np.testing.assert_allclose(ut.grad.data, (np.array([1.0, 0, 1, 0, 1]) - d) * scale, rtol=1e-14)
    np.testing.assert_allclose(ut.grad.data, tu.grad.numpy(), rtol=1e-12)


def test_log_softmax_nll_huge_logits_finite() -> None:
    u = Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), requires_grad=True)
    with np.errstate(**STRICT_FP):
        loss = F.nll_loss(F.log_softmax(u, dim=1), np.array([1, 1]), reduction="sum")
        loss.backward()
    assert loss.item() == pytest.approx(2000.0)
    np.testing.assert_allclose(u.grad.data, [[1.0, -1.0], [0.0, 0.0]], atol=1e-300)


# ----------------------------------------------------------------------------- higher order
@pytest.mark.parametrize(
    "fn",
    [
        lambda u: F.cross_entropy(u, np.array([0, 2, 1])),
        lambda u: F.cross_entropy(u, soft_targets(np.random.default_rng(5), (3, 3))),
        lambda u: F.binary_cross_entropy_with_logits(u, np.full((3, 3), 0.3)),
        lambda u: F.mse_loss(u, np.ones((3, 3))),
        lambda u: F.nll_loss(F.log_softmax(u, dim=1), np.array([0, 2, 1]), reduction="sum"),
        lambda u: F.binary_cross_entropy(u.sigmoid(), np.full((3, 3), 0.3)),
    ],
    ids=["ce", "ce-prob", "bce-logits", "mse", "nll", "bce"],
)
def test_loss_gradcheck_and_gradgradcheck(fn: Callable) -> None:
    u = Tensor(np.random.default_rng(0).normal(size=(3, 3)), requires_grad=True)
    assert ag.gradcheck(fn, u)
    assert ag.gradgradcheck(fn, u)


# ----------------------------------------------------------------------------- errors
LOSSES_WITH_REDUCTION = [
    (F.mse_loss, lambda: np.zeros((2, 3))),
    (F.l1_loss, lambda: np.zeros((2, 3))),
    (F.cross_entropy, lambda: np.array([0, 1])),
    (F.nll_loss, lambda: np.array([0, 1])),
    (F.binary_cross_entropy, lambda: np.zeros((2, 3))),
    (F.binary_cross_entropy_with_logits, lambda: np.zeros((2, 3))),
]


@pytest.mark.parametrize(
    ("loss", "target"), LOSSES_WITH_REDUCTION, ids=lambda v: getattr(v, "__name__", "")
)
@pytest.mark.parametrize("reduction", ["avg", "MEAN", None])
def test_bad_reduction_raises(loss: Callable, target: Callable, reduction: Any) -> None:
    x = Tensor(np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="reduction"):
        loss(x, target(), reduction=reduction)


@pytest.mark.parametrize(
    "loss",
    [
        F.mse_loss,
        F.l1_loss,
        F.binary_cross_entropy,
        F.binary_cross_entropy_with_logits,
        F.sum_squared_error,
    ],
)
@pytest.mark.parametrize("target_shape", [(3,), (3, 1), (2, 3), (1, 3)])
def test_shape_mismatch_names_both_shapes(loss: Callable, target_shape: tuple) -> None:
    x = Tensor(np.full((3, 2), 0.5))
    with pytest.raises(ValueError) as info:
        loss(x, np.full(target_shape, 0.5))
    msg = str(info.value)
    assert "(3, 2)" in msg and str(target_shape) in msg, msg


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize("bad", [3, 7, -1, -5])
def test_class_index_out_of_range(loss: Callable, bad: int) -> None:
    x = Tensor(np.zeros((4, 3)))
    with pytest.raises(ValueError) as info:
        loss(x, np.array([0, bad, 1, 2]))
    msg = str(info.value)
    assert str(bad) in msg and "3 classes" in msg, msg


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_class_index_shape_mismatch(loss: Callable) -> None:
    with pytest.raises(ValueError, match=r"\(4,\)|\(5,\)"):
        loss(Tensor(np.zeros((4, 3))), np.zeros(5, dtype=np.int64))
    with pytest.raises(ValueError):
        loss(Tensor(np.zeros((2, 3, 4))), np.zeros((2, 5), dtype=np.int64))


def test_nll_float_class_targets_raise_typeerror() -> None:
    with pytest.raises(TypeError, match="int"):
        F.nll_loss(Tensor(np.zeros((3, 4))), np.array([0.0, 1.0, 2.0]))


@pytest.mark.parametrize(
    "target",
    [np.array([0.0, 1.0, 2.0]), Tensor(np.array([0.0, 1.0, 2.0]))],
    ids=["numpy", "tensor"],
)
def test_cross_entropy_float_class_targets_raise_typeerror(target: Any) -> None:
    with pytest.raises(TypeError):
        F.cross_entropy(Tensor(np.zeros((3, 4))), target)


def test_cross_entropy_probability_target_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        F.cross_entropy(Tensor(np.zeros((3, 4))), np.full((3, 5), 0.2))


def test_bce_rejects_values_outside_unit_interval() -> None:
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            F.binary_cross_entropy(Tensor(np.array([0.5, bad])), np.array([0.0, 1.0]))


def test_non_numeric_target_raises_typeerror() -> None:
    with pytest.raises(TypeError):
        F.mse_loss(Tensor(np.zeros(2)), np.array(["a", "b"]))
