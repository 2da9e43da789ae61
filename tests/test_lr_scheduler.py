"""``nn.optim.lr_scheduler``: learning-rate schedules, against PyTorch and the textbook."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adam
from nn.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearDecay,
    LRScheduler,
    StepLR,
)

LRS = (0.1, 0.03)  # two parameter groups with different starting rates
STEPS = 20


def make_optimizer(cls: type = SGD, lrs: tuple[float, ...] = LRS) -> Any:
    groups = [{"params": [Tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return cls(groups, lr=lrs[0])


def lr_sequence(sched: Any, opt: Any, steps: int = STEPS) -> list[list[float]]:
    """The group rates right after construction and after each of ``steps`` steps."""
    seq = [list(sched.get_last_lr())]
    for _ in range(steps):
        opt.step()
        sched.step()
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        seq.append(list(sched.get_last_lr()))
    return seq


def torch_sequence(name: str, kwargs: dict, steps: int = STEPS) -> list[list[float]]:
    torch = pytest.importorskip("torch")
    groups = [{"params": [torch.ones(2, requires_grad=True)], "lr": lr} for lr in LRS]
    opt = torch.optim.SGD(groups, lr=LRS[0])
    sched = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    return lr_sequence(sched, opt, steps)


TORCH_CASES: list[tuple[str, type, dict]] = [
    ("StepLR", StepLR, dict(step_size=3)),
    ("StepLR", StepLR, dict(step_size=4, gamma=0.5)),
    ("ExponentialLR", ExponentialLR, dict(gamma=0.9)),
    ("CosineAnnealingLR", CosineAnnealingLR, dict(T_max=10)),
    ("CosineAnnealingLR", CosineAnnealingLR, dict(T_max=7, eta_min=0.01)),  # past T_max
]


@pytest.mark.parametrize(
    "name, cls, kwargs", TORCH_CASES, ids=[f"{c[0]}-{c[2]}" for c in TORCH_CASES]
)
def test_matches_torch_for_20_steps(name: str, cls: type, kwargs: dict) -> None:
    opt = make_optimizer()
    ours = lr_sequence(cls(opt, **kwargs), opt)
    theirs = torch_sequence(name, kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


def test_cosine_resumed_mid_schedule_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    opt = make_optimizer()
    groups = [{"params": [torch.ones(2, requires_grad=True)], "lr": lr} for lr in LRS]
    topt = torch.optim.SGD(groups, lr=LRS[0])
    for o in (opt, topt):
        for g, lr in zip(o.param_groups, (0.2, 0.05)):
            g["initial_lr"] = lr
    ours = CosineAnnealingLR(opt, T_max=8, eta_min=0.001, last_epoch=4)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=8, eta_min=0.001, last_epoch=4)
    assert ours.base_lrs == [0.2, 0.05]
    np.testing.assert_allclose(
        lr_sequence(ours, opt, 12), lr_sequence(theirs, topt, 12), rtol=1e-13
    )


def textbook_linear(eta0: float, eta_T: float, T: int, t: int) -> float:
    """η_t = (1 − t/T) η₀ + (t/T) η_T until step T, then η_T."""
    if t >= T:
        return eta_T
    return (1 - t / T) * eta0 + (t / T) * eta_T


def test_linear_decay_is_the_textbook_formula() -> None:
    T, end = 10, 0.001
    opt = make_optimizer()
    seq = lr_sequence(LinearDecay(opt, end_lr=end, total_steps=T), opt)
    for t, lrs in enumerate(seq):
        for eta0, lr in zip(LRS, lrs):
            assert lr == pytest.approx(textbook_linear(eta0, end, T, t), rel=1e-15, abs=1e-18)
    assert seq[T] == pytest.approx([end, end], rel=1e-15)
    assert all(lrs == seq[T] for lrs in seq[T:])  # constant after T


def test_linear_decay_per_group_end_and_used_by_the_optimizer() -> None:
    """Stepped once per epoch, the rate the optimizer applies follows the schedule."""
    w = Tensor(np.zeros(1), requires_grad=True)
    opt = SGD([w], lr=0.5)
    sched = LinearDecay(opt, end_lr=[0.1], total_steps=4)
    for epoch in range(7):
        expected_lr = textbook_linear(0.5, 0.1, 4, epoch)
        before = w.data.copy()
        w.grad = Tensor(np.ones(1))
        opt.step()
        np.testing.assert_allclose(before - w.data, [expected_lr], rtol=1e-14)
        sched.step()


def test_linear_decay_equals_torch_linear_lr() -> None:
    torch = pytest.importorskip("torch")
    T, end = 12, 0.002
    opt = make_optimizer(lrs=(0.1,))
    ours = lr_sequence(LinearDecay(opt, end_lr=end, total_steps=T), opt)
    topt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1)
    tsched = torch.optim.lr_scheduler.LinearLR(
        topt, start_factor=1.0, end_factor=end / 0.1, total_iters=T
    )
    np.testing.assert_allclose(ours, lr_sequence(tsched, topt), rtol=1e-12)


def _name(x: Any) -> str:
    return getattr(x, "__name__", "")


CLOSED_FORM_CASES: list[tuple[type, dict]] = [
    (StepLR, dict(step_size=3, gamma=0.5)),
    (ExponentialLR, dict(gamma=0.8)),
    (CosineAnnealingLR, dict(T_max=6, eta_min=0.002)),
    (LinearDecay, dict(end_lr=0.001, total_steps=5)),
]


@pytest.mark.parametrize("cls, kwargs", CLOSED_FORM_CASES, ids=_name)
def test_chainable_equals_closed_form(cls: type, kwargs: dict) -> None:
    opt = make_optimizer()
    chained = lr_sequence(cls(opt, **kwargs), opt)
    opt2 = make_optimizer()
    jumper = cls(opt2, **kwargs)
    for t in range(STEPS + 1):
        jumper.step(t)  # step(epoch) uses the closed form
        np.testing.assert_allclose(jumper.get_last_lr(), chained[t], rtol=1e-12)


def test_closed_forms_by_hand() -> None:
    opt = make_optimizer(lrs=(1.0,))
    step = StepLR(opt, step_size=3, gamma=0.5)
    seq = [lrs[0] for lrs in lr_sequence(step, opt, 9)]
    assert seq == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    opt = make_optimizer(lrs=(1.0,))
    cos = CosineAnnealingLR(opt, T_max=4)
    seq = [lrs[0] for lrs in lr_sequence(cos, opt, 4)]
    expected = [(1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    np.testing.assert_allclose(seq, expected, rtol=1e-14, atol=1e-16)


def test_base_lrs_initial_lr_and_last_epoch() -> None:
    opt = make_optimizer()
    sched = ExponentialLR(opt, gamma=0.5)
    assert sched.last_epoch == 0 and sched.base_lrs == list(LRS)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)
    assert sched.get_last_lr() == list(LRS)
    sched.step()
    sched.step()
    assert sched.last_epoch == 2
    assert sched.get_last_lr() == pytest.approx([lr * 0.25 for lr in LRS])
    assert isinstance(sched, LRScheduler)


def test_works_with_any_optimizer() -> None:
    opt = make_optimizer(Adam)
    sched = StepLR(opt, step_size=1, gamma=0.1)
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(LRS[0] * 0.1)


def _make(cls: type, kwargs: dict) -> tuple[Any, Any]:
    opt = make_optimizer()
    return opt, cls(opt, **kwargs)


@pytest.mark.parametrize("cls, kwargs", CLOSED_FORM_CASES, ids=_name)
def test_state_dict_round_trip(cls: type, kwargs: dict) -> None:
    opt, sched = _make(cls, kwargs)
    for _ in range(5):
        opt.step()
        sched.step()
    saved_sched, saved_opt = sched.state_dict(), opt.state_dict()
    reference = lr_sequence(sched, opt, 8)

    # PyTorch's order: build the scheduler first (it sets the rates), then load both
    opt2 = make_optimizer()
    sched2 = cls(opt2, **kwargs)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    for g, lr in zip(opt2.param_groups, reference[0]):
        assert g["lr"] == lr
    assert lr_sequence(sched2, opt2, 8) == reference


@pytest.mark.parametrize(
    "make, error, pattern",
    [
        (lambda opt: StepLR(object(), step_size=2), TypeError, "expected an Optimizer"),
        (lambda opt: StepLR(opt, step_size=0), ValueError, "step_size"),
        (lambda opt: CosineAnnealingLR(opt, T_max=0), ValueError, "T_max"),
        (lambda opt: LinearDecay(opt, end_lr=0.1, total_steps=0), ValueError, "total_steps"),
        (lambda opt: LinearDecay(opt, end_lr=[0.1], total_steps=3), ValueError, "end_lr"),
        (lambda opt: LinearDecay(opt, end_lr=-1.0, total_steps=3), ValueError, "end_lr"),
        (lambda opt: ExponentialLR(opt, gamma=0.9, last_epoch=3), ValueError, "initial_lr"),
    ],
    ids=[
        "not-optimizer",
        "step_size",
        "T_max",
        "total_steps",
        "end_lr-count",
        "end_lr-neg",
        "resume-without-initial_lr",
    ],
)
def test_errors(make: Callable[[Any], Any], error: type, pattern: str) -> None:
    opt = make_optimizer()
    with pytest.raises(error, match=pattern):
        make(opt)
    assert [g["lr"] for g in opt.param_groups] == list(LRS)


def test_bad_scheduler_state_dict() -> None:
    opt = make_optimizer()
    sched = StepLR(opt, step_size=2)
    before = sched.state_dict()
    with pytest.raises(ValueError, match="expected the keys"):
        sched.load_state_dict({"last_epoch": 3})
    bad = dict(before, base_lrs=[0.1])
    with pytest.raises(ValueError, match="parameter group"):
        sched.load_state_dict(bad)
    assert sched.state_dict() == before
