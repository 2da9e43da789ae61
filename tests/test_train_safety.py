"""``fit`` never leaves half-done state and never keeps graphs alive.

* A Ctrl-C (KeyboardInterrupt) anywhere in a training step leaves the model after a
  whole number of optimizer steps -- the interrupted step complete or not begun -- and
  ``fit`` returns a ``History`` marked ``interrupted`` that says how many steps it took.
* Once a step is done its graph is freed: neither the loss nor the model output of an
  earlier batch is alive when the next batch starts, nor after ``fit`` returns, even with
  a metric that returns a Tensor.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest
from ctrl_c import CtrlCOnWrite

import nn
from autograd import Function, Tensor
from nn import functional as F
from nn.optim import Adam
from nn.train import fit

BATCHES_PER_EPOCH = 4


def batches(seed: int = 0) -> list[tuple[Tensor, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(BATCHES_PER_EPOCH):
        x = rng.normal(size=(8, 3))
        out.append((Tensor(x), (x[:, 0] > 0).astype(np.int64)))
    return out


def reference(steps: int) -> tuple[nn.Module, Adam]:
    """The model and optimizer after ``steps`` hand-written steps over the same batches."""
    model = nn.MLP([3, 6, 2], rng=0)
    opt = Adam(model.parameters(), lr=0.05)
    data = batches()
    for k in range(steps):
        x, t = data[k % BATCHES_PER_EPOCH]
        opt.zero_grad()
        F.cross_entropy(model(x), t).backward()
        opt.step()
    return model, opt


def assert_model_equal(a: nn.Module, b: nn.Module) -> None:
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb
        np.testing.assert_array_equal(va, vb)


def assert_whole_steps(model: nn.Module, opt: Adam, steps: int) -> None:
    ref_model, ref_opt = reference(steps)
    assert_model_equal(model, ref_model)
    assert [opt.state[p]["step"] for p in model.parameters()] == [steps] * 4


class InterruptInBackward(Function):
    """The identity, whose backward raises KeyboardInterrupt (Ctrl-C during backward)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, gy: Tensor) -> Tensor:
        raise KeyboardInterrupt


# ----------------------------------------------------------------------------- Ctrl-C
@pytest.mark.parametrize("where", ["loss_fn", "backward", "step"])
def test_keyboard_interrupt_inside_a_step_leaves_whole_steps(where: str) -> None:
    model = nn.MLP([3, 6, 2], rng=0)
    opt = Adam(model.parameters(), lr=0.05)
    calls = {"n": 0}
    interrupt_at = 6  # the 6th batch: epoch 1, batch 1 (0-based), after 5 steps

    def loss_fn(y: Tensor, t: np.ndarray) -> Tensor:
        calls["n"] += 1
        if calls["n"] == interrupt_at and where == "loss_fn":
            raise KeyboardInterrupt
        loss = F.cross_entropy(y, t)
        if calls["n"] == interrupt_at and where == "backward":
            return InterruptInBackward.apply(loss)
        return loss

    if where == "step":
        real = opt._compute
        seen = {"n": 0}

        def compute(*args: Any) -> Any:  # raises while computing the 2nd parameter
            seen["n"] += 1
            if seen["n"] == (interrupt_at - 1) * 4 + 2:
                raise KeyboardInterrupt
            return real(*args)

        opt._compute = compute  # type: ignore[method-assign]
    h = fit(model, loss_fn, opt, batches(), epochs=3, progress=False)
    assert h.interrupted
    assert h.steps == 5 and h.stopped_epoch == 1 and h.stopped_batch == 1
    assert h.epoch == [0]  # only whole epochs are recorded
    assert "after 5 optimizer steps" in h.stop_reason
    assert_whole_steps(model, opt, 5)


def test_ctrl_c_while_parameters_are_written_completes_the_step(sigint_raises: None) -> None:
    model = nn.MLP([3, 6, 2], rng=0)
    opt = Adam(model.parameters(), lr=0.05)
    calls = {"n": 0}
    last = list(model.parameters())[2]  # the signal comes while the 3rd array is written

    def loss_fn(y: Tensor, t: np.ndarray) -> Tensor:
        calls["n"] += 1
        if calls["n"] == 3:  # arm the trap for the 3rd step
            CtrlCOnWrite.fired = False
            last._data = last._data.view(CtrlCOnWrite)
        return F.cross_entropy(y, t)

    h = fit(model, loss_fn, opt, batches(), epochs=3, progress=False)
    assert CtrlCOnWrite.fired and h.interrupted
    # the 3rd step was completed before the interrupt took effect, and fit knows it
    assert h.steps == 3 and h.stopped_epoch == 0 and h.stopped_batch == 2
    assert "after 3 optimizer steps" in h.stop_reason
    last._data = np.asarray(last._data).view(np.ndarray)
    assert_whole_steps(model, opt, 3)


def test_uninterrupted_history_counts_steps() -> None:
    model = nn.MLP([3, 6, 2], rng=0)
    opt = Adam(model.parameters(), lr=0.05)
    h = fit(model, F.cross_entropy, opt, batches(), epochs=2, progress=False)
    assert not h.interrupted and h.steps == 8 and h.stopped_batch is None
    assert_whole_steps(model, opt, 8)


# ----------------------------------------------------------------------------- graphs
def test_fit_frees_every_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    model = nn.MLP([3, 6, 2], rng=0)
    losses: list[weakref.ref] = []
    outputs: list[weakref.ref] = []
    alive_at_start: list[int] = []

    def loss_fn(y: Tensor, t: np.ndarray) -> Tensor:
        # when a new batch's loss is made, no earlier batch's graph may still be alive
        alive_at_start.append(sum(r() is not None for r in losses + outputs))
        outputs.append(weakref.ref(y))
        loss = F.cross_entropy(y, t)
        losses.append(weakref.ref(loss))
        return loss

    def tensor_metric(y: Tensor, t: Any) -> Tensor:  # returns a Tensor, not a float
        return (y * y).mean()

    gc.disable()  # the graph is a DAG freed by reference counting alone
    try:
        h = fit(
            model,
            loss_fn,
            Adam(model.parameters(), lr=0.05),
            batches(),
            epochs=3,
            metrics={"m": tensor_metric},
            progress=False,
        )
        assert len(losses) == 12
        assert alive_at_start == [0] * 12
        assert all(r() is None for r in losses + outputs)
    finally:
        gc.enable()
    assert all(type(v) is float for v in h.metrics["train_m"])
