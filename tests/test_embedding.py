"""``nn.Embedding`` and ``F.embedding``: lookup, scatter-add gradient, padding row,
initialisation, index errors; against PyTorch where installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from nn.functional.embedding import embedding
from nn.layers.embedding import Embedding

F64 = np.float64


def indices(*shape: int, high: int = 7, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, size=shape)


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 2)])
def test_lookup_picks_rows(shape: tuple) -> None:
    emb = Embedding(7, 4, dtype=F64, rng=0)
    idx = indices(*shape)
    out = emb(idx)
    assert out.shape == shape + (4,)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])


def test_gradient_adds_up_repeated_tokens() -> None:
    emb = Embedding(5, 3, dtype=F64, rng=1)
    idx = np.array([[0, 2, 2], [4, 2, 0]])
    g = np.random.default_rng(2).standard_normal((2, 3, 3))
    (emb(idx) * g).sum().backward()
    expected = np.zeros((5, 3))
    np.add.at(expected, idx, g)
    np.testing.assert_allclose(emb.weight.grad.data, expected, rtol=1e-15)
    assert not emb.weight.grad.data[[1, 3]].any()  # unused rows get nothing


@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
def test_matches_torch(torch: Any, padding_idx: int | None) -> None:
    ours = Embedding(6, 4, padding_idx=padding_idx, dtype=F64, rng=3)
    theirs = torch.nn.Embedding(6, 4, padding_idx=padding_idx).double()
    theirs.load_state_dict({"weight": torch.from_numpy(ours.weight.data.copy())})
    idx = np.array([[0, 5, 3, 3], [1, 0, 5, 2]])
    out, tout = ours(idx), theirs(torch.from_numpy(idx))
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    g = np.random.default_rng(4).standard_normal(out.shape)
    (out * g).sum().backward()
    (tout * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize("padding_idx, row", [(2, 2), (-1, 5)])
def test_padding_row_starts_at_zero_and_gets_no_gradient(padding_idx: int, row: int) -> None:
    emb = Embedding(6, 3, padding_idx=padding_idx, dtype=F64, rng=5)
    assert emb.padding_idx == row
    assert not emb.weight.data[row].any()
    assert emb.weight.data[(row + 1) % 6].any()
    idx = np.array([row, 1, row, 4])
    out = emb(idx)
    assert not out.data[[0, 2]].any()
    (out * out + out).sum().backward()
    assert not emb.weight.grad.data[row].any()
    assert emb.weight.grad.data[[1, 4]].all()


def test_functional_form_and_integer_tensor_indices() -> None:
    w = Tensor(np.random.default_rng(6).standard_normal((4, 2)), requires_grad=True)
    idx = Tensor(np.array([3, 1, 3]), dtype=np.int64)
    out = embedding(idx, w, padding_idx=1)
    np.testing.assert_array_equal(out.data, w.data[[3, 1, 3]])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[0, 0], [0, 0], [0, 0], [2, 2]])


def cube_of_lookup(idx: np.ndarray, padding_idx: int | None = None) -> Any:
    def fn(w: Tensor) -> Tensor:
        e = embedding(idx, w, padding_idx=padding_idx)
        return e * e * e  # nonlinear, so the second derivative is not trivially zero

    return fn


def test_gradcheck_and_gradgradcheck() -> None:
    w = Tensor(np.random.default_rng(7).uniform(-1, 1, (4, 3)), requires_grad=True)
    fn = cube_of_lookup(np.array([[1, 3, 1], [0, 1, 2]]))
    assert ag.gradcheck(fn, [w])
    assert ag.gradgradcheck(fn, [w])


@pytest.mark.parametrize("create_graph", [False, True])
def test_padding_gradient_is_the_true_gradient_with_the_padding_row_zeroed(
    create_graph: bool,
) -> None:
    """The padding row does change the output (it is looked up), but by definition it
    receives nothing; every other row gets the true derivative -- also when the backward
    pass is recorded for higher-order derivatives."""
    w = Tensor(np.random.default_rng(8).uniform(-1, 1, (4, 3)), requires_grad=True)
    fn = cube_of_lookup(np.array([[1, 3, 1], [0, 1, 2]]), padding_idx=1)
    (numeric,) = ag.numerical_grad(lambda w: fn(w).sum(), w)
    numeric[1] = 0.0
    (analytic,) = ag.grad(fn(w).sum(), [w], create_graph=create_graph)
    np.testing.assert_allclose(analytic.data, numeric, rtol=1e-6, atol=1e-8)
    if create_graph:  # the recorded gradient is differentiable: d/dw sum(dL/dw)
        (second,) = ag.grad(analytic.sum(), [w])
        assert not second.data[1].any()  # the padding row: nothing, again
        assert second.data[[0, 2, 3]].all()


def test_initialisation_is_standard_normal_and_seeded() -> None:
    emb = Embedding(400, 50, rng=8)
    assert emb.weight.dtype == np.float32
    assert abs(emb.weight.data.mean()) < 0.02
    assert abs(emb.weight.data.std() - 1.0) < 0.02
    np.testing.assert_array_equal(emb.weight.data, Embedding(400, 50, rng=8).weight.data)
    assert repr(Embedding(10, 3, padding_idx=0)).startswith("Embedding(10, 3, padding_idx=0)")


def test_from_pretrained() -> None:
    vectors = np.arange(12, dtype=F64).reshape(4, 3)
    frozen = Embedding.from_pretrained(vectors, padding_idx=0)
    assert frozen.weight.dtype == F64 and not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(np.array([0, 2])).data, vectors[[0, 2]])
    vectors[0] = -1.0  # a copy was taken
    assert frozen.weight.data[0, 0] == 0.0
    trainable = Embedding.from_pretrained(vectors, freeze=False)
    trainable(np.array([1, 1])).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.data[1], [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match=r"float \(num_embeddings, dim\) array"):
        Embedding.from_pretrained(np.zeros(3))


def test_embedding_feeds_an_lstm() -> None:
    from nn.layers.rnn import LSTM

    emb, lstm = Embedding(10, 4, rng=9), LSTM(4, 5, batch_first=True, rng=10)
    tokens = indices(2, 6, high=10, seed=11)
    out, _ = lstm(emb(tokens))
    assert out.shape == (2, 6, 5)
    out.sum().backward()
    used = np.unique(tokens)
    assert emb.weight.grad.data[used].any(axis=1).all()


# ---------------------------------------------------------------- errors
def test_index_out_of_range_names_the_index_and_vocabulary() -> None:
    emb = Embedding(5, 2)
    with pytest.raises(
        ValueError,
        match=r"index 7 is out of range for num_embeddings=5 "
        r"\(valid: 0..4\)",
    ):
        emb(np.array([1, 7, 2]))
    with pytest.raises(ValueError, match=r"index -1 is out of range for num_embeddings=5"):
        emb(np.array([[0, -1]]))
    with pytest.raises(ValueError, match="index 5 is out of range"):
        embedding(np.array([5]), Tensor(np.zeros((5, 2))))


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="indices must be integers"):
        Embedding(5, 2)(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx 5 is out of range for num_embeddings=5"):
        Embedding(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match="padding_idx -6"):
        Embedding(5, 2, padding_idx=-6)
    with pytest.raises(ValueError, match="must be positive"):
        Embedding(0, 2)
    with pytest.raises(ValueError, match=r"weight must be \(num_embeddings, dim\)"):
        embedding(np.array([0]), Tensor(np.zeros(5)))
