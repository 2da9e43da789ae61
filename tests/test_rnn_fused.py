"""The whole-sequence LSTM kernel (``nn.functional.recurrent_lstm``, the no-peephole path
of ``LSTMCellOp``) and the fused recurrent layers in float32 as well as float64.

* against PyTorch in float32 and float64 (dtype kept): outputs, final states and the
  gradients w.r.t. the input, the initial states and every weight, for odd sizes,
  T = 1, B = 1, given or default states, batch_first, 2 layers, bidirectional, no bias,
  non-contiguous inputs;
* against the unrolled textbook cell (``fused=False``) and the step-by-step peephole
  kernel with a zero peephole, to 1e-12 in float64;
* gradcheck (central differences, float64) of the op itself, forward and reverse, and
  a second backward through a retained graph giving the same gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from nn.functional import recurrent as R
from nn.functional.recurrent_lstm import (
    from_oifg,
    negate_sigmoid_blocks,
    to_oifg,
    weight_blocks,
)
from nn.layers.rnn import GRU, LSTM, RNN

# float32 runs accumulate rounding over T steps; these bounds still fail on a wrong gate
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


def rand(*shape: int, seed: int, dtype: Any = np.float64) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape).astype(dtype)


def to_torch(ours: Any, theirs: Any, torch: Any, dtype: Any) -> Any:
    theirs = theirs.double() if dtype == np.float64 else theirs.float()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    return theirs


def check_close(ours: Any, theirs: Any, dtype: Any, what: str) -> None:
    theirs = theirs.detach().numpy()
    ours = ours.data if isinstance(ours, Tensor) else ours
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs {theirs.shape}"
    assert ours.dtype == dtype, f"{what}: dtype {ours.dtype}, expected {np.dtype(dtype)}"
    np.testing.assert_allclose(ours, theirs, err_msg=what, **TOL[dtype])


def run_both(
    torch: Any,
    cls: type,
    torch_name: str,
    dtype: Any,
    config: dict,
    shape: tuple,
    with_state: bool,
    seed: int = 0,
    transpose_input: bool = False,
) -> None:
    """One forward and backward of our layer and torch's on the same weights and inputs;
    compares everything (values, dtypes, all gradients)."""
    size_in, hidden = shape[-1], config.pop("hidden")
    ours = cls(size_in, hidden, **config, dtype=dtype, rng=seed)
    theirs = to_torch(ours, getattr(torch.nn, torch_name)(size_in, hidden, **config), torch, dtype)
    if transpose_input:  # a non-contiguous input: the transpose of a stored array
        x = rand(*shape[::-1], seed=seed + 1, dtype=dtype).T
        assert not x.flags.c_contiguous
    else:
        x = rand(*shape, seed=seed + 1, dtype=dtype)
    xs, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    states, tstates = [], []
    if with_state:
        directions = 2 if config.get("bidirectional") else 1
        batch = (
            () if len(shape) == 2 else (shape[1] if not config.get("batch_first") else shape[0],)
        )
        state_shape = (config.get("num_layers", 1) * directions, *batch, hidden)
        count = 2 if cls is LSTM else 1
        for k in range(count):
            s = rand(*state_shape, seed=seed + 2 + k, dtype=dtype)
            states.append(Tensor(s, requires_grad=True))
            tstates.append(torch.tensor(s, requires_grad=True))
    hx = (tuple(states) if cls is LSTM else states[0]) if with_state else None
    thx = (tuple(tstates) if cls is LSTM else tstates[0]) if with_state else None
    out, final = ours(xs, hx)
    tout, tfinal = theirs(tx, thx)
    finals = list(final) if isinstance(final, tuple) else [final]
    tfinals = list(tfinal) if isinstance(tfinal, tuple) else [tfinal]
    check_close(out, tout, dtype, "output")
    for k, (f, tf) in enumerate(zip(finals, tfinals)):
        check_close(f, tf, dtype, f"final state {k}")
    # a randomly weighted sum of everything, so every element's gradient matters
    loss, tloss = 0.0, 0.0
    for k, (t, tt) in enumerate(zip([out, *finals], [tout, *tfinals])):
        w = rand(*t.shape, seed=seed + 10 + k, dtype=dtype)
        loss = loss + (t * w).sum()
        tloss = tloss + (tt * torch.from_numpy(w)).sum()
    loss.backward()
    tloss.backward()
    check_close(xs.grad, tx.grad, dtype, "input gradient")
    for k, (s, ts) in enumerate(zip(states, tstates)):
        check_close(s.grad, ts.grad, dtype, f"initial state {k} gradient")
    for name, p in ours.named_parameters():
        check_close(p.grad, theirs.get_parameter(name).grad, dtype, f"gradient of {name}")


CONFIGS = [
    pytest.param({"hidden": 7}, (5, 3, 4), id="odd-sizes"),
    pytest.param({"hidden": 5}, (1, 1, 3), id="one-step-one-sample"),
    pytest.param({"hidden": 6, "batch_first": True}, (3, 6, 5), id="batch-first"),
    pytest.param(
        {"hidden": 4, "num_layers": 2, "bidirectional": True},
        (6, 2, 3),
        id="2-layers-bidirectional",
    ),
    pytest.param(
        {"hidden": 3, "bias": False, "bidirectional": True}, (4, 2, 5), id="no-bias-bidirectional"
    ),
    pytest.param({"hidden": 6}, (4, 5), id="unbatched"),
]
MODULES = [
    pytest.param(LSTM, "LSTM", id="lstm"),
    pytest.param(GRU, "GRU", id="gru"),
    pytest.param(RNN, "RNN", id="rnn"),
]


@pytest.mark.parametrize("cls, torch_name", MODULES)
@pytest.mark.parametrize("config, shape", CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
def test_fused_layer_matches_torch(
    torch: Any, cls: type, torch_name: str, config: dict, shape: tuple, dtype: Any, with_state: bool
) -> None:
    run_both(torch, cls, torch_name, dtype, dict(config), shape, with_state)


@pytest.mark.parametrize("cls, torch_name", MODULES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_fused_layer_non_contiguous_input(
    torch: Any, cls: type, torch_name: str, dtype: Any
) -> None:
    run_both(
        torch,
        cls,
        torch_name,
        dtype,
        {"hidden": 5, "batch_first": True},
        (3, 4, 2),
        with_state=True,
        seed=3,
        transpose_input=True,
    )


def test_benchmark_shapes_float32_match_torch(torch: Any) -> None:
    """The speed workload's sizes (B 32, T 35, I 32, H 128, batch_first, float32)."""
    run_both(
        torch,
        LSTM,
        "LSTM",
        np.float32,
        {"hidden": 128, "batch_first": True},
        (32, 35, 32),
        with_state=False,
        seed=7,
    )


