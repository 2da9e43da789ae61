"""Grad mode and anomaly mode are per thread, as in PyTorch.

Two threads that each train their own model must not see each other's ``no_grad()``,
``detect_anomaly()`` or the recording switch that ``backward()`` flips while it runs.
A tiny thread switch interval makes the interpreter interleave the threads every few
bytecodes, so any shared mode shows up within a few steps.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor


@pytest.fixture
def fast_switching() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def _train(seed: int, steps: int, report: dict, start: threading.Barrier | None = None) -> None:
    """Plain SGD on an MLP regression; records each loss and any missing gradient."""
    rng = np.random.default_rng(seed)
    x = Tensor(rng.normal(size=(16, 4)))
    y = Tensor(rng.normal(size=(16, 2)))
    model = nn.MLP([4, 8, 2], activation="tanh", rng=seed)
    opt = nn.optim.SGD(model.parameters(), lr=0.05)
    losses, missing, errors = [], 0, []
    if start is not None:
        start.wait()
    for _ in range(steps):
        try:
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            missing += sum(p.grad is None for p in model.parameters())
            opt.step()
            losses.append(loss.item())
        except Exception as err:  # collected and asserted on in the main thread
            errors.append(repr(err))
    report.update(losses=losses, missing=missing, errors=errors)


def test_two_threads_train_independently(fast_switching: None) -> None:
    steps = 300
    alone = [{}, {}]
    for seed in (0, 1):
        _train(seed, steps, alone[seed])
    together: list[dict] = [{}, {}]
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=_train, args=(seed, steps, together[seed], start))
        for seed in (0, 1)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in (0, 1):
        assert together[seed]["errors"] == []
        assert together[seed]["missing"] == 0  # every parameter got its gradient every step
        assert len(together[seed]["losses"]) == steps
        np.testing.assert_array_equal(together[seed]["losses"], alone[seed]["losses"])
    assert alone[0]["losses"][-1] < 0.7 * alone[0]["losses"][0]  # it did train


def _in_other_thread(context, inside: threading.Event, release: threading.Event) -> None:
    with context():
        inside.set()
        release.wait(10)


def _hold(context) -> tuple[threading.Thread, threading.Event]:
    """Start a thread that sits inside ``context()`` until the returned event is set."""
    inside, release = threading.Event(), threading.Event()
    t = threading.Thread(target=_in_other_thread, args=(context, inside, release))
    t.start()
    assert inside.wait(10)
    return t, release


def test_no_grad_in_another_thread_does_not_stop_recording() -> None:
    t, release = _hold(ag.no_grad)
    try:
        assert ag.is_grad_enabled()
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        assert y.requires_grad and y.grad_fn is not None
        y.backward()
        np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
        v = ag.Value(3.0)
        assert (v * v).parents  # the scalar engine reads the same per-thread mode
    finally:
        release.set()
        t.join()


def test_no_grad_is_seen_by_its_own_thread_only() -> None:
    seen = {}

    def worker() -> None:
        with ag.no_grad():
            seen["inside"] = ag.is_grad_enabled()
            seen["recorded"] = (Tensor([1.0], requires_grad=True) * 2).requires_grad
        seen["after"] = ag.is_grad_enabled()

    with ag.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert not ag.is_grad_enabled()  # the worker's exit did not switch ours back on
    assert seen == {"inside": False, "recorded": False, "after": True}
    assert ag.is_grad_enabled()


def test_new_threads_start_with_recording_on() -> None:
    seen = []
    with ag.no_grad():
        t = threading.Thread(target=lambda: seen.append(ag.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]  # PyTorch: grad mode is thread-local, default on


def test_detect_anomaly_in_another_thread_does_not_leak() -> None:
    t, release = _hold(ag.detect_anomaly)
    try:
        x = Tensor([-1.0, 4.0], requires_grad=True)
        with np.errstate(invalid="ignore"):
            y = x.log()  # NaN at -1: not an error outside anomaly mode
        assert np.isnan(y.data[0])
    finally:
        release.set()
        t.join()


def test_detect_anomaly_is_seen_by_its_own_thread() -> None:
    caught = []

    def worker() -> None:
        with ag.detect_anomaly():
            try:
                Tensor([-1.0], requires_grad=True).log()
            except ag.AnomalyError as err:
                caught.append(str(err))

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert len(caught) == 1 and "log" in caught[0]
