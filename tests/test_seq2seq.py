"""Encoder–decoder: context = encoder's final state, teacher forcing, greedy decoding, and
a real learning test (reversing digit strings)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from nn.data import DataLoader, TensorDataset
from nn.functional import sequence_cross_entropy
from nn.models.seq2seq import Decoder, Encoder, Seq2Seq, make_reversal_task, sequence_accuracy
from nn.optim import Adam, CosineAnnealingLR
from nn.train import fit


# ============================================================== the task
def test_reversal_task_layout():
    src, tgt_in, tgt_out = make_reversal_task(50, 5, vocab=10, random_state=0)
    assert src.shape == tgt_in.shape == tgt_out.shape == (50, 5)
    assert src.dtype == tgt_in.dtype == tgt_out.dtype == np.int64
    assert src.min() >= 0 and src.max() <= 9
    assert np.array_equal(tgt_out, src[:, ::-1])
    assert (tgt_in[:, 0] == 10).all()  # BOS = vocab
    assert np.array_equal(tgt_in[:, 1:], tgt_out[:, :-1])  # shifted right by one
    again = make_reversal_task(50, 5, vocab=10, random_state=0)
    assert all(np.array_equal(a, b) for a, b in zip((src, tgt_in, tgt_out), again))
    with pytest.raises(ValueError, match=">= 1"):
        make_reversal_task(0, 5)


def test_sequence_accuracy_counts_whole_rows():
    target = np.array([[1, 2], [3, 4], [5, 6], [7, 8]])
    pred = np.array([[1, 2], [3, 0], [5, 6], [0, 8]])
    assert sequence_accuracy(pred, target) == 0.5
    with pytest.raises(ValueError, match="differ"):
        sequence_accuracy(pred[:, :1], target)


# ============================================================== the architecture
@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_context_is_the_encoders_final_state_and_teacher_forcing_is_stepwise(cell):
    src, tgt_in, tgt_out = make_reversal_task(3, 4, vocab=6, random_state=1)
    model = Seq2Seq(7, embed_dim=5, hidden_size=6, cell=cell, rng=0)
    logits = model(src, tgt_in)
    assert logits.shape == (3, 4, 7)

    outputs, context = model.encoder(src)
    h = context[0] if cell == "lstm" else context
    np.testing.assert_allclose(h.data[-1], outputs.data[:, -1], rtol=1e-6)  # final state
    # the decoder depends on the source only through the context
    alone, _ = model.decoder(tgt_in, context)
    np.testing.assert_allclose(logits.data, alone.data, rtol=1e-6)
    # teacher forcing in one call == feeding the true tokens one step at a time
    state, steps = context, []
    for t in range(4):
        step_logits, state = model.decoder(tgt_in[:, t : t + 1], state)
        steps.append(step_logits.data[:, 0])
    np.testing.assert_allclose(np.stack(steps, axis=1), logits.data, rtol=1e-5, atol=1e-6)


def test_gradient_reaches_the_encoder_through_the_context():
    src, tgt_in, tgt_out = make_reversal_task(4, 3, vocab=5, random_state=0)
    model = Seq2Seq(6, 4, 5, cell="lstm", rng=0)
    sequence_cross_entropy(model(src, tgt_in), tgt_out).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and np.abs(p.grad.data).max() > 0, name


def test_separate_target_vocabulary_and_repr():
    model = Seq2Seq(5, 4, 6, tgt_vocab_size=9, rng=0)
    assert model(np.zeros((2, 3), np.int64), np.zeros((2, 4), np.int64)).shape == (2, 4, 9)
    assert isinstance(model.encoder, Encoder) and isinstance(model.decoder, Decoder)
    assert "cell='gru'" in repr(model)


def _biased_towards(model: Seq2Seq, token: int) -> None:
    """Make the decoder always prefer ``token`` whatever its state."""
    bias = np.full(model.tgt_vocab_size, -50.0, dtype=np.float32)
    bias[token] = 50.0
    model.decoder.out.bias.data = bias


def test_greedy_decode_feeds_back_and_stops_at_eos():
    src = np.array([[1, 2, 3], [3, 2, 1]])
    model = Seq2Seq(6, 4, 5, rng=0)
    _biased_towards(model, 4)
    out = model.greedy_decode(src, max_len=7, bos_id=5)
    assert out.shape == (2, 7) and out.dtype == np.int64 and (out == 4).all()
    assert model.training  # mode restored
    stopped = model.greedy_decode(src, max_len=7, bos_id=5, eos_id=4)
    assert stopped.shape == (2, 1) and (stopped == 4).all()  # everyone finished at once
    with pytest.raises(ValueError, match="max_len"):
        model.greedy_decode(src, max_len=0, bos_id=5)
    with pytest.raises(ValueError, match="integer token ids"):
        model.greedy_decode(src.astype(np.float32), max_len=3, bos_id=5)


def test_greedy_decode_equals_argmax_of_teacher_forcing_on_its_own_output():
    """Greedy decoding is teacher forcing on the tokens it chose itself."""
    src, _, _ = make_reversal_task(5, 4, vocab=6, random_state=3)
    model = Seq2Seq(7, 5, 8, cell="lstm", rng=1)
    pred = model.greedy_decode(src, max_len=4, bos_id=6)
    tgt_in = np.concatenate([np.full((5, 1), 6), pred[:, :-1]], axis=1)
    assert np.array_equal(model(src, tgt_in).data.argmax(-1), pred)


def test_unknown_cell_is_refused():
    with pytest.raises(ValueError, match="unknown cell"):
        Seq2Seq(5, 4, 4, cell="transformer")


# ============================================================== real learning
def _reversal_data(n_train: int, n_test: int, seed: int):
    """Training strings and held-out test strings that never occur in training."""
    src, tgt_in, tgt_out = make_reversal_task(n_train + 3 * n_test, 5, random_state=seed)
    keys = src @ (10 ** np.arange(5))
    seen = set(keys[:n_train].tolist())
    unseen = np.flatnonzero([k not in seen for k in keys[n_train:]])[:n_test] + n_train
    assert len(unseen) == n_test
    train = (src[:n_train], tgt_in[:n_train], tgt_out[:n_train])
    return train, (src[unseen], tgt_out[unseen])


def _train_reverser(cell: str, epochs: int):
    (src, tgt_in, tgt_out), (src_test, tgt_test) = _reversal_data(20000, 1000, seed=0)
    model = Seq2Seq(11, embed_dim=32, hidden_size=128, cell=cell, rng=0)
    loader = DataLoader(
        TensorDataset(src, tgt_in, tgt_out), batch_size=64, shuffle=True, generator=0
    )
    optimizer = Adam(model.parameters(), lr=5e-3)
    start = time.perf_counter()
    history = fit(
        model,
        sequence_cross_entropy,
        optimizer,
        loader,
        epochs=epochs,
        scheduler=CosineAnnealingLR(optimizer, T_max=epochs),
        clip_grad_norm=1.0,
        progress=False,
    )
    seconds = time.perf_counter() - start
    accuracy = sequence_accuracy(model.greedy_decode(src_test, 5, bos_id=10), tgt_test)
    print(
        f"{cell} reverser: loss {history.train_loss}, held-out sequence accuracy "
        f"{accuracy:.3f}, {seconds:.1f} s"
    )
    return model, src_test, accuracy


@pytest.mark.slow
def test_gru_seq2seq_learns_to_reverse_digit_strings(one_blas_thread):
    """GRU(32 -> 128) encoder and decoder, 20,000 strings of 5 digits, Adam 5e-3 with
    cosine decay, 4 epochs of teacher forcing (~6 s of CPU; 10-17 s wall on a busy 2-core
    machine): greedy decoding gets 1,000 of 1,000 held-out strings completely right."""
    model, src_test, accuracy = _train_reverser("gru", epochs=4)
    assert accuracy >= 0.95
    # with an end token: everything after the first eos_id is eos_id, the rest unchanged
    plain = model.greedy_decode(src_test[:200], 5, bos_id=10)
    cut = model.greedy_decode(src_test[:200], 5, bos_id=10, eos_id=3)
    for p, c in zip(plain, cut):
        hits = np.flatnonzero(p == 3)
        first = hits[0] if len(hits) else len(p)
        assert np.array_equal(c[: first + 1], p[: first + 1]) and (c[first:] == 3).all()


@pytest.mark.slow
def test_lstm_seq2seq_learns_to_reverse_digit_strings(one_blas_thread):
    """The same with LSTM cells (context = (h, c)), 3 epochs: 100% (~7 s of CPU)."""
    _, _, accuracy = _train_reverser("lstm", epochs=3)
    assert accuracy >= 0.95