# ---------------------------------------------------------------- the op itself
def lstm_inputs(steps: int, batch: int, size_in: int, hidden: int, seed: int) -> list:
    shapes = [
        (steps, batch, size_in),
        (batch, hidden),
        (batch, hidden),
        (4 * hidden, size_in),
        (4 * hidden, hidden),
        (4 * hidden,),
        (4 * hidden,),
    ]
    return [Tensor(rand(*s, seed=seed + k), requires_grad=True) for k, s in enumerate(shapes)]


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_lstm_op_gradcheck(reverse: bool, bias: bool) -> None:
    inputs = lstm_inputs(4, 2, 3, 3, seed=40)
    if not bias:
        inputs = inputs[:5]

    def fn(*args: Tensor) -> Tensor:
        out = R.LSTMCellOp.apply(*args, bias=bias, reverse=reverse)
        return (out * Tensor(rand(*out.shape, seed=49))).sum()

    assert ag.gradcheck(fn, inputs)


def test_lstm_op_single_step_gradcheck() -> None:
    x, h0, c0, *weights = lstm_inputs(1, 3, 2, 4, seed=50)
    x = Tensor(x.data[0], requires_grad=True)  # (B, I): one step, output (2, B, H)

    def fn(*args: Tensor) -> Tensor:
        out = R.LSTMCellOp.apply(*args)
        assert out.shape == (2, 3, 4)
        return (out * Tensor(rand(2, 3, 4, seed=59))).sum()

    assert ag.gradcheck(fn, [x, h0, c0, *weights])


