"""``bench/w3_layout.py``: its hand-written step does the same training step in both
weight layouts, and the same as deltagrad's ``nn`` step -- so the timings it prints
compare like with like. (No speed is measured here.)"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import load_bench

import nn
from autograd import Tensor

ROOT = Path(__file__).resolve().parents[1]
SIZES = (12, 7, 5, 4)  # a small 784-256-256-10


@pytest.fixture(scope="module")
def layout() -> Any:
    return load_bench("w3_layout")


def _problem(seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((9, SIZES[0]))
    y = rng.integers(0, SIZES[-1], 9)
    init = [
        (rng.uniform(-0.5, 0.5, (i, o)), rng.uniform(-0.5, 0.5, o))
        for i, o in zip(SIZES[:-1], SIZES[1:])
    ]  # W stored (in, out), as the referee's harness gives it
    return x, y, init


def _params(init: list, layout_name: str) -> list:
    out = []
    for w, b in init:
        out += [w.copy() if layout_name == "in_out" else np.ascontiguousarray(w.T), b.copy()]
    return out


def test_both_layouts_take_the_same_step(layout) -> None:
    x, y, init = _problem()
    p_in, p_out = _params(init, "in_out"), _params(init, "out_in")
    step_in = layout.hand_written_step(p_in, "in_out", 0.1)
    step_out = layout.hand_written_step(p_out, "out_in", 0.1)
    for _ in range(3):
        assert step_in(x, y) == pytest.approx(step_out(x, y), rel=1e-13)
    for k in range(0, 6, 2):
        np.testing.assert_allclose(p_in[k], p_out[k].T, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(p_in[k + 1], p_out[k + 1], rtol=1e-12, atol=1e-14)


def test_the_hand_written_step_is_deltagrads_step(layout) -> None:
    x, y, init = _problem(1)
    params = _params(init, "out_in")
    step = layout.hand_written_step(params, "out_in", 0.1)
    mods: list = []
    for k, (w, b) in enumerate(init):
        lin = nn.Linear(*w.shape, dtype=np.float64)
        lin.weight.data[...] = w.T
        lin.bias.data[...] = b
        mods += [lin, nn.ReLU()] if k < len(init) - 1 else [lin]
    model = nn.Sequential(*mods)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        loss = nn.functional.cross_entropy(model(Tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert step(x, y) == pytest.approx(float(loss.item()), rel=1e-12)
    theirs = [p.data for p in model.parameters()]
    for mine, other in zip(params, theirs):
        np.testing.assert_allclose(mine, other, rtol=1e-11, atol=1e-13)


def test_the_ops_step_is_the_hand_written_step(layout) -> None:
    """deltagrad's op kernels called by hand take the hand-written step (and so, by the
    test above, deltagrad's own)."""
    x, y, init = _problem(2)
    by_hand, by_ops = _params(init, "out_in"), _params(init, "out_in")
    step_hand = layout.hand_written_step(by_hand, "out_in", 0.1)
    path = list(sys.path)
    step_ops = layout.ops_step(by_ops, 0.1)
    assert sys.path == path  # (the project is importable already: nothing added)
    for _ in range(3):
        assert step_ops(x, y) == pytest.approx(step_hand(x, y), rel=1e-13)
    for mine, other in zip(by_ops, by_hand):
        np.testing.assert_allclose(mine, other, rtol=1e-12, atol=1e-14)
