"""nn.datasets: generators (shapes, labels, reproducibility), digits, corpus, CharVocab."""

from __future__ import annotations

import builtins
import sys

import numpy as np
import pytest

from autograd import Tensor
from nn.datasets import (
    CharVocab,
    available_corpora,
    load_corpus,
    load_digits,
    make_moons,
    make_sine_sequences,
    make_spiral,
)


def test_make_moons_unchanged():
    X, y = make_moons(101, noise=0.1, random_state=3)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [50, 51]
    X2, y2 = make_moons(101, noise=0.1, random_state=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    # noise-free points lie exactly on their half circles
    X0, y0 = make_moons(40, random_state=0)
    up = X0[y0 == 0]
    np.testing.assert_allclose(np.hypot(up[:, 0], up[:, 1]), 1.0)
    lo = X0[y0 == 1]
    np.testing.assert_allclose(np.hypot(1 - lo[:, 0], 0.5 - lo[:, 1]), 1.0)


def test_make_spiral_shapes_labels_geometry():
    X, y = make_spiral(n_per_class=50, n_classes=4, noise=0.0, random_state=0)
    assert X.shape == (200, 2) and X.dtype == np.float64
    assert y.shape == (200,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50, 50]
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.min() == 0.0 and np.isclose(r.max(), 1.0)
    # without noise, arm k is theta = 4k + 4r, i.e. X = r (sin theta, cos theta)
    theta = 4.0 * y + 4.0 * r
    np.testing.assert_allclose(X, np.stack([r * np.sin(theta), r * np.cos(theta)], 1), atol=1e-12)


def test_make_spiral_reproducible_and_noisy():
    a = make_spiral(30, random_state=1)
    b = make_spiral(30, random_state=1)
    c = make_spiral(30, random_state=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    with pytest.raises(ValueError):
        make_spiral(0)


def test_make_sine_sequences_shapes_and_shift():
    inputs, targets = make_sine_sequences(8, 25, random_state=0)
    assert inputs.shape == targets.shape == (8, 25, 1)
    assert inputs.dtype == np.float64
    # next-step prediction: the target at t is the input at t + 1
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])
    # different sequences have different phases/frequencies
    assert not np.allclose(inputs[0], inputs[1])


def test_make_sine_sequences_are_sines_without_noise():
    inputs, targets = make_sine_sequences(5, 40, noise=0.0, random_state=4)
    s = np.concatenate([inputs[:, :, 0], targets[:, -1:, 0]], axis=1)
    assert np.abs(s).max() <= 1.0 + 1e-12
    # a sampled sine satisfies s_(t+1) + s_(t-1) = 2 cos(2 pi f) s_t with one f per row
    ratio = (s[:, 2:] + s[:, :-2]) / 2.0
    for row, mid in zip(ratio, s[:, 1:-1]):
        keep = np.abs(mid) > 0.1
        c = row[keep] / mid[keep]
        np.testing.assert_allclose(c, c[0], atol=1e-9)
        f = np.arccos(c[0]) / (2 * np.pi)
        assert 0.02 - 1e-9 <= f <= 0.1 + 1e-9


def test_make_sine_sequences_reproducible_and_checked():
    a = make_sine_sequences(3, 10, random_state=9)
    b = make_sine_sequences(3, 10, random_state=9)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], make_sine_sequences(3, 10, random_state=10)[0])
    with pytest.raises(ValueError):
        make_sine_sequences(0, 10)
    with pytest.raises(ValueError):
        make_sine_sequences(2, 10, freq_range=(0.2, 0.1))


def test_load_digits_shapes():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 16.0
    assert sorted(np.unique(y).tolist()) == list(range(10))
    bunch = load_digits(return_X_y=False)
    assert bunch.images.shape == (1797, 8, 8)
    np.testing.assert_array_equal(bunch.data, X)


def test_load_digits_without_sklearn_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    for mod in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, mod)
    with pytest.raises(ImportError, match=r"pip install 'deltagrad\[data\]'"):
        load_digits()


def test_load_corpus():
    assert available_corpora() == ["shakespeare"]
    text = load_corpus()
    assert text == load_corpus("shakespeare")
    assert 20_000 <= len(text.encode("utf-8")) <= 100_000
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert text.isascii()
    with pytest.raises(ValueError, match="shakespeare"):
        load_corpus("no-such-corpus")


def test_char_vocab_round_trip():
    text = load_corpus()
    vocab = CharVocab(text)
    assert len(vocab) == vocab.vocab_size == len(set(text))
    assert vocab.itos == sorted(set(text))
    assert all(vocab.stoi[ch] == i for i, ch in enumerate(vocab.itos))
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert ids.min() >= 0 and ids.max() < len(vocab)
    assert vocab.decode(ids) == text
    assert vocab.decode(list(ids[:50])) == text[:50]
    assert vocab.decode(Tensor(ids[:10], dtype=np.int64)) == text[:10]
    assert vocab.decode(np.array([], dtype=np.int64)) == ""


def test_char_vocab_small_example_and_errors():
    vocab = CharVocab("hello")
    assert vocab.itos == ["e", "h", "l", "o"]
    assert vocab.encode("hole").tolist() == [1, 3, 2, 0]
    assert "h" in vocab and "z" not in vocab
    with pytest.raises(ValueError, match="'z'"):
        vocab.encode("hez")
    with pytest.raises(ValueError, match="€"):
        vocab.encode("h€")
    with pytest.raises(ValueError):
        vocab.decode([0, 4])
    with pytest.raises(ValueError):
        vocab.decode([[0, 1]])
    with pytest.raises(ValueError):
        CharVocab("")
    assert CharVocab("ünï").decode(CharVocab("ünï").encode("ïün")) == "ïün"