@pytest.mark.parametrize("reverse", [False, True])
def test_plain_kernel_equals_zero_peephole_kernel_and_reference(reverse: bool) -> None:
    """Three independent implementations: the whole-sequence kernel (no peephole), the
    step-by-step kernel (a peephole of zeros) and the unrolled Tensor-op cell."""
    results = []
    for mode in ("plain", "zero-peephole", "reference"):
        inputs = lstm_inputs(5, 3, 4, 6, seed=60)
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = inputs
        peephole = Tensor(np.zeros((3, 6)), requires_grad=True) if mode != "plain" else None
        out, (h_n, c_n) = R.lstm_sequence(
            x,
            (h0, c0),
            w_ih,
            w_hh,
            b_ih,
            b_hh,
            peephole,
            reverse=reverse,
            fused=mode != "reference",
        )
        loss = (
            (out * Tensor(rand(5, 3, 6, seed=61))).sum()
            + (h_n * 2.0).sum()
            + (c_n * Tensor(rand(3, 6, seed=62))).sum()
        )
        loss.backward()
        results.append([out.data, h_n.data, c_n.data, *(t.grad.data for t in inputs)])
    for plain, stepwise, reference in zip(*results):
        np.testing.assert_allclose(plain, stepwise, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(plain, reference, rtol=1e-12, atol=1e-14)


def test_second_backward_through_retained_graph_gives_same_gradients() -> None:
    """The backward must not overwrite what the forward saved."""
    lstm = LSTM(3, 4, dtype=np.float64, rng=70)
    x = Tensor(rand(5, 2, 3, seed=71), requires_grad=True)
    out, (h_n, c_n) = lstm(x)
    loss = (out * out).sum() + c_n.sum()
    loss.backward()  # the graph stays: a second backward may run
    first = [x.grad.data.copy(), *(p.grad.data.copy() for p in lstm.parameters())]
    x.grad = None
    lstm.zero_grad()
    loss.backward()
    second = [x.grad.data, *(p.grad.data for p in lstm.parameters())]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_extreme_pre_activations_saturate_without_warnings() -> None:
    """Gates pushed to +-1000: sigma saturates to exactly 0 or 1 (e^-a overflows to inf
    inside the kernel, silently), and the result is finite."""
    lstm = LSTM(2, 3, dtype=np.float32, rng=80)
    x = Tensor(
        np.array([[[1000.0, -1000.0]], [[-1000.0, 1000.0]]], dtype=np.float32), requires_grad=True
    )
    with np.errstate(all="raise"):
        out, (h_n, c_n) = lstm(x)
        (out.sum() + c_n.sum()).backward()
    assert np.isfinite(out.data).all() and np.isfinite(x.grad.data).all()
    assert all(np.isfinite(p.grad.data).all() for p in lstm.parameters())


def test_gate_reordering_round_trips() -> None:
    w = np.arange(4 * 2 * 3).reshape(8, 3)  # gate blocks i, f, g, o of 2 rows each
    reordered = to_oifg(w)
    np.testing.assert_array_equal(reordered[:2], w[6:8])  # o first ...
    np.testing.assert_array_equal(reordered[2:], w[:6])  # ... then i, f, g
    np.testing.assert_array_equal(from_oifg(reordered), w)
    blocks = weight_blocks(w)  # (4, K, H): blocks[k] = W_k^T, o-i-f-g order
    assert blocks.shape == (4, 3, 2) and blocks.flags.c_contiguous
    np.testing.assert_array_equal(blocks[0], w[6:8].T)
    np.testing.assert_array_equal(blocks[3], w[4:6].T)


def test_negate_sigmoid_blocks_flips_o_i_f_only() -> None:
    blocks = np.arange(8.0).reshape(4, 2)  # gate-major o, i, f, g
    assert negate_sigmoid_blocks(blocks) is blocks  # in place
    np.testing.assert_array_equal(blocks, [[-0.0, -1.0], [-2.0, -3.0], [-4.0, -5.0], [6.0, 7.0]])


def _lstm_with_negation_in_the_loop(
    x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """The forward as it was before the sign of the sigmoid gates moved into the weights:
    sigma(a) = 1 / (1 + e^(-a)) with np.negative inside the loop; same products, same order."""
    steps, batch, _ = x.shape
    hidden = w_hh.shape[1]
    gates = np.matmul(x.reshape(steps * batch, -1), weight_blocks(w_ih))
    gates = gates.reshape(4, steps, batch, hidden) + to_oifg(b).reshape(4, 1, 1, -1)
    h, c, hs = h0, c0, []
    for t in range(steps):
        a = gates[:, t] + np.matmul(h, weight_blocks(w_hh))
        o, i, f = 1.0 / (1.0 + np.exp(np.negative(a[:3])))
        g = np.tanh(a[3])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    return np.stack(hs + [c])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sign_folded_into_weights_is_bit_for_bit_the_old_forward(dtype: Any) -> None:
    """Negation is exact, so -W, -b give exactly -(x W^T + b + h W_hh^T): the outputs
    must be identical to the last bit, not merely close."""
    steps, batch, size_in, hidden = 7, 3, 5, 6
    shapes = [
        (steps, batch, size_in),
        (batch, hidden),
        (batch, hidden),
        (4 * hidden, size_in),
        (4 * hidden, hidden),
        (4 * hidden,),
        (4 * hidden,),
    ]
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = (
        rand(*shape, seed=120 + k, dtype=dtype) for k, shape in enumerate(shapes)
    )
    out = R.LSTMCellOp.apply(*(Tensor(a) for a in (x, h0, c0, w_ih, w_hh, b_ih, b_hh)), bias=True)
    expected = _lstm_with_negation_in_the_loop(x, h0, c0, w_ih, w_hh, b_ih + b_hh)
    assert out.data.dtype == dtype
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("cls", [LSTM, GRU, RNN])
def test_two_live_graphs_keep_their_own_saved_arrays(cls: type) -> None:
    """The forward's saved arrays are recycled only when their op dies: two forwards
    before either backward, backward in the other order, each matches a lone run."""
    lstm = cls(3, 4, dtype=np.float32, rng=90)
    xs = [
        Tensor(rand(6, 2, 3, seed=91 + k, dtype=np.float32), requires_grad=True) for k in range(2)
    ]
    alone = []
    for x in xs:
        out, _ = lstm(x)
        (out * out).sum().backward()
        alone.append(x.grad.data.copy())
        x.grad = None
    losses = []
    for x in xs:
        out, _ = lstm(x)
        losses.append((out * out).sum())
    for k in (1, 0):
        losses[k].backward()
        np.testing.assert_array_equal(xs[k].grad.data, alone[k])


@pytest.mark.parametrize("cls", [LSTM, GRU, RNN])
def test_recycled_arrays_do_not_leak_old_values(cls: type) -> None:
    """A step after steps of other values (its arrays reused) gives the same values and
    gradients as the first: every element of the reused arrays is rewritten."""
    model = cls(2, 3, dtype=np.float64, rng=95)
    big = Tensor(rand(4, 5, 2, seed=96) * 50.0, requires_grad=True)
    results = []
    for _ in range(2):
        x = Tensor(rand(4, 5, 2, seed=97), requires_grad=True)
        out, _ = model(x)
        (out * out).sum().backward()
        results.append([out.data, x.grad.data, *(p.grad.data.copy() for p in model.parameters())])
        model.zero_grad()
        for _ in range(2):  # other values through the same arrays
            other, _ = model(big)
            other.sum().backward()
        model.zero_grad()
    for first, again in zip(*results):
        np.testing.assert_array_equal(again, first)


@pytest.mark.parametrize("frozen", ["w_ih", "biases", "both"])
def test_bias_gradient_with_frozen_input_weights(frozen: str) -> None:
    """dL/db comes out of dL/dW_ih's product (the bias folded in as a column of ones):
    it must not depend on whether W_ih itself wants a gradient, nor W_ih's on the biases."""
    full = lstm_inputs(5, 3, 4, 6, seed=70)
    part = lstm_inputs(5, 3, 4, 6, seed=70)
    if frozen in ("w_ih", "both"):
        part[3].requires_grad = False
    if frozen in ("biases", "both"):
        part[5].requires_grad = part[6].requires_grad = False
    weights = Tensor(rand(6, 3, 6, seed=79))
    for inputs in (full, part):
        (R.LSTMCellOp.apply(*inputs, bias=True) * weights).sum().backward()
    for k, (a, b) in enumerate(zip(full, part)):
        if b.requires_grad:
            np.testing.assert_array_equal(b.grad.data, a.grad.data, err_msg=f"input {k}")
        else:
            assert b.grad is None
