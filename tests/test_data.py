"""nn.data: datasets, DataLoader batching/shuffling, Standardizer, train_test_split, one_hot."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor
from nn.data import (
    DataLoader,
    Dataset,
    Standardizer,
    TensorDataset,
    default_collate,
    one_hot,
    train_test_split,
)


def _xy(n: int = 10, d: int = 3) -> tuple[np.ndarray, np.ndarray]:
    X = np.arange(n * d, dtype=np.float64).reshape(n, d)
    y = np.arange(n, dtype=np.int64) % 3
    return X, y


class ListDataset(Dataset):
    """A plain (non-Tensor) dataset: exercises the per-sample collate path."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = X, y

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        return self.X[i], int(self.y[i])


# ---------------------------------------------------------------- datasets
def test_dataset_is_abstract():
    with pytest.raises(TypeError):
        Dataset()  # type: ignore[abstract]


def test_tensor_dataset_indexing_and_len():
    X, y = _xy()
    ds = TensorDataset(X, y)
    assert len(ds) == 10
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi, X[4])
    assert yi == y[4]
    assert ds.tensors is ds.arrays


def test_tensor_dataset_accepts_tensors_without_copy():
    X = Tensor(np.ones((4, 2), dtype=np.float32))
    ds = TensorDataset(X, np.zeros(4, dtype=np.int64))
    assert ds.arrays[0] is X._data


def test_tensor_dataset_mismatched_lengths_raise_with_lengths():
    with pytest.raises(ValueError, match=r"\[10, 7\]"):
        TensorDataset(np.zeros((10, 2)), np.zeros(7))


def test_tensor_dataset_needs_arrays():
    with pytest.raises(ValueError):
        TensorDataset()
    with pytest.raises(ValueError, match="scalar"):
        TensorDataset(np.float64(1.0))


# ---------------------------------------------------------------- DataLoader
def test_batches_cover_data_in_order_without_shuffle():
    X, y = _xy(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


def test_batch_types_follow_the_policy():
    X, y = _xy(6)
    xb, yb = next(iter(DataLoader(TensorDataset(X, y.astype(np.int32)), batch_size=3)))
    assert isinstance(xb, Tensor) and xb.dtype == autograd.get_default_dtype()
    assert not xb.requires_grad
    # integer fields are int64 Tensors outside the graph, as PyTorch's DataLoader gives
    assert isinstance(yb, Tensor) and yb.dtype == np.int64 and not yb.requires_grad
    # a single sample of a TensorDataset is Tensors too (ds[0][0].to("cpu") works)
    x0, y0 = TensorDataset(X, y)[0]
    assert isinstance(x0, Tensor) and isinstance(y0, Tensor) and y0.shape == ()
    # float targets (regression) are Tensors too
    _, tb = next(iter(DataLoader(TensorDataset(X, X[:, 0]), batch_size=3)))
    assert isinstance(tb, Tensor)


def test_default_dtype_change_is_honoured():
    X, y = _xy(4)
    loader = DataLoader(TensorDataset(X, y), batch_size=2)
    assert next(iter(loader))[0].dtype == np.float32
    autograd.set_default_dtype(np.float64)
    try:
        assert next(iter(loader))[0].dtype == np.float64
    finally:
        autograd.set_default_dtype(np.float32)


def test_drop_last_and_len():
    X, y = _xy(10)
    ds = TensorDataset(X, y)
    loader = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [len(b[1]) for b in loader] == [4, 4]
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(ds, batch_size=5)) == 2
    assert len(DataLoader(ds, batch_size=11, drop_last=True)) == 0
    assert list(DataLoader(ds, batch_size=11, drop_last=True)) == []
    assert len(DataLoader(ds, batch_size=1)) == 10


