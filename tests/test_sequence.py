"""Truncated BPTT: stream layout, state carried but gradient cut, and a char model learns."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import autograd
from autograd import Tensor, topological_order
from nn.data import SequenceLoader, detach_state
from nn.datasets import CharVocab, load_corpus
from nn.functional import sequence_cross_entropy
from nn.models.char_rnn import CharRNN, generate, recurrent_layer
from nn.optim import SGD, Adam
from nn.train import evaluate_truncated, fit_truncated_bptt


# ============================================================== SequenceLoader
def test_chunks_are_exact_streams_with_targets_shifted_by_one():
    data = np.arange(23)  # 22 (input, target) pairs -> 3 streams of 7, one pair dropped
    loader = SequenceLoader(data, seq_len=3, batch_size=3)
    assert loader.steps_per_stream == 7 and len(loader) == 3
    chunks = list(loader)
    assert [x.shape for x, _ in chunks] == [(3, 3), (3, 3), (3, 1)]
    x0, t0 = chunks[0]
    assert x0.dtype == np.int64 and isinstance(x0, Tensor) and not x0.requires_grad
    assert x0.tolist() == [[0, 1, 2], [7, 8, 9], [14, 15, 16]]
    assert t0.tolist() == [[1, 2, 3], [8, 9, 10], [15, 16, 17]]
    x2, t2 = chunks[2]
    assert x2.tolist() == [[6], [13], [20]] and t2.tolist() == [[7], [14], [21]]
    # row b of chunk k + 1 continues row b of chunk k
    for (xa, _), (xb, _) in zip(chunks, chunks[1:]):
        assert np.array_equal(xa[:, -1] + 1, xb[:, 0])
    # every stream, concatenated, is a contiguous block of the data
    stream = np.concatenate([x for x, _ in chunks], axis=1)
    assert np.array_equal(stream, np.arange(21).reshape(3, 7))
    target = np.concatenate([t for _, t in chunks], axis=1)
    assert np.array_equal(target, stream + 1)


def test_drop_last_and_time_major_layout():
    loader = SequenceLoader(np.arange(23), seq_len=3, batch_size=3, drop_last=True)
    assert len(loader) == 2 and [x.shape for x, _ in loader] == [(3, 3), (3, 3)]
    x, t = next(iter(SequenceLoader(np.arange(23), 3, 3, batch_first=False)))
    assert x.shape == (3, 3) and x[:, 0].tolist() == [0, 1, 2]  # (T, B): column = stream
    assert t[:, 1].tolist() == [8, 9, 10]


def test_real_valued_features_become_tensors_of_the_default_dtype():
    series = np.sin(np.linspace(0, 10, 41))[:, None].repeat(2, axis=1)  # (41, 2) float64
    loader = SequenceLoader(series, seq_len=5, batch_size=4)
    x, t = next(iter(loader))
    assert isinstance(x, Tensor) and x.shape == (4, 5, 2) and x.dtype == np.float32
    np.testing.assert_allclose(t.data[:, :-1], x.data[:, 1:])


def test_loader_errors():
    with pytest.raises(ValueError, match="seq_len"):
        SequenceLoader(np.arange(10), seq_len=0, batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        SequenceLoader(np.arange(10), seq_len=2, batch_size=True)
    with pytest.raises(ValueError, match="cannot feed"):
        SequenceLoader(np.arange(4), seq_len=2, batch_size=4)
    with pytest.raises(ValueError, match="one sequence"):
        SequenceLoader(np.zeros((3, 4, 5)), seq_len=2, batch_size=1)


# ============================================================== detach_state
def test_detach_state_keeps_values_and_structure_and_drops_history():
    w = Tensor(np.ones(3), requires_grad=True)
    h, c = w * 2.0, w * 3.0
    assert detach_state(None) is None
    d = detach_state(h)
    assert d.is_leaf and not d.requires_grad and d._data is h._data
    pair = detach_state((h, c))
    assert isinstance(pair, tuple) and [p.data.tolist() for p in pair] == [[2.0] * 3, [3.0] * 3]
    assert all(p.is_leaf and not p.requires_grad for p in pair)
    nested = detach_state([(h, c), h])
    assert isinstance(nested, list) and nested[0][1].is_leaf
    with pytest.raises(TypeError, match="detach_state"):
        detach_state({"h": h})


# ============================================================== the cut at the boundary
def _interior(root: Tensor) -> set[int]:
    return {id(n) for n in topological_order(root) if n.parents}


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_state_is_carried_but_no_gradient_crosses_the_boundary(cell):
    rng = np.random.default_rng(0)
    model = CharRNN(7, embed_dim=4, hidden_size=5, cell=cell, rng=0)
    x1, x2 = rng.integers(0, 7, (2, 6)), rng.integers(0, 7, (2, 6))
    t1, t2 = rng.integers(0, 7, (2, 6)), rng.integers(0, 7, (2, 6))
    # a parameter-free probe: the first chunk's initial state is a leaf that wants grad
    h0 = Tensor(rng.standard_normal((1, 2, 5)).astype(np.float32), requires_grad=True)
    state0 = (h0, Tensor(np.zeros((1, 2, 5), np.float32))) if cell == "lstm" else h0

    logits1, state1 = model(x1, state0)
    loss1 = sequence_cross_entropy(logits1, t1)
    carried = detach_state(state1)
    logits2, _ = model(x2, carried)
    loss2 = sequence_cross_entropy(logits2, t2)

    # the values are carried: chunk 2 starts exactly where chunk 1 ended ...
    finals = state1 if isinstance(state1, tuple) else (state1,)
    starts = carried if isinstance(carried, tuple) else (carried,)
    for final, start in zip(finals, starts):
        assert np.array_equal(start.data, final.data) and start.is_leaf
    # ... and chunked == unchunked forward (the model saw the whole context)
    whole, _ = model(np.concatenate([x1, x2], axis=1), state0)
    np.testing.assert_allclose(logits2.data, whole.data[:, 6:], rtol=1e-5, atol=1e-6)

    # ... but the graph of chunk 2's loss shares no interior node with chunk 1's
    graph2 = {id(n) for n in topological_order(loss2)}  # by identity: == is elementwise
    assert _interior(loss1).isdisjoint(graph2)
    assert all(id(f) not in graph2 for f in finals)
    assert id(h0) not in graph2
    loss2.backward()
    assert h0.grad is None  # the probe received nothing from chunk 2

    # control: without detaching, the same probe does receive a gradient
    logits2_attached, _ = model(x2, state1)
    sequence_cross_entropy(logits2_attached, t2).backward()
    assert h0.grad is not None and np.abs(h0.grad.data).max() > 0


def test_fit_truncated_bptt_feeds_detached_state_between_chunks(one_blas_thread):
    seen: list = []

    class Recorder(CharRNN):
        def forward(self, x, state=None):
            seen.append(state)
            return super().forward(x, state)

    model = Recorder(5, embed_dim=3, hidden_size=4, cell="lstm", rng=0)
    loader = SequenceLoader(np.arange(61) % 5, seq_len=4, batch_size=3)
    history = fit_truncated_bptt(
        model, sequence_cross_entropy, SGD(model.parameters(), lr=0.1), loader, epochs=2
    )
    assert len(history.train_loss) == 2 and history.lr == [0.1, 0.1]
    per_epoch = len(loader)
    assert len(seen) == 2 * per_epoch
    assert seen[0] is None and seen[per_epoch] is None  # every epoch restarts the streams
    for state in seen[1:per_epoch] + seen[per_epoch + 1 :]:
        h, c = state
        assert h.is_leaf and c.is_leaf and not h.requires_grad and h.shape == (1, 3, 4)


def test_fit_refuses_bad_epochs_and_callbacks_can_stop():
    model = CharRNN(5, 3, 4, cell="gru", rng=0)
    loader = SequenceLoader(np.arange(41) % 5, seq_len=4, batch_size=2)
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs"):
        fit_truncated_bptt(model, sequence_cross_entropy, opt, loader, epochs=-1)
    history = fit_truncated_bptt(
        model,
        sequence_cross_entropy,
        opt,
        loader,
        epochs=5,
        callbacks=[lambda epoch, logs, m: epoch == 1],
    )
    assert history.epoch == [0, 1] and history.stopped_epoch == 1


def test_sequence_cross_entropy_is_the_mean_over_all_steps():
    rng = np.random.default_rng(0)
    logits = Tensor(rng.standard_normal((2, 3, 4)))
    t = rng.integers(0, 4, (2, 3))
    logp = logits.data - np.log(np.exp(logits.data).sum(-1, keepdims=True))
    expected = -np.take_along_axis(logp, t[..., None], -1).mean()
    assert math.isclose(sequence_cross_entropy(logits, t).item(), expected, rel_tol=1e-12)
    with pytest.raises(ValueError, match="targets of shape"):
        sequence_cross_entropy(logits, t[:, :2])


def test_recurrent_layer_by_name():
    assert type(recurrent_layer("gru", 3, 4)).__name__ == "GRU"
    assert recurrent_layer("lstm", 3, 4).batch_first
    with pytest.raises(ValueError, match="unknown cell"):
        recurrent_layer("transformer", 3, 4)


# ============================================================== real learning
@pytest.mark.slow
def test_char_lstm_learns_the_bundled_corpus(one_blas_thread):
    """LSTM(16 -> 128) on 90% of the corpus (28.5k chars), 4 epochs of truncated BPTT
    (32 streams, 32 steps): the held-out loss falls from ln 58 = 4.06 nats (uniform)
    past the unigram entropy (3.27: what letter frequencies alone give) to about 2.0
    (perplexity ~7.5), i.e. the model uses context. ~1.5 s on 2 cores."""
    text = load_corpus("shakespeare")
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    split = int(0.9 * len(ids))
    train = SequenceLoader(ids[:split], seq_len=32, batch_size=32)
    val = SequenceLoader(ids[split:], seq_len=32, batch_size=8)
    counts = np.bincount(ids[:split], minlength=len(vocab)) / split
    unigram = -(counts[counts > 0] * np.log(counts[counts > 0])).sum()

    model = CharRNN(len(vocab), embed_dim=16, hidden_size=128, cell="lstm", rng=0)
    before = evaluate_truncated(model, sequence_cross_entropy, val)
    start = time.perf_counter()
    history = fit_truncated_bptt(
        model,
        sequence_cross_entropy,
        Adam(model.parameters(), lr=1e-2),
        train,
        epochs=4,
        clip_grad_norm=1.0,
        val_loader=val,
    )
    seconds = time.perf_counter() - start
    print(
        f"char LSTM: val loss {before:.3f} -> {history.val_loss}, unigram {unigram:.3f}, "
        f"{seconds:.1f} s"
    )
    assert before > 3.9
    assert history.train_loss == sorted(history.train_loss, reverse=True)
    assert history.val_loss[-1] < unigram - 0.8  # < 2.47: well past letter frequencies
    sample = vocab.decode(generate(model, vocab.encode("First Citizen:\n"), 200, 0.5, 0))
    assert len(sample) == 200
    # the learned model writes mostly in-vocabulary words: spaces about every 5 chars
    assert 0.1 < sample.count(" ") / len(sample) < 0.35


def test_generate_checks_and_restores_mode():
    model = CharRNN(5, 3, 4, rng=0)
    out = generate(model, np.array([1, 2]), 6, temperature=0.7, random_state=0)
    assert out.shape == (6,) and out.dtype == np.int64 and out.max() < 5
    assert np.array_equal(out, generate(model, np.array([1, 2]), 6, 0.7, 0))
    assert model.training
    with pytest.raises(ValueError, match="prompt"):
        generate(model, np.array([]), 3)
    with pytest.raises(ValueError, match="temperature"):
        generate(model, np.array([1]), 3, temperature=0.0)
    assert autograd.is_grad_enabled()
