"""The seminar's peephole variant (issue 14, item 4): the output gate reads s^(t−1).

``output_peephole="current"`` (the default, as before) gives o = σ(a_o + p_o * c_t);
``output_peephole="previous"`` (the seminar's slide) gives o = σ(a_o + p_o * c_{t−1}).
Each is checked against a NumPy loop of its equations, on the cell, the layer and the
functional ops, fused and reference, and by central-difference gradient checks (float64).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from nn.functional import recurrent as R
from nn.layers.rnn import LSTM
from nn.layers.rnn_cells import LSTMCell

F64 = np.float64
T, B, I, H = 4, 3, 5, 6
VARIANTS = ["current", "previous"]


def rand(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-scale, scale, size=shape)


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def numpy_lstm(x, h, c, w_ih, w_hh, b_ih, b_hh, p, variant):
    """Gate by gate in NumPy (order i f g o); the output gate reads c_t or c_{t−1}."""
    wi, wf, wg, wo = np.split(w_ih, 4)
    ui, uf, ug, uo = np.split(w_hh, 4)
    bi, bf, bg, bo = np.split(b_ih + b_hh, 4)
    outputs = []
    for x_t in x:
        i = sigmoid(x_t @ wi.T + h @ ui.T + bi + p[0] * c)
        f = sigmoid(x_t @ wf.T + h @ uf.T + bf + p[1] * c)
        g = np.tanh(x_t @ wg.T + h @ ug.T + bg)
        c_new = f * c + i * g
        peek = c_new if variant == "current" else c
        o = sigmoid(x_t @ wo.T + h @ uo.T + bo + p[2] * peek)
        c, h = c_new, o * np.tanh(c_new)
        outputs.append(h)
    return np.stack(outputs), h, c


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("variant", VARIANTS)
def test_layer_matches_its_equations(variant: str, fused: bool) -> None:
    lstm = LSTM(I, H, peephole=True, output_peephole=variant, dtype=F64, rng=17, fused=fused)
    x, h0, c0 = rand(T, B, I, seed=18), rand(1, B, H, seed=19), rand(1, B, H, seed=20)
    out, (h_n, c_n) = lstm(Tensor(x), (Tensor(h0), Tensor(c0)))
    w = {n: p.data for n, p in lstm.named_parameters()}
    ref_out, ref_h, ref_c = numpy_lstm(
        x,
        h0[0],
        c0[0],
        w["weight_ih_l0"],
        w["weight_hh_l0"],
        w["bias_ih_l0"],
        w["bias_hh_l0"],
        w["weight_peephole_l0"],
        variant,
    )
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_n.data[0], ref_h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_n.data[0], ref_c, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("variant", VARIANTS)
def test_cell_matches_its_equations(variant: str, fused: bool) -> None:
    cell = LSTMCell(I, H, peephole=True, output_peephole=variant, dtype=F64, rng=5, fused=fused)
    x, h0, c0 = rand(1, B, I, seed=6), rand(B, H, seed=7), rand(B, H, seed=8)
    h, c = cell(Tensor(x[0]), (Tensor(h0), Tensor(c0)))
    ref_out, ref_h, ref_c = numpy_lstm(
        x,
        h0,
        c0,
        cell.weight_ih.data,
        cell.weight_hh.data,
        cell.bias_ih.data,
        cell.bias_hh.data,
        cell.weight_peephole.data,
        variant,
    )
    np.testing.assert_allclose(h.data, ref_h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c.data, ref_c, rtol=1e-12, atol=1e-14)


def test_the_variants_differ_and_share_the_cell_state() -> None:
    cur = LSTM(I, H, peephole=True, dtype=F64, rng=9)
    prev = LSTM(I, H, peephole=True, output_peephole="previous", dtype=F64)
    prev.load_state_dict(cur.state_dict())
    x = Tensor(rand(T, B, I, seed=10))
    (o1, (_, c1)), (o2, (_, c2)) = cur(x), prev(x)
    assert np.abs(o1.data - o2.data).max() > 1e-3
    # one step from zero state: c_0 = 0, so only h differs, and c_1 agrees
    (_, (_, c1)), (_, (_, c2)) = cur(x[:1]), prev(x[:1])
    np.testing.assert_allclose(c1.data, c2.data, rtol=1e-14)


def test_default_is_current_and_repr_names_the_variant() -> None:
    assert LSTM(I, H, peephole=True).output_peephole == "current"
    assert LSTMCell(I, H, peephole=True).output_peephole == "current"
    assert "output_peephole='previous'" in repr(
        LSTM(I, H, peephole=True, output_peephole="previous")
    )
    assert "output_peephole='previous'" in repr(
        LSTMCell(I, H, peephole=True, output_peephole="previous")
    )
    assert "output_peephole" not in repr(LSTM(I, H, peephole=True))


@pytest.mark.parametrize("make", [LSTM, LSTMCell])
def test_output_peephole_errors(make: Any) -> None:
    with pytest.raises(ValueError, match=r"output_peephole='before'.*'current'.*'previous'"):
        make(I, H, peephole=True, output_peephole="before")
    with pytest.raises(ValueError, match=r"output_peephole='previous'.*peephole=True"):
        make(I, H, output_peephole="previous")


@pytest.mark.parametrize("variant", VARIANTS)
def test_functional_errors_name_the_op(variant: str) -> None:
    x, h, c = Tensor(rand(B, I)), Tensor(rand(B, H)), Tensor(rand(B, H))
    w_ih, w_hh = Tensor(rand(4 * H, I)), Tensor(rand(4 * H, H))
    with pytest.raises(ValueError, match=r"lstm_cell: output_peephole='x'"):
        R.lstm_cell(x, (h, c), w_ih, w_hh, output_peephole="x")


def small(*shape: int, seed: int) -> Tensor:
    return Tensor(rand(*shape, seed=seed, scale=0.8), requires_grad=True)


def cell_inputs() -> list[Tensor]:
    return [
        small(2, 2, seed=40),
        small(2, 3, seed=41),
        small(2, 3, seed=42),
        small(12, 2, seed=43),
        small(12, 3, seed=44),
        small(12, seed=45),
        small(12, seed=46),
        small(3, 3, seed=47),
    ]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("cell", [R.lstm_cell, R.lstm_cell_reference], ids=["fused", "ref"])
def test_cell_gradcheck(cell: Any, variant: str) -> None:
    def fn(x, h, c, wi, wh, bi, bh, p):
        return ag.concatenate(cell(x, (h, c), wi, wh, bi, bh, p, output_peephole=variant), axis=-1)

    assert ag.gradcheck(fn, cell_inputs())


@pytest.mark.parametrize("variant", VARIANTS)
def test_fused_cell_gradgradcheck(variant: str) -> None:
    def fn(x, h, c, wi, wh, bi, bh, p):
        return ag.concatenate(
            R.lstm_cell(x, (h, c), wi, wh, bi, bh, p, output_peephole=variant), axis=-1
        )

    assert ag.gradgradcheck(fn, cell_inputs())


@pytest.mark.parametrize("variant", VARIANTS)
def test_layer_gradcheck_bidirectional_two_layers(variant: str) -> None:
    lstm = LSTM(
        2,
        3,
        num_layers=2,
        bidirectional=True,
        peephole=True,
        output_peephole=variant,
        dtype=F64,
        rng=23,
    )
    params = list(lstm.parameters())
    x = Tensor(rand(3, 2, 2, seed=24), requires_grad=True)
    h0 = Tensor(rand(4, 2, 3, seed=25), requires_grad=True)
    c0 = Tensor(rand(4, 2, 3, seed=26), requires_grad=True)

    def fn(x: Tensor, h0: Tensor, c0: Tensor, *_: Tensor) -> Tensor:
        out, (h_n, c_n) = lstm(x, (h0, c0))
        return ag.concatenate([out.reshape(-1), h_n.reshape(-1), c_n.reshape(-1)])

    assert ag.gradcheck(fn, [x, h0, c0, *params])


@pytest.mark.parametrize("variant", VARIANTS)
def test_fused_sequence_gradient_equals_reference(variant: str) -> None:
    grads = []
    for fused in (True, False):
        lstm = LSTM(I, H, peephole=True, output_peephole=variant, dtype=F64, rng=31, fused=fused)
        x = Tensor(rand(T, B, I, seed=32), requires_grad=True)
        out, (h_n, c_n) = lstm(x)
        ((out * Tensor(rand(T, B, H, seed=33))).sum() + c_n.sum()).backward()
        grads.append([x.grad.data] + [p.grad.data for p in lstm.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