def test_shuffle_is_a_permutation_reproducible_and_new_each_epoch():
    X, y = _xy(50)
    ds = TensorDataset(X, np.arange(50))

    def epoch_order(loader):
        return np.concatenate([b[1] for b in loader])

    a = DataLoader(ds, batch_size=8, shuffle=True, generator=123)
    b = DataLoader(ds, batch_size=8, shuffle=True, generator=123)
    a1, a2 = epoch_order(a), epoch_order(a)
    b1, b2 = epoch_order(b), epoch_order(b)
    np.testing.assert_array_equal(np.sort(a1), np.arange(50))  # every sample exactly once
    np.testing.assert_array_equal(a1, b1)  # same seed -> same sequence of epochs
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # a new order each epoch
    assert not np.array_equal(a1, np.arange(50))
    c1 = epoch_order(DataLoader(ds, batch_size=8, shuffle=True, generator=124))
    assert not np.array_equal(a1, c1)


def test_shuffled_inputs_stay_paired_with_targets():
    X, _ = _xy(20)
    ds = TensorDataset(X, np.arange(20))
    for xb, idx in DataLoader(ds, batch_size=6, shuffle=True, generator=np.random.default_rng(0)):
        np.testing.assert_array_equal(xb.data, X[idx].astype(np.float32))


def test_generic_dataset_path_matches_fast_path():
    X, y = _xy(9)
    fast = list(DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True, generator=5))
    slow = list(DataLoader(ListDataset(X, y), batch_size=4, shuffle=True, generator=5))
    assert len(fast) == len(slow) == 3
    for (xf, yf), (xs, ys) in zip(fast, slow):
        np.testing.assert_array_equal(xf.data, xs.data)
        np.testing.assert_array_equal(yf, ys)
        assert ys.dtype == np.int64


def test_custom_collate_fn_gets_the_samples():
    X, y = _xy(5)
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return samples

    batches = list(DataLoader(TensorDataset(X, y), batch_size=2, collate_fn=collate))
    assert seen == [2, 2, 1]
    assert isinstance(batches[0], list) and len(batches[0][0]) == 2


def test_default_collate_single_field_samples():
    batch = default_collate([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    assert isinstance(batch, tuple) and len(batch) == 1
    np.testing.assert_array_equal(batch[0].data, [[1, 2], [3, 4]])
    with pytest.raises(ValueError):
        default_collate([])


def test_loader_argument_errors():
    ds = TensorDataset(*_xy(4))
    with pytest.raises(ValueError):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError):
        DataLoader(ds, batch_size=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        DataLoader(42)


# ---------------------------------------------------------------- Standardizer
def test_standardizer_matches_numpy_formulas():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(100, 4))
    X[:, 2] = 7.0  # a constant feature
    s = Standardizer().fit(X)
    np.testing.assert_allclose(s.mean_, X.mean(axis=0))
    expected_std = X.std(axis=0)
    expected_std[2] = 1.0
    np.testing.assert_allclose(s.std_, expected_std)
    Z = s.transform(X)
    np.testing.assert_allclose(Z, (X - X.mean(axis=0)) / expected_std)
    np.testing.assert_allclose(Z[:, [0, 1, 3]].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, [0, 1, 3]].std(axis=0), 1.0)
    np.testing.assert_array_equal(Z[:, 2], 0.0)
    np.testing.assert_allclose(s.inverse_transform(Z), X)
    np.testing.assert_allclose(Standardizer().fit_transform(X), Z)


def test_standardizer_fit_on_train_applies_train_statistics_to_test():
    rng = np.random.default_rng(1)
    X_train = rng.normal(0.0, 1.0, size=(50, 3))
    X_test = rng.normal(5.0, 3.0, size=(20, 3))
    s = Standardizer().fit(X_train)
    np.testing.assert_allclose(s.transform(X_test), (X_test - X_train.mean(0)) / X_train.std(0))
    # the test set is not standardised to zero mean: its own statistics were not used
    assert np.all(s.transform(X_test).mean(axis=0) > 2.0)


