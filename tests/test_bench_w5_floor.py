"""``bench/w5_floor.py``: its "kernels" step (deltagrad's LSTM op run on its own, the
head and the loss by hand) computes the same loss and gradients as deltagrad's ``nn``
step -- so the timings it prints compare like with like. (No speed is measured here.)"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest
from conftest import load_bench

import nn
from autograd import Tensor


@pytest.fixture(scope="module")
def floor() -> Any:
    return load_bench("w5_floor")


def _problem(batch: int = 3, steps: int = 4, features: int = 5, hidden: int = 6) -> tuple:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((batch, steps, features))
    target = rng.standard_normal((batch, steps, 1))
    init = {
        "W_ih": rng.uniform(-0.4, 0.4, (4 * hidden, features)),
        "W_hh": rng.uniform(-0.4, 0.4, (4 * hidden, hidden)),
        "b_ih": rng.uniform(-0.4, 0.4, 4 * hidden),
        "b_hh": rng.uniform(-0.4, 0.4, 4 * hidden),
        "fc_W": rng.uniform(-0.4, 0.4, (hidden, 1)),  # stored (in, out), as the referee's
        "fc_b": rng.uniform(-0.4, 0.4, 1),
    }
    return x, target, init


def _nn_step(x: np.ndarray, target: np.ndarray, init: dict) -> tuple:
    """deltagrad's nn step as the referee's adapter writes it, float64."""
    batch, steps, features = x.shape
    hidden = init["W_hh"].shape[1]
    lstm = nn.LSTM(features, hidden, batch_first=True, dtype=np.float64)
    fc = nn.Linear(hidden, 1, dtype=np.float64)
    for p, key in zip(
        (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0),
        ("W_ih", "W_hh", "b_ih", "b_hh"),
    ):
        p.data[...] = init[key]
    fc.weight.data[...] = init["fc_W"].T
    fc.bias.data[...] = init["fc_b"]
    out, _ = lstm(Tensor(x))
    pred = fc(out.reshape(batch * steps, hidden))
    loss = nn.functional.mse_loss(pred, Tensor(target.reshape(batch * steps, 1)))
    loss.backward()
    params = (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
    grads = [p.grad.data for p in params] + [fc.weight.grad.data, fc.bias.grad.data]
    return float(loss.item()), grads


def test_the_kernels_step_is_deltagrads_step(floor) -> None:
    x, target, init = _problem()
    path = list(sys.path)
    step = floor.kernels_step(x, target, init)
    assert sys.path == path  # (the project is importable already: nothing added)
    expected_loss, expected_grads = _nn_step(x, target, init)
    for _ in range(2):  # the same every call (no state carried between steps)
        loss, grads = step()
        assert loss == pytest.approx(expected_loss, rel=1e-13)
        assert len(grads) == len(expected_grads)
        for mine, theirs in zip(grads, expected_grads):
            assert mine.shape == theirs.shape
            np.testing.assert_allclose(mine, theirs, rtol=1e-11, atol=1e-14)


def test_the_kernels_step_uses_the_referees_layout(floor) -> None:
    """Batch-first input, fc_W stored (in, out): a batch of one sequence of one step
    has a loss that can be written out by hand."""
    x, target, init = _problem(batch=1, steps=1, features=2, hidden=3)
    loss, _ = floor.kernels_step(x, target, init)()
    a = init["W_ih"] @ x[0, 0] + init["b_ih"] + init["b_hh"]  # h0 = c0 = 0
    i, f, g, o = np.split(a, 4)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    h = sig(o) * np.tanh(sig(i) * np.tanh(g))
    pred = h @ init["fc_W"][:, 0] + init["fc_b"][0]
    assert loss == pytest.approx((pred - target[0, 0, 0]) ** 2, rel=1e-13)
