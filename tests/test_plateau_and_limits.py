"""Scheduler and clipping arguments are checked, ``ReduceLROnPlateau`` follows PyTorch
step by step, and ``nn.utils`` holds the clipping functions as ``torch.nn.utils`` does."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.optim import SGD, Adam, clip_grad_norm_, clip_grad_value_
from nn.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearDecay,
    ReduceLROnPlateau,
    StepLR,
)

LRS = (0.1, 0.03)


def make_optimizer(lrs: tuple[float, ...] = LRS) -> SGD:
    groups = [{"params": [Tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return SGD(groups, lr=lrs[0])


def lrs(opt: Any) -> list[float]:
    return [g["lr"] for g in opt.param_groups]


# ----------------------------------------------------------------------------- limits
NAN, INF = math.nan, math.inf
BAD_SCHEDULERS: list[tuple[str, Callable[[Any], Any], str]] = [
    ("steplr-gamma-neg", lambda o: StepLR(o, 2, gamma=-0.5), r"StepLR: gamma=-0\.5.*>= 0"),
    ("steplr-gamma-nan", lambda o: StepLR(o, 2, gamma=NAN), r"gamma=nan.*>= 0"),
    ("steplr-gamma-inf", lambda o: StepLR(o, 2, gamma=INF), r"gamma=inf.*finite"),
    ("steplr-gamma-str", lambda o: StepLR(o, 2, gamma="0.1"), r"gamma='0\.1'.*number"),
    ("exp-gamma-neg", lambda o: ExponentialLR(o, gamma=-0.9), r"ExponentialLR: gamma=-0\.9"),
    ("exp-gamma-nan", lambda o: ExponentialLR(o, gamma=NAN), r"gamma=nan"),
    (
        "cos-eta-neg",
        lambda o: CosineAnnealingLR(o, 10, eta_min=-0.01),
        r"CosineAnnealingLR: eta_min=-0\.01.*>= 0",
    ),
    ("cos-eta-nan", lambda o: CosineAnnealingLR(o, 10, eta_min=NAN), r"eta_min=nan"),
    ("linear-end-inf", lambda o: LinearDecay(o, end_lr=INF, total_steps=3), "end_lr"),
    ("last-epoch", lambda o: StepLR(o, 2, last_epoch=-2), r"last_epoch=-2.*>= -1"),
    (
        "plateau-factor-1",
        lambda o: ReduceLROnPlateau(o, factor=1.0),
        r"ReduceLROnPlateau: factor=1\.0.*\[0, 1\)",
    ),
    ("plateau-factor-neg", lambda o: ReduceLROnPlateau(o, factor=-0.1), r"factor=-0\.1"),
    ("plateau-factor-nan", lambda o: ReduceLROnPlateau(o, factor=NAN), r"factor=nan"),
    (
        "plateau-mode",
        lambda o: ReduceLROnPlateau(o, mode="minimum"),
        r"mode='minimum'.*'min' or 'max'",
    ),
    (
        "plateau-threshold-mode",
        lambda o: ReduceLROnPlateau(o, threshold_mode="relative"),
        r"threshold_mode='relative'.*'rel' or 'abs'",
    ),
    ("plateau-patience", lambda o: ReduceLROnPlateau(o, patience=-1), r"patience=-1.*>= 0"),
    ("plateau-patience-float", lambda o: ReduceLROnPlateau(o, patience=2.5), r"patience=2\.5"),
    ("plateau-cooldown", lambda o: ReduceLROnPlateau(o, cooldown=-3), r"cooldown=-3"),
    ("plateau-threshold", lambda o: ReduceLROnPlateau(o, threshold=NAN), r"threshold=nan"),
    ("plateau-min-lr", lambda o: ReduceLROnPlateau(o, min_lr=-1e-3), r"min_lr=-0\.001"),
    (
        "plateau-min-lr-list",
        lambda o: ReduceLROnPlateau(o, min_lr=[0.0, -1.0]),
        r"min_lr\[1\]=-1\.0",
    ),
    (
        "plateau-min-lr-count",
        lambda o: ReduceLROnPlateau(o, min_lr=[0.0]),
        r"expected 2 min_lrs, got 1",
    ),
    ("plateau-eps", lambda o: ReduceLROnPlateau(o, eps=-1.0), r"eps=-1\.0"),
]


@pytest.mark.parametrize(
    "make, pattern", [c[1:] for c in BAD_SCHEDULERS], ids=[c[0] for c in BAD_SCHEDULERS]
)
def test_scheduler_arguments_are_checked(make: Callable[[Any], Any], pattern: str) -> None:
    opt = make_optimizer()
    with pytest.raises(ValueError, match=pattern):
        make(opt)
    assert lrs(opt) == list(LRS)
    assert all("initial_lr" not in g for g in opt.param_groups)


def test_step_epoch_argument_is_checked() -> None:
    opt = make_optimizer()
    sched = StepLR(opt, 2)
    before = sched.state_dict()
    for bad in (-1, 2.5, "3"):
        with pytest.raises(ValueError, match=r"epoch=.*int >= 0"):
            sched.step(bad)
    assert sched.state_dict() == before and lrs(opt) == list(LRS)


def test_no_schedule_can_make_the_rate_negative() -> None:
    # the issue: gamma < 0 gave lr < 0 (gradient ascent) although SGD refuses lr < 0
    opt = make_optimizer()
    with pytest.raises(ValueError):
        ExponentialLR(opt, gamma=-1.0)
    # and a rate set negative by hand is refused by the optimizer at the next step
    opt.param_groups[0]["lr"] = -0.1
    opt.param_groups[0]["params"][0].grad = Tensor(np.ones(2))
    with pytest.raises(ValueError, match="lr=-0.1"):
        opt.step()


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda ps: clip_grad_norm_(ps, max_norm=-1.0), r"max_norm=-1\.0.*>= 0"),
        (lambda ps: clip_grad_norm_(ps, max_norm=NAN), r"max_norm=nan"),
        (lambda ps: clip_grad_norm_(ps, max_norm="1"), r"max_norm='1'.*number"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=0), r"norm_type=0.*> 0"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=NAN), r"norm_type=nan"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=-2.0), r"norm_type=-2\.0"),
        (lambda ps: clip_grad_value_(ps, -0.5), r"clip_value=-0\.5.*>= 0"),
        (lambda ps: clip_grad_value_(ps, NAN), r"clip_value=nan"),
        (lambda ps: clip_grad_value_(ps, None), r"clip_value=None.*number"),
    ],
    ids=[
        "norm-neg",
        "norm-nan",
        "norm-str",
        "type-0",
        "type-nan",
        "type-neg",
        "value-neg",
        "value-nan",
        "value-none",
    ],
)
def test_clip_arguments_are_checked_and_gradients_untouched(
    call: Callable[[Any], Any], pattern: str
) -> None:
    ps = [Tensor(np.ones(3), requires_grad=True), Tensor(np.ones((2, 2)), requires_grad=True)]
    for p in ps:
        p.grad = Tensor(np.full(p.shape, 3.0))
    with pytest.raises(ValueError, match=pattern):
        call(ps)
    for p in ps:
        np.testing.assert_array_equal(p.grad.data, np.full(p.shape, 3.0))


def test_negative_max_norm_no_longer_flips_the_gradient() -> None:
    p = Tensor(np.ones(2), requires_grad=True)
    p.grad = Tensor(np.array([3.0, 4.0]))
    with pytest.raises(ValueError):
        clip_grad_norm_([p], max_norm=-1)
    np.testing.assert_array_equal(p.grad.data, [3.0, 4.0])
    assert clip_grad_norm_([p], max_norm=math.inf) == 5.0  # inf: measure, never clip
    np.testing.assert_array_equal(p.grad.data, [3.0, 4.0])
    clip_grad_norm_([p], max_norm=0.0)  # 0 is allowed, as in PyTorch: zero gradient
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])


# ----------------------------------------------------------------------------- plateau
METRICS = [
    1.0,
    0.9,
    0.9,
    0.95,
    0.9,
    0.8999,
    0.7,
    0.7,
    0.71,
    0.72,
    0.73,
    0.74,
    0.6,
    0.61,
    0.62,
    0.63,
    0.64,
    0.65,
    0.66,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
]
PLATEAU_CASES: list[dict[str, Any]] = [
    dict(),
    dict(patience=0),
    dict(patience=2, cooldown=2, factor=0.5),
    dict(patience=1, threshold=0.05, threshold_mode="abs"),
    dict(patience=1, threshold=0.01, threshold_mode="rel", min_lr=0.02),
    dict(patience=1, factor=0.5, min_lr=[0.05, 0.001]),
    dict(patience=0, factor=0.9, eps=0.005),
    dict(mode="max", patience=1, factor=0.5),
    dict(mode="max", patience=1, threshold_mode="abs", threshold=0.02, cooldown=1),
]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(k) for k in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch_step_by_step(kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    groups = [{"params": [torch.ones(2, requires_grad=True)], "lr": lr} for lr in LRS]
    t_opt = torch.optim.SGD(groups, lr=LRS[0])
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    opt = make_optimizer()
    ours = ReduceLROnPlateau(opt, **kwargs)
    assert ours.get_last_lr() == theirs.get_last_lr()
    for metric in METRICS:
        theirs.step(metric)
        ours.step(Tensor(np.array(metric)) if metric == 0.5 else metric)  # Tensors too
        assert lrs(opt) == [g["lr"] for g in t_opt.param_groups]
        assert ours.get_last_lr() == theirs.get_last_lr()
        for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
            assert getattr(ours, key) == getattr(theirs, key), key
        assert ours.in_cooldown == theirs.in_cooldown


def test_reduce_lr_on_plateau_by_hand() -> None:
    opt = make_optimizer((1.0,))
    sched = ReduceLROnPlateau(opt, patience=1, factor=0.5, threshold=0.0)
    seen = []
    for metric in [3.0, 2.0, 2.0, 2.0, 1.0, 1.5, 1.5]:
        sched.step(metric)
        seen.append(lrs(opt)[0])
    # bad epochs: -, -, 1, 2 -> halve (counter reset), -, 1, 2 -> halve
    assert seen == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]


def test_reduce_lr_on_plateau_nan_metric_counts_as_bad_like_torch() -> None:
    opt = make_optimizer((1.0,))
    sched = ReduceLROnPlateau(opt, patience=0)
    sched.step(1.0)
    sched.step(math.nan)
    assert lrs(opt) == [0.1] and sched.best == 1.0


def test_reduce_lr_on_plateau_metric_must_be_a_number() -> None:
    opt = make_optimizer()
    sched = ReduceLROnPlateau(opt)
    before = sched.state_dict()
    with pytest.raises(TypeError, match=r"ReduceLROnPlateau.step: metrics must be a number"):
        sched.step("low")
    with pytest.raises(TypeError, match="one value"):
        sched.step(np.array([0.1, 0.2]))
    assert sched.state_dict() == before


def test_reduce_lr_on_plateau_checkpoint_resumes(tmp_path: Path) -> None:
    opt = make_optimizer()
    sched = ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5)
    for metric in METRICS[:7]:
        sched.step(metric)
    path = tmp_path / "sched.npz"
    autograd.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, path)
    rest = []
    for metric in METRICS[7:]:
        sched.step(metric)
        rest.append(lrs(opt))

    opt2 = make_optimizer()
    sched2 = ReduceLROnPlateau(opt2, patience=1, cooldown=1, factor=0.5)
    ckpt = autograd.load(path)
    opt2.load_state_dict(ckpt["opt"])
    sched2.load_state_dict(ckpt["sched"])
    again = []
    for metric in METRICS[7:]:
        sched2.step(metric)
        again.append(lrs(opt2))
    assert again == rest
    with pytest.raises(ValueError, match="keys"):
        sched2.load_state_dict({"best": 1.0})


def test_reduce_lr_on_plateau_drives_fit_style_loop() -> None:
    model = nn.Linear(2, 1, rng=0)
    opt = Adam(model.parameters(), lr=0.1)
    sched = ReduceLROnPlateau(opt, patience=0, factor=0.5)
    for _ in range(3):
        sched.step(1.0)  # never improves
    assert lrs(opt) == [0.1 * 0.5 * 0.5]


def test_fit_steps_reduce_lr_on_plateau_with_the_validation_loss() -> None:
    from nn.data import DataLoader, TensorDataset
    from nn.datasets import make_moons
    from nn.functional import cross_entropy
    from nn.train import fit

    X, y = make_moons(64, noise=0.1, random_state=0)
    train = DataLoader(TensorDataset(X[:32], y[:32]), batch_size=16)
    val = DataLoader(TensorDataset(X[32:], y[32:]), batch_size=32)
    model = nn.MLP([2, 8, 2], rng=0)
    opt = Adam(model.parameters(), lr=1e-3)
    # threshold 0.5 (rel): only halving the loss counts as progress, so after the first
    # epoch every epoch is bad and, with patience 0, halves the rate
    sched = ReduceLROnPlateau(opt, patience=0, factor=0.5, threshold=0.5)
    h = fit(model, cross_entropy, opt, train, val, epochs=3, scheduler=sched, progress=False)
    assert h.lr == [1e-3, 1e-3, 5e-4]
    assert lrs(opt) == [2.5e-4]
    assert sched.best == h.val_loss[0] and sched.last_epoch == 3


# ----------------------------------------------------------------------------- nn.utils
def test_nn_utils_has_torchs_clipping_functions() -> None:
    from nn.utils import clip_grad_norm_ as a
    from nn.utils import clip_grad_value_ as b

    assert a is clip_grad_norm_ and b is clip_grad_value_
    assert nn.utils.clip_grad_norm_ is clip_grad_norm_  # attribute access after `import nn`
    assert nn.utils.clip_grad_value_ is clip_grad_value_
    p = Tensor(np.ones(2), requires_grad=True)
    p.grad = Tensor(np.array([3.0, 4.0]))
    assert nn.utils.clip_grad_norm_([p], 1.0) == 5.0
    np.testing.assert_allclose(p.grad.data, [0.6, 0.8], rtol=1e-6)