def test_standardizer_keeps_float32_and_checks_usage():
    X = np.random.default_rng(2).normal(size=(10, 2)).astype(np.float32)
    s = Standardizer()
    with pytest.raises(ValueError, match="fit"):
        s.transform(X)
    assert s.fit(X).transform(X).dtype == np.float32
    assert s.transform(np.arange(4).reshape(2, 2)).dtype == np.float64
    with pytest.raises(ValueError, match="shape"):
        s.transform(np.zeros((3, 5)))


# ---------------------------------------------------------------- train_test_split
def test_split_sizes_and_partition():
    X, y = _xy(20)
    ids = np.arange(20)
    X_tr, X_te, y_tr, y_te, i_tr, i_te = train_test_split(X, y, ids, random_state=0)
    assert (len(X_tr), len(X_te)) == (15, 5)
    np.testing.assert_array_equal(np.sort(np.concatenate([i_tr, i_te])), ids)
    np.testing.assert_array_equal(X_tr, X[i_tr])  # rows stay paired across arrays
    np.testing.assert_array_equal(y_te, y[i_te])
    assert len(train_test_split(X, test_size=0.3)[1]) == 6  # ceil(0.3 * 20)
    assert len(train_test_split(X, test_size=0.33)[1]) == 7  # rounded up
    assert len(train_test_split(X, test_size=4)[1]) == 4


def test_split_reproducible_and_no_shuffle():
    X, y = _xy(30)
    a = train_test_split(X, y, random_state=7)
    b = train_test_split(X, y, random_state=7)
    c = train_test_split(X, y, random_state=8)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])
    X_tr, X_te = train_test_split(X, test_size=0.2, shuffle=False)
    np.testing.assert_array_equal(X_tr, X[:24])
    np.testing.assert_array_equal(X_te, X[24:])


def test_split_stratify_keeps_class_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100.0)[:, None]
    for seed in range(5):
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.2, stratify=y, random_state=seed
        )
        assert len(y_te) == 20
        np.testing.assert_array_equal(np.bincount(y_te), [12, 6, 2])
        np.testing.assert_array_equal(np.bincount(y_tr), [48, 24, 8])
        np.testing.assert_array_equal(y[X_te[:, 0].astype(int)], y_te)
    # when shares do not divide evenly the total is still exact
    y2 = np.array([0] * 7 + [1] * 7 + [2] * 7)
    _, y_te2 = train_test_split(y2, test_size=0.25, stratify=y2, random_state=0)
    assert len(y_te2) == 6 and np.bincount(y_te2, minlength=3).tolist() == [2, 2, 2]


def test_split_tensors_stay_tensors_and_errors():
    X = Tensor(np.arange(8.0).reshape(4, 2))
    X_tr, X_te = train_test_split(X, test_size=0.5, random_state=0)
    assert isinstance(X_tr, Tensor) and X_tr.shape == (2, 2)
    with pytest.raises(ValueError, match="lengths"):
        train_test_split(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError):
        train_test_split(np.zeros(5), test_size=1.5)
    with pytest.raises(ValueError):
        train_test_split(np.zeros(5), test_size=5)
    with pytest.raises(ValueError, match="shuffle"):
        train_test_split(np.zeros(5), stratify=np.zeros(5, dtype=int), shuffle=False)


# ---------------------------------------------------------------- one_hot
def test_one_hot_values_shape_dtype():
    t = one_hot(np.array([2, 0, 1]))
    np.testing.assert_array_equal(t, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert t.dtype == autograd.get_default_dtype()
    t5 = one_hot(np.array([[1, 3]]), num_classes=5)
    assert t5.shape == (1, 2, 5)
    np.testing.assert_array_equal(t5.argmax(-1), [[1, 3]])
    np.testing.assert_array_equal(t5.sum(-1), 1)
    assert one_hot([0, 1], dtype=np.int64).dtype == np.int64


def test_one_hot_errors():
    with pytest.raises(ValueError, match="out of range"):
        one_hot(np.array([0, 3]), num_classes=3)
    with pytest.raises(ValueError):
        one_hot(np.array([-1, 0]))
    with pytest.raises(TypeError):
        one_hot(np.array([0.0, 1.0]))
