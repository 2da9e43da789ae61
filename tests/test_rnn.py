"""Recurrent cells and layers.

* against PyTorch (float64, weights moved by state dict): outputs, final states and
  the gradients of a randomly weighted sum of them w.r.t. the input, the initial states
  and every weight -- RNN (tanh, relu), LSTM, GRU, 1-2 layers, batch_first both ways,
  bidirectional; the three cells;
* the peephole LSTM (no PyTorch equivalent): a NumPy loop of its equations and
  central-difference gradient checks;
* the fused ops against the textbook composite form, and gradient checks (first and
  second order) of both;
* dropout between layers, initialisation, parameter names, error messages.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from nn.functional import recurrent as R
from nn.layers.rnn import GRU, LSTM, RNN
from nn.layers.rnn_cells import GRUCell, LSTMCell, RNNCell

F64 = np.float64
RTOL, ATOL = 1e-9, 1e-11
T, B, I, H = 4, 3, 5, 6


def rand(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-scale, scale, size=shape)


def close(ours: Any, theirs: Any, what: str) -> None:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=what)


def to_torch(module: Any, torch: Any, theirs: Any) -> Any:
    """Load our state dict into the torch module (strict): also checks the names."""
    theirs = theirs.double()  # before loading: a float32 module would round the weights
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in module.state_dict().items()})
    return theirs


def weighted_sum(tensors: list, seed: int, lib: Any = None) -> Any:
    """sum_k sum(w_k * t_k) with fixed random weights (so every element matters)."""
    total = 0.0
    for k, t in enumerate(tensors):
        w = rand(*t.shape, seed=seed + k)
        total = total + (t * (lib.from_numpy(w) if lib is not None else w)).sum()
    return total


# ---------------------------------------------------------------- layers vs PyTorch
LAYERS = [
    pytest.param(RNN, "RNN", {}, id="rnn-tanh"),
    pytest.param(RNN, "RNN", {"nonlinearity": "relu"}, id="rnn-relu"),
    pytest.param(LSTM, "LSTM", {}, id="lstm"),
    pytest.param(GRU, "GRU", {}, id="gru"),
]


@pytest.mark.parametrize("ours_cls, torch_name, kwargs", LAYERS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_layer_matches_torch(
    torch: Any,
    ours_cls: type,
    torch_name: str,
    kwargs: dict,
    num_layers: int,
    batch_first: bool,
    bidirectional: bool,
) -> None:
    config = dict(
        num_layers=num_layers, batch_first=batch_first, bidirectional=bidirectional, **kwargs
    )
    ours = ours_cls(I, H, **config, dtype=F64, rng=1)
    theirs = to_torch(ours, torch, getattr(torch.nn, torch_name)(I, H, **config))
    is_lstm = ours_cls is LSTM
    layers = num_layers * (2 if bidirectional else 1)
    x = rand(*((B, T, I) if batch_first else (T, B, I)), seed=2)
    states = [rand(layers, B, H, seed=3 + k, scale=0.5) for k in range(2 if is_lstm else 1)]

    xs = Tensor(x, requires_grad=True)
    hs = [Tensor(s, requires_grad=True) for s in states]
    tx = torch.tensor(x, requires_grad=True)
    ths = [torch.tensor(s, requires_grad=True) for s in states]
    if is_lstm:
        out, (h_n, c_n) = ours(xs, tuple(hs))
        tout, (th_n, tc_n) = theirs(tx, tuple(ths))
        finals, tfinals = [h_n, c_n], [th_n, tc_n]
    else:
        out, h_n = ours(xs, hs[0])
        tout, th_n = theirs(tx, ths[0])
        finals, tfinals = [h_n], [th_n]

    close(out, tout, "output")
    for k, (f, tf) in enumerate(zip(finals, tfinals)):
        close(f, tf, f"final state {k}")
    weighted_sum([out, *finals], seed=10).backward()
    weighted_sum([tout, *tfinals], seed=10, lib=torch).backward()
    close(xs.grad, tx.grad, "gradient w.r.t. the input")
    for k, (s, ts) in enumerate(zip(hs, ths)):
        close(s.grad, ts.grad, f"gradient w.r.t. initial state {k}")
    for name, p in ours.named_parameters():
        assert p.grad is not None, f"{name} received no gradient"
        close(p.grad, theirs.get_parameter(name).grad, f"gradient of {name}")


@pytest.mark.parametrize("ours_cls, torch_name, kwargs", LAYERS)
def test_layer_default_state_unbatched_and_no_bias(
    torch: Any, ours_cls: type, torch_name: str, kwargs: dict
) -> None:
    for config in ({"bias": False}, {"num_layers": 2, "bidirectional": True}):
        ours = ours_cls(I, H, **config, **kwargs, dtype=F64, rng=4)
        theirs = to_torch(ours, torch, getattr(torch.nn, torch_name)(I, H, **config, **kwargs))
        for shape in ((T, B, I), (T, I)):  # batched, unbatched
            x = rand(*shape, seed=5)
            xs, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            out, final = ours(xs)
            tout, tfinal = theirs(tx)
            finals = list(final) if isinstance(final, tuple) else [final]
            tfinals = list(tfinal) if isinstance(tfinal, tuple) else [tfinal]
            close(out, tout, f"output {config} {shape}")
            for f, tf in zip(finals, tfinals):
                close(f, tf, f"final state {config} {shape}")
            weighted_sum([out, *finals], seed=6).backward()
            weighted_sum([tout, *tfinals], seed=6, lib=torch).backward()
            close(xs.grad, tx.grad, f"input gradient {config} {shape}")
            for name, p in ours.named_parameters():
                close(p.grad, theirs.get_parameter(name).grad, f"gradient of {name}")
                p.grad = None
            theirs.zero_grad()


def test_state_dict_round_trip_with_torch(torch: Any) -> None:
    theirs = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True).double()
    ours = LSTM(I, H, num_layers=2, bidirectional=True, dtype=F64)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (n, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.shape == tuple(tp.shape), n
    ours.load_state_dict(theirs.state_dict())  # torch -> ours
    x = rand(T, B, I, seed=7)
    close(ours(Tensor(x))[0], theirs(torch.from_numpy(x))[0], "output after loading torch weights")


# ---------------------------------------------------------------- cells vs PyTorch
CELLS = [
    pytest.param(
        lambda **k: RNNCell(I, H, **k), lambda t, **k: t.nn.RNNCell(I, H, **k), id="rnncell-tanh"
    ),
    pytest.param(
        lambda **k: RNNCell(I, H, nonlinearity="relu", **k),
        lambda t, **k: t.nn.RNNCell(I, H, nonlinearity="relu", **k),
        id="rnncell-relu",
    ),
    pytest.param(
        lambda **k: LSTMCell(I, H, **k), lambda t, **k: t.nn.LSTMCell(I, H, **k), id="lstmcell"
    ),
    pytest.param(
        lambda **k: GRUCell(I, H, **k), lambda t, **k: t.nn.GRUCell(I, H, **k), id="grucell"
    ),
]


@pytest.mark.parametrize("make_ours, make_theirs", CELLS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("fused", [True, False])
def test_cell_matches_torch(
    torch: Any, make_ours: Any, make_theirs: Any, bias: bool, fused: bool
) -> None:
    ours = make_ours(bias=bias, dtype=F64, rng=8, fused=fused)
    theirs = to_torch(ours, torch, make_theirs(torch, bias=bias))
    is_lstm = isinstance(ours, LSTMCell)
    x = rand(B, I, seed=9)
    states = [rand(B, H, seed=10 + k) for k in range(2 if is_lstm else 1)]
    xs, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hs = [Tensor(s, requires_grad=True) for s in states]
    ths = [torch.tensor(s, requires_grad=True) for s in states]
    out = ours(xs, tuple(hs) if is_lstm else hs[0])
    tout = theirs(tx, tuple(ths) if is_lstm else ths[0])
    outs = list(out) if is_lstm else [out]
    touts = list(tout) if is_lstm else [tout]
    for k, (o, to) in enumerate(zip(outs, touts)):
        close(o, to, f"cell output {k}")
    weighted_sum(outs, seed=12).backward()
    weighted_sum(touts, seed=12, lib=torch).backward()
    close(xs.grad, tx.grad, "input gradient")
    for k, (s, ts) in enumerate(zip(hs, ths)):
        close(s.grad, ts.grad, f"state gradient {k}")
    for name, p in ours.named_parameters():
        close(p.grad, theirs.get_parameter(name).grad, f"gradient of {name}")


@pytest.mark.parametrize("make_ours, make_theirs", CELLS)
def test_cell_default_state_and_unbatched(torch: Any, make_ours: Any, make_theirs: Any) -> None:
    ours = make_ours(dtype=F64, rng=13)
    theirs = to_torch(ours, torch, make_theirs(torch))
    for shape in ((B, I), (I,)):
        x = rand(*shape, seed=14)
        out, tout = ours(Tensor(x)), theirs(torch.from_numpy(x))
        outs = list(out) if isinstance(out, tuple) else [out]
        touts = list(tout) if isinstance(tout, tuple) else [tout]
        for o, to in zip(outs, touts):
            close(o, to, f"cell output for input shape {shape}")


def test_cell_loop_equals_layer() -> None:
    """Looping the cell over time gives the layer's output (same weights)."""
    layer = LSTM(I, H, dtype=F64, rng=15)
    cell = LSTMCell(I, H, dtype=F64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.state_dict().items()})
    x = rand(T, B, I, seed=16)
    out, (h_n, c_n) = layer(Tensor(x))
    state = None
    for t in range(T):
        state = cell(Tensor(x[t]), state)
        np.testing.assert_allclose(state[0].data, out.data[t], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state[1].data, c_n.data[0], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- peephole LSTM
def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def numpy_peephole_lstm(
    x: np.ndarray,
    h: np.ndarray,
    c: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    p: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The textbook equations, one gate at a time, in plain NumPy (gate order i f g o)."""
    blocks = lambda m: np.split(m, 4, axis=0)  # noqa: E731
    wi, wf, wg, wo = blocks(w_ih)
    ui, uf, ug, uo = blocks(w_hh)
    bi, bf, bg, bo = blocks(b_ih + b_hh)
    outputs = []
    for x_t in x:
        i = sigmoid(x_t @ wi.T + h @ ui.T + bi + p[0] * c)
        f = sigmoid(x_t @ wf.T + h @ uf.T + bf + p[1] * c)
        g = np.tanh(x_t @ wg.T + h @ ug.T + bg)
        c = f * c + i * g
        o = sigmoid(x_t @ wo.T + h @ uo.T + bo + p[2] * c)
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs), h, c


@pytest.mark.parametrize("fused", [True, False])
def test_peephole_lstm_matches_its_equations(fused: bool) -> None:
    lstm = LSTM(I, H, peephole=True, dtype=F64, rng=17, fused=fused)
    assert lstm.weight_peephole_l0.shape == (3, H)
    x, h0, c0 = rand(T, B, I, seed=18), rand(1, B, H, seed=19), rand(1, B, H, seed=20)
    out, (h_n, c_n) = lstm(Tensor(x), (Tensor(h0), Tensor(c0)))
    w = {n: p.data for n, p in lstm.named_parameters()}
    ref_out, ref_h, ref_c = numpy_peephole_lstm(
        x,
        h0[0],
        c0[0],
        w["weight_ih_l0"],
        w["weight_hh_l0"],
        w["bias_ih_l0"],
        w["bias_hh_l0"],
        w["weight_peephole_l0"],
    )
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_n.data[0], ref_h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_n.data[0], ref_c, rtol=1e-12, atol=1e-14)


def test_peephole_changes_the_result_and_zero_peephole_is_plain_lstm() -> None:
    peep = LSTM(I, H, peephole=True, dtype=F64, rng=21)
    plain = LSTM(I, H, dtype=F64)
    plain.load_state_dict({k: v for k, v in peep.state_dict().items() if "peephole" not in k})
    x = Tensor(rand(T, B, I, seed=22))
    assert not np.allclose(peep(x)[0].data, plain(x)[0].data)
    peep.weight_peephole_l0.data = np.zeros((3, H))
    np.testing.assert_allclose(peep(x)[0].data, plain(x)[0].data, rtol=1e-13)


def test_peephole_cell_matches_layer() -> None:
    cell = LSTMCell(I, H, peephole=True, dtype=F64, rng=27)
    layer = LSTM(I, H, peephole=True, dtype=F64)
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = rand(1, B, I, seed=28)
    h, c = cell(Tensor(x[0]))
    out, (h_n, c_n) = layer(Tensor(x))
    np.testing.assert_allclose(h.data, out.data[0], rtol=1e-12)
    np.testing.assert_allclose(c.data, c_n.data[0], rtol=1e-12)


# ---------------------------------------------------------------- fused vs reference
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda fused: RNN(I, H, 2, "relu", bidirectional=True, dtype=F64, rng=29, fused=fused),
            id="rnn",
        ),
        pytest.param(
            lambda fused: LSTM(
                I, H, 2, bidirectional=True, peephole=True, dtype=F64, rng=29, fused=fused
            ),
            id="lstm-peephole",
        ),
        pytest.param(
            lambda fused: GRU(
                I, H, 2, batch_first=True, bidirectional=True, dtype=F64, rng=29, fused=fused
            ),
            id="gru",
        ),
    ],
)
def test_fused_equals_reference(make: Any) -> None:
    results = []
    for fused in (True, False):
        model = make(fused)
        x = Tensor(rand(T, B, I, seed=30), requires_grad=True)
        out, final = model(x)
        finals = list(final) if isinstance(final, tuple) else [final]
        weighted_sum([out, *finals], seed=31).backward()
        results.append(
            [
                out.data,
                *(f.data for f in finals),
                x.grad.data,
                *(p.grad.data for p in model.parameters()),
            ]
        )
    for fused, reference in zip(*results):
        np.testing.assert_allclose(fused, reference, rtol=1e-12, atol=1e-14)


def test_reference_path_is_one_node_per_operation() -> None:
    x = Tensor(rand(T, B, I, seed=32))
    fused_out, _ = LSTM(I, H, dtype=F64, rng=33)(x)
    ref_out, _ = LSTM(I, H, dtype=F64, rng=33, fused=False)(x)
    fused_ops = {n.op for n in ag.topological_order(fused_out)}
    ref_ops = {n.op for n in ag.topological_order(ref_out)}
    assert "lstm" in fused_ops
    assert "lstm" not in ref_ops and {"sigmoid", "tanh", "*", "+"} <= ref_ops
    assert len(ag.topological_order(ref_out)) > 5 * len(ag.topological_order(fused_out))


def test_forward_reference_of_cells() -> None:
    for cell in (
        RNNCell(I, H, dtype=F64, rng=34),
        LSTMCell(I, H, peephole=True, dtype=F64, rng=34),
        GRUCell(I, H, dtype=F64, rng=34),
    ):
        x, h = Tensor(rand(B, I, seed=35)), Tensor(rand(B, H, seed=36))
        hx = (h, h) if isinstance(cell, LSTMCell) else h
        fused, reference = cell(x, hx), cell.forward_reference(x, hx)
        for a, b in zip(
            fused if isinstance(fused, tuple) else [fused],
            reference if isinstance(reference, tuple) else [reference],
        ):
            np.testing.assert_allclose(a.data, b.data, rtol=1e-13)


# ---------------------------------------------------------------- gradient checks
def small(*shape: int, seed: int) -> Tensor:
    return Tensor(rand(*shape, seed=seed, scale=0.8), requires_grad=True)


CELL_FUNCTIONS = [
    pytest.param(
        lambda x, h, c, wi, wh, bi, bh, p: R.rnn_cell_reference(
            x, h, wi[:3], wh[:3], bi[:3], bh[:3]
        ),
        id="rnn-tanh",
    ),
    pytest.param(
        lambda x, h, c, wi, wh, bi, bh, p: R.rnn_cell_reference(
            x, h, wi[:3], wh[:3], bi[:3], bh[:3], "relu"
        ),
        id="rnn-relu",
    ),
    pytest.param(
        lambda x, h, c, wi, wh, bi, bh, p: ag.concatenate(
            R.lstm_cell_reference(x, (h, c), wi, wh, bi, bh), axis=-1
        ),
        id="lstm",
    ),
    pytest.param(
        lambda x, h, c, wi, wh, bi, bh, p: ag.concatenate(
            R.lstm_cell_reference(x, (h, c), wi, wh, bi, bh, p), axis=-1
        ),
        id="lstm-peephole",
    ),
    pytest.param(
        lambda x, h, c, wi, wh, bi, bh, p: R.gru_cell_reference(
            x, h, wi[:9], wh[:9], bi[:9], bh[:9]
        ),
        id="gru",
    ),
    pytest.param(
        lambda x, h, c, wi, wh, bi, bh, p: ag.concatenate(
            R.lstm_cell(x, (h, c), wi, wh, bi, bh, p), axis=-1
        ),
        id="fused-lstm-peephole",
    ),
    pytest.param(
        lambda x, h, c, wi, wh, bi, bh, p: R.gru_cell(x, h, wi[:9], wh[:9], bi[:9], bh[:9]),
        id="fused-gru",
    ),
]


def cell_inputs() -> list[Tensor]:
    # x (2, 2), h, c (2, 3), weights for up to 4 gates of 3 units, peephole (3, 3)
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


@pytest.mark.parametrize("fn", CELL_FUNCTIONS)
def test_cell_gradcheck(fn: Any) -> None:
    assert ag.gradcheck(fn, cell_inputs())


@pytest.mark.parametrize("fn", CELL_FUNCTIONS)
def test_cell_gradgradcheck(fn: Any) -> None:
    """Second derivatives: the reference cells by construction, the fused ops through
    their composite fallback under create_graph."""
    assert ag.gradgradcheck(fn, cell_inputs())


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_fused_sequence_gradgradcheck(kind: str) -> None:
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    x, h0, c0 = small(3, 2, 2, seed=50), small(2, 2, seed=51), small(2, 2, seed=52)
    wi, wh = small(2 * gates, 2, seed=53), small(2 * gates, 2, seed=54)
    bi, bh = small(2 * gates, seed=55), small(2 * gates, seed=56)

    def fn(
        x: Tensor, h0: Tensor, c0: Tensor, wi: Tensor, wh: Tensor, bi: Tensor, bh: Tensor
    ) -> Tensor:
        if kind == "lstm":
            out, (h_n, c_n) = R.lstm_sequence(x, (h0, c0), wi, wh, bi, bh, reverse=True)
            return out.sum(axis=0) * c_n
        if kind == "gru":
            return R.gru_sequence(x, h0, wi, wh, bi, bh)[0]
        return R.rnn_sequence(x, h0, wi, wh, bi, bh)[0]

    inputs = [x, h0, c0, wi, wh, bi, bh]
    if kind != "lstm":
        c0.requires_grad = False
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)


def test_same_tensor_as_h0_and_c0_counts_once_under_create_graph() -> None:
    x, z = small(3, 2, 2, seed=57), small(2, 2, seed=58)
    wi, wh = small(8, 2, seed=59), small(8, 2, seed=60)
    bi, bh = small(8, seed=61), small(8, seed=62)
    out, _ = R.lstm_sequence(x, (z, z), wi, wh, bi, bh)
    (first,) = ag.grad(out.sum(), [z])
    (recorded,) = ag.grad(out.sum(), [z], create_graph=True)
    np.testing.assert_allclose(recorded.data, first.data, rtol=1e-12)


# ---------------------------------------------------------------- dropout, init, names
def test_dropout_between_layers_only_in_training() -> None:
    lstm = LSTM(I, H, num_layers=2, dropout=1.0, dtype=F64, rng=63)
    x = Tensor(rand(T, B, I, seed=64))
    out_train = lstm(x)[0].data
    # p = 1 drops everything between the layers: layer 2 sees zeros. Not after the last.
    second = LSTM(H, H, dtype=F64)
    second.load_state_dict(
        {k.replace("_l1", "_l0"): v for k, v in lstm.state_dict().items() if "_l1" in k}
    )
    expected = second(Tensor(np.zeros((T, B, H))))[0].data
    np.testing.assert_allclose(out_train, expected, rtol=1e-12)
    assert np.abs(out_train).sum() > 0
    lstm.eval()
    no_dropout = LSTM(I, H, num_layers=2, dtype=F64)
    no_dropout.load_state_dict(lstm.state_dict())
    np.testing.assert_allclose(lstm(x)[0].data, no_dropout(x)[0].data, rtol=1e-13)


def test_dropout_masks_are_reproducible_and_random() -> None:
    x = Tensor(rand(T, B, I, seed=65))
    a = GRU(I, H, num_layers=2, dropout=0.5, dtype=F64, rng=66)
    b = GRU(I, H, num_layers=2, dropout=0.5, dtype=F64, rng=66)
    first = a(x)[0].data
    np.testing.assert_array_equal(first, b(x)[0].data)
    assert not np.allclose(first, a(x)[0].data)  # a new mask on the next call


def test_dropout_on_one_layer_warns() -> None:
    with pytest.warns(UserWarning, match="num_layers=1"):
        LSTM(I, H, dropout=0.5)


def test_initialisation_is_uniform_in_one_over_sqrt_hidden() -> None:
    hidden = 64
    bound = 1.0 / math.sqrt(hidden)
    for model in (
        LSTM(8, hidden, num_layers=2, peephole=True, rng=0),
        GRUCell(8, hidden, rng=0),
        RNN(8, hidden, bidirectional=True, rng=0),
    ):
        values = np.concatenate([p.data.ravel() for p in model.parameters()])
        assert values.dtype == np.float32
        assert np.abs(values).max() <= bound
        assert abs(values.std() - bound / math.sqrt(3)) < 0.03 * bound
        assert abs(values.mean()) < 0.02 * bound
    a, b = LSTM(3, 4, rng=5), LSTM(3, 4, rng=5)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_parameter_names_and_shapes() -> None:
    gru = GRU(I, H, num_layers=2, bidirectional=True, bias=False)
    assert {n: p.shape for n, p in gru.named_parameters()} == {
        "weight_ih_l0": (3 * H, I),
        "weight_hh_l0": (3 * H, H),
        "weight_ih_l0_reverse": (3 * H, I),
        "weight_hh_l0_reverse": (3 * H, H),
        "weight_ih_l1": (3 * H, 2 * H),
        "weight_hh_l1": (3 * H, H),
        "weight_ih_l1_reverse": (3 * H, 2 * H),
        "weight_hh_l1_reverse": (3 * H, H),
    }
    cell = LSTMCell(I, H, peephole=True)
    assert [n for n, _ in cell.named_parameters()] == [
        "weight_ih",
        "weight_hh",
        "bias_ih",
        "bias_hh",
        "weight_peephole",
    ]


def test_shapes_dtype_and_repr() -> None:
    lstm = LSTM(I, H, num_layers=3, batch_first=True, bidirectional=True)
    out, (h_n, c_n) = lstm(ag.randn(B, T, I, rng=0))
    assert out.shape == (B, T, 2 * H) and out.dtype == np.float32
    assert h_n.shape == c_n.shape == (6, B, H)
    assert repr(lstm).startswith("LSTM(5, 6, num_layers=3, batch_first=True, bidirectional=True)")
    assert repr(RNN(2, 3, nonlinearity="relu")).startswith("RNN(2, 3, nonlinearity='relu')")
    assert repr(LSTMCell(2, 3, bias=False)).startswith("LSTMCell(2, 3, bias=False)")


def test_bias_gradients_do_not_share_memory() -> None:
    """b_ih and b_hh get the same gradient in an RNN/LSTM, but as separate arrays: an
    in-place update of one (gradient clipping, say) must not touch the other."""
    for model in (LSTM(I, H, rng=0), RNN(I, H, rng=0), LSTMCell(I, H, rng=0)):
        out = model(
            ag.randn(T, B, I, rng=1) if not isinstance(model, LSTMCell) else ag.randn(B, I, rng=1)
        )
        (out[0] if isinstance(out, tuple) else out).sum().backward()
        grads = {n: p.grad.data for n, p in model.named_parameters()}
        b_ih = next(g for n, g in grads.items() if n.startswith("bias_ih"))
        b_hh = next(g for n, g in grads.items() if n.startswith("bias_hh"))
        np.testing.assert_array_equal(b_ih, b_hh)
        assert not np.shares_memory(b_ih, b_hh)


def test_lstm_learns_to_remember_the_first_input() -> None:
    """A tiny end-to-end check: plain gradient descent teaches the layer to output, after
    five steps, the sign it saw first (only the recurrence can carry it there)."""
    from nn.functional.linear import linear

    rng = np.random.default_rng(0)
    lstm = LSTM(1, 8, rng=1)
    head_w = Tensor(rng.uniform(-0.3, 0.3, (1, 8)).astype(np.float32), requires_grad=True)
    head_b = Tensor(np.zeros(1, np.float32), requires_grad=True)
    params = [*lstm.parameters(), head_w, head_b]
    x = rng.choice([-1.0, 1.0], size=(5, 32, 1)).astype(np.float32)
    losses = []
    for _ in range(150):
        out, _ = lstm(Tensor(x))
        diff = linear(out[-1], head_w, head_b) - x[0]
        loss = (diff * diff).mean()
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.3 * p.grad.data
        losses.append(loss.item())
    assert losses[-1] < 0.01 * losses[0]


# ---------------------------------------------------------------- errors
def test_layer_input_errors() -> None:
    lstm = LSTM(I, H, num_layers=2)
    with pytest.raises(
        ValueError,
        match=r"LSTM: expected input of shape \(seq, batch, "
        r"input_size\).*got shape \(4, 3, 2, 5\)",
    ):
        lstm(ag.zeros(T, B, 2, I))
    with pytest.raises(
        ValueError,
        match=r"input has 7 features \(shape \(4, 3, 7\)\) but "
        r"input_size=5",
    ):
        lstm(ag.zeros(T, B, 7))
    with pytest.raises(ValueError, match=r"h_0 has shape \(1, 3, 6\), expected \(2, 3, 6\)"):
        lstm(ag.zeros(T, B, I), (ag.zeros(1, B, H), ag.zeros(2, B, H)))
    with pytest.raises(ValueError, match=r"c_0 has shape \(2, 4, 6\), expected \(2, 3, 6\)"):
        lstm(ag.zeros(T, B, I), (ag.zeros(2, B, H), ag.zeros(2, 4, H)))
    with pytest.raises(ValueError, match=r"h_0 has shape \(2, 3, 6\), expected \(2, 6\)"):
        lstm(ag.zeros(T, I), (ag.zeros(2, B, H), ag.zeros(2, B, H)))
    with pytest.raises(TypeError, match="pair"):
        lstm(ag.zeros(T, B, I), ag.zeros(2, B, H))
    with pytest.raises(ValueError, match=r"empty input of shape \(0, 3, 5\)"):
        lstm(ag.zeros(0, B, I))
    with pytest.raises(TypeError, match="nn.Embedding"):
        GRU(I, H)(np.zeros((T, B, I), dtype=np.int64))
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, seq, input_size\)"):
        RNN(I, H, batch_first=True)(ag.zeros(I))
    with pytest.raises(ValueError, match=r"hx has shape \(3, 6\), expected \(1, 3, 6\)"):
        GRU(I, H)(ag.zeros(T, B, I), ag.zeros(B, H))
    with pytest.raises(TypeError, match="GRU: hx must be one Tensor, got a tuple"):
        GRU(I, H)(ag.zeros(T, B, I), (ag.zeros(1, B, H), ag.zeros(1, B, H)))


def test_cell_input_errors() -> None:
    cell = LSTMCell(I, H)
    with pytest.raises(
        ValueError,
        match=r"LSTMCell: expected input of shape \(batch, "
        r"input_size\).*got shape \(4, 3, 5\)",
    ):
        cell(ag.zeros(T, B, I))
    with pytest.raises(
        ValueError,
        match=r"input has 2 features \(shape \(3, 2\)\) but "
        r"input_size=5",
    ):
        cell(ag.zeros(B, 2))
    with pytest.raises(ValueError, match=r"c has shape \(3, 7\), expected \(3, 6\)"):
        cell(ag.zeros(B, I), (ag.zeros(B, H), ag.zeros(B, 7)))
    with pytest.raises(ValueError, match=r"hx has shape \(6,\), expected \(3, 6\)"):
        GRUCell(I, H)(ag.zeros(B, I), ag.zeros(H))
    with pytest.raises(ValueError, match=r"hx has shape \(3, 6\), expected \(6,\)"):
        RNNCell(I, H)(ag.zeros(I), ag.zeros(B, H))
    with pytest.raises(TypeError, match="GRUCell: hx must be one Tensor, got a tuple"):
        GRUCell(I, H)(ag.zeros(B, I), (ag.zeros(B, H), ag.zeros(B, H)))


def test_construction_errors() -> None:
    with pytest.raises(ValueError, match="nonlinearity 'sigmoid'"):
        RNN(I, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity 'gelu'"):
        RNNCell(I, H, nonlinearity="gelu")
    with pytest.raises(ValueError, match="num_layers"):
        GRU(I, H, num_layers=0)
    with pytest.raises(ValueError, match="dropout"):
        LSTM(I, H, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be positive"):
        LSTMCell(I, 0)


def test_fused_op_shape_errors_name_the_op() -> None:
    w_ih, w_hh = ag.zeros(4 * H, I), ag.zeros(4 * H, H)
    with pytest.raises(ValueError, match=r"lstm: state has shape \(2, 6\), expected"):
        R.LSTMCellOp.apply(
            ag.zeros(T, B, I), ag.zeros(2, H), ag.zeros(2, H), w_ih, w_hh, bias=False
        )
    with pytest.raises(ValueError, match=r"gru: weight_hh must be \(3 H, H\)"):
        R.GRUCellOp.apply(ag.zeros(T, B, I), ag.zeros(B, H), w_ih, w_hh)
    with pytest.raises(ValueError, match=r"rnn: weight_ih must be \(1 H, I\) = \(6, 5\)"):
        R.RNNCellOp.apply(ag.zeros(T, B, I), ag.zeros(B, H), ag.zeros(H, 2), ag.zeros(H, H))
    with pytest.raises(ValueError, match="both b_ih and b_hh"):
        R.gru_cell(
            ag.zeros(B, I),
            ag.zeros(B, H),
            ag.zeros(3 * H, I),
            ag.zeros(3 * H, H),
            b_ih=ag.zeros(3 * H),
        )


def test_warning_free_on_normal_use() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, _ = LSTM(I, H, num_layers=2, dropout=0.2)(ag.randn(T, B, I, rng=0))
        out.sum().backward()
