"""Optimizer steps are all-or-nothing.

A step that fails (a gradient of the wrong shape, a read-only parameter) changes no
parameter and no state entry; a Ctrl-C (SIGINT) that arrives while parameters are being
written is held back until every parameter and state entry has its new value, so the
model is always after a whole number of steps.
"""

from __future__ import annotations

import copy
import signal
import threading
from typing import Any

import numpy as np
import pytest
from ctrl_c import CtrlCOnWrite

from autograd import Tensor
from nn.optim import SGD, AdaDelta, AdaGrad, Adam, AdamW, RMSProp

CASES: list[tuple[type, dict]] = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (AdaGrad, dict(lr=0.1, lr_decay=0.01)),
    (RMSProp, dict(lr=0.01, centered=True, momentum=0.5)),
    (AdaDelta, dict(lr=1.0, weight_decay=0.1)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, dict(lr=0.05)),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(CASES)]
SHAPES = [(3, 2), (2,), (4,)]


def make_params(seed: int = 0) -> list[Tensor]:
    rng = np.random.default_rng(seed)
    return [Tensor(rng.normal(size=s), requires_grad=True) for s in SHAPES]


def set_grads(params: list[Tensor], seed: int) -> None:
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = Tensor(rng.normal(size=p.shape))


def warmed_up(cls: type, kwargs: dict) -> tuple[list[Tensor], Any]:
    """Parameters and an optimizer after two steps, so every state entry exists."""
    params = make_params()
    opt = cls(params, **kwargs)
    for seed in (1, 2):
        set_grads(params, seed)
        opt.step()
    return params, opt


def everything(params: list[Tensor], opt: Any) -> Any:
    """A deep copy of every parameter array and every state entry."""
    return copy.deepcopy(
        ([p.data for p in params], [opt.state.get(p) for p in params], opt.param_groups)
    )


def assert_same(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, Tensor):
        assert a is b  # params are kept by identity in param_groups
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


# ----------------------------------------------------------------------------- failures
@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_wrong_gradient_shape_changes_nothing(cls: type, kwargs: dict) -> None:
    params, opt = warmed_up(cls, kwargs)
    set_grads(params, 3)
    good = params[-1].grad
    params[-1].grad = Tensor(np.ones(5))  # the last one is wrong: the others come first
    before = everything(params, opt)
    with pytest.raises(ValueError, match=r"parameter 2 of group 0 .*shape \(4,\).*\(5,\)"):
        opt.step()
    after = everything(params, opt)
    assert_same(after[0], before[0])
    assert_same(after[1], before[1])
    # fixing the gradient gives exactly the step an untouched optimizer takes
    params[-1].grad = good
    opt.step()
    ref_params, ref_opt = warmed_up(cls, kwargs)
    set_grads(ref_params, 3)
    ref_opt.step()
    assert_same(everything(params, opt)[:2], everything(ref_params, ref_opt)[:2])


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_read_only_parameter_is_refused_before_anything_changes(cls: type, kwargs: dict) -> None:
    params, opt = warmed_up(cls, kwargs)
    set_grads(params, 3)
    params[-1]._data.flags.writeable = False
    before = everything(params, opt)
    with pytest.raises(ValueError, match="read-only"):
        opt.step()
    assert_same(everything(params, opt)[:2], before[:2])


def test_first_step_failure_creates_no_state() -> None:
    params = make_params()
    opt = Adam(params, lr=0.1)
    set_grads(params, 1)
    params[1].grad = Tensor(np.ones(3))
    with pytest.raises(ValueError):
        opt.step()
    assert opt.state == {}


def test_negative_lr_set_by_hand_is_refused_at_step() -> None:
    params = make_params()
    opt = SGD(params, lr=0.1)
    set_grads(params, 1)
    before = everything(params, opt)
    opt.param_groups[0]["lr"] = -0.1
    with pytest.raises(ValueError, match=r"lr=-0\.1"):
        opt.step()
    assert_same(everything(params, opt)[0], before[0])


# ----------------------------------------------------------------------------- Ctrl-C
def trap(p: Tensor) -> None:
    CtrlCOnWrite.fired = False
    p._data = p._data.view(CtrlCOnWrite)  # the array slot itself: the .data setter would copy


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_ctrl_c_during_the_update_completes_the_step(
    cls: type, kwargs: dict, sigint_raises: None
) -> None:
    params, opt = warmed_up(cls, kwargs)
    ref_params, ref_opt = warmed_up(cls, kwargs)
    set_grads(params, 3)
    set_grads(ref_params, 3)
    ref_opt.step()
    trap(params[1])  # the Ctrl-C comes while the second parameter is written
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    assert CtrlCOnWrite.fired
    # the interrupt was held back until the whole step was applied
    got, want = everything(params, opt), everything(ref_params, ref_opt)
    assert_same([np.asarray(a) for a in got[0]], want[0])
    assert_same(got[1], want[1])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_adam_step_counts_agree_after_ctrl_c(sigint_raises: None) -> None:
    params, opt = warmed_up(Adam, dict(lr=0.1))
    set_grads(params, 3)
    trap(params[0])
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    assert [opt.state[p]["step"] for p in params] == [3, 3, 3]


def test_ctrl_c_outside_a_step_is_not_delayed(sigint_raises: None) -> None:
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_reused_buffers_never_alias_the_live_state(cls: type, kwargs: dict) -> None:
    params, opt = warmed_up(cls, kwargs)
    ref_params, ref_opt = warmed_up(cls, kwargs)
    for seed in range(3, 8):
        kept = copy.deepcopy([opt.state[p] for p in params])  # the state before the step
        held = [dict(opt.state[p]) for p in params]  # the live arrays themselves
        set_grads(params, seed)
        opt.step()
        for p, before in zip(params, held):
            for key, value in opt.state[p].items():
                spare = opt._spares.get(p, {}).get(key)
                assert spare is None or spare is not value
                if isinstance(value, np.ndarray):
                    assert value is not before.get(key)  # a new array each step...
        for before, state in zip(held, kept):  # ...and the old one was not written
            assert_same(before, state)
    for seed in range(3, 8):
        set_grads(ref_params, seed)
        ref_opt.step()
    assert_same(everything(params, opt)[:2], everything(ref_params, ref_opt)[:2])


def test_defer_keyboard_interrupt_replays_to_the_previous_handler_once() -> None:
    from nn.optim.deferred_interrupt import defer_keyboard_interrupt

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are only delivered to the main thread")
    calls: list[str] = []

    def handler(signum: int, frame: Any) -> None:
        calls.append("handled")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        with defer_keyboard_interrupt():
            with defer_keyboard_interrupt():  # nested: only the outer one defers
                signal.raise_signal(signal.SIGINT)
                calls.append("inner body done")
            calls.append("outer body done")
        calls.append("after")
        assert calls == ["inner body done", "outer body done", "handled", "after"]
        assert signal.getsignal(signal.SIGINT) is handler
        with defer_keyboard_interrupt():  # no signal: nothing replayed
            pass
        assert calls[-1] == "after"
    finally:
        signal.signal(signal.SIGINT, previous)
