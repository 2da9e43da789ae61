"""``nn.data.random_split`` / ``Subset`` and DataLoader's PyTorch-only arguments
(``num_workers``, ``pin_memory``, ...), checked against ``torch.utils.data``."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import nn.data.loader as data
from nn.data import DataLoader, Subset, TensorDataset, random_split

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def _ds(n: int) -> TensorDataset:
    return TensorDataset(np.arange(2 * n, dtype=np.float64).reshape(n, 2), np.arange(n))


# ----------------------------------------------------------------------------- random_split
@pytest.mark.parametrize("n", [0, 1, 7, 10, 11, 100])
@pytest.mark.parametrize(
    "lengths",
    [
        [0.5, 0.5],
        [0.3, 0.3, 0.4],
        [0.1, 0.2, 0.7],
        [0.33, 0.33, 0.34],
        [1.0],
        [0.25] * 4,
        [0.9, 0.1],
        [1 / 3] * 3,
    ],
)
def test_random_split_fraction_lengths_match_torch(n: int, lengths: list) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty splits warn in both libraries
        ours = random_split(_ds(n), lengths, generator=0)
        theirs = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s.indices) == list(range(n))


def test_random_split_integer_lengths_partition_and_reproducible() -> None:
    ds = _ds(10)
    a, b, c = random_split(ds, [3, 5, 2], generator=42)
    assert (len(a), len(b), len(c)) == (3, 5, 2)
    assert sorted(a.indices + b.indices + c.indices) == list(range(10))
    assert all(isinstance(s, Subset) and s.dataset is ds for s in (a, b, c))
    again = random_split(ds, [3, 5, 2], generator=42)
    assert [s.indices for s in again] == [a.indices, b.indices, c.indices]
    other = random_split(ds, [3, 5, 2], generator=43)
    assert [s.indices for s in other] != [a.indices, b.indices, c.indices]
    # a Generator object is consumed, so two calls differ
    rng = np.random.default_rng(0)
    assert (
        random_split(ds, [5, 5], generator=rng)[0].indices
        != random_split(ds, [5, 5], generator=rng)[0].indices
    )


def test_random_split_empty_fraction_warns_like_torch() -> None:
    with pytest.warns(UserWarning):
        tdata.random_split(range(3), [0.9, 0.1])
    with pytest.warns(UserWarning, match="split 1 is empty"):
        parts = random_split(_ds(3), [0.9, 0.1], generator=0)
    assert [len(p) for p in parts] == [3, 0]


@pytest.mark.parametrize("lengths", [[3, 3], [5, 6], [0.5, 0.6], [-1, 11], [2.5, 7.5], []])
def test_random_split_bad_lengths(lengths: list) -> None:
    with pytest.raises(ValueError, match="random_split"):
        random_split(_ds(10), lengths)
    if lengths in ([3, 3], [5, 6], [0.5, 0.6]):  # torch accepts [-1, 11] and fails later
        with pytest.raises(ValueError):
            tdata.random_split(range(10), lengths)


def test_random_split_fraction_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"fraction -0.5 at index 0 is not in \[0, 1\]"):
        random_split(_ds(10), [-0.5, 1.5])


def test_subset_indexing_matches_torch() -> None:
    X = np.arange(12.0).reshape(6, 2)
    ours = Subset(TensorDataset(X, np.arange(6)), [4, 0, 2])
    theirs = tdata.Subset(tdata.TensorDataset(torch.tensor(X), torch.arange(6)), [4, 0, 2])
    assert len(ours) == len(theirs) == 3
    for i in (0, 1, 2, -1):
        for a, b in zip(ours[i], theirs[i]):
            np.testing.assert_array_equal(a, b.numpy())
    for a, b in zip(ours[[2, 0]], theirs[[2, 0]]):
        np.testing.assert_array_equal(a, b.numpy())
    with pytest.raises(IndexError):
        ours[3]
    assert repr(ours) == "Subset(TensorDataset, 3 of 6)"


def test_subset_in_a_dataloader() -> None:
    train, test = random_split(_ds(10), [0.8, 0.2], generator=1)
    batches = list(DataLoader(train, batch_size=3, drop_last=True))
    assert [b[0].shape for b in batches] == [(3, 2), (3, 2)]
    seen = np.concatenate([b[1] for b in DataLoader(train, batch_size=3)])
    np.testing.assert_array_equal(seen, train.indices)  # ds[i] has label i
    assert len(DataLoader(test, batch_size=4)) == 1


# ----------------------------------------------------------------------------- DataLoader
def test_dataloader_parameter_names_and_order_match_torch() -> None:
    ours = inspect.signature(DataLoader.__init__).parameters
    theirs = inspect.signature(tdata.DataLoader.__init__).parameters
    assert list(ours) == list(theirs)
    for name in theirs:
        assert ours[name].kind == theirs[name].kind, name


def test_num_workers_warns_once_and_loads_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "_WORKERS_WARNED", False)
    ds = _ds(10)
    plain = [
        tuple(np.asarray(getattr(f, "data", f)) for f in b)
        for b in DataLoader(ds, batch_size=4, shuffle=True, generator=3)
    ]
    with pytest.warns(UserWarning, match="num_workers=2.*in-process.*worker_init_fn"):
        loader = DataLoader(
            ds,
            batch_size=4,
            shuffle=True,
            generator=3,
            num_workers=2,
            pin_memory=True,
            persistent_workers=True,
            prefetch_factor=4,
            timeout=5,
            worker_init_fn=lambda i: None,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second loader does not warn again
        DataLoader(ds, num_workers=4)
    got = [tuple(np.asarray(getattr(f, "data", f)) for f in b) for b in loader]
    assert len(got) == len(plain) == 3
    for a, b in zip(got, plain):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    assert loader.num_workers == 2 and loader.pin_memory is True


def test_pin_memory_alone_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loader = DataLoader(_ds(4), batch_size=2, pin_memory=True, timeout=0, in_order=True)
    assert len(list(loader)) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prefetch_factor": 2},
        {"persistent_workers": True},
        {"num_workers": -1},
        {"timeout": -1},
        {"multiprocessing_context": "spawn"},
    ],
)
def test_dataloader_rejects_what_torch_rejects(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        tdata.DataLoader(range(4), **kwargs)
    with pytest.raises(ValueError, match="DataLoader"):
        DataLoader(_ds(4), **kwargs)


def test_sampler_arguments_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="sampler is not supported.*Subset"):
        DataLoader(_ds(4), sampler=[0, 1, 2, 3])
    with pytest.raises(NotImplementedError, match="batch_sampler is not supported"):
        DataLoader(_ds(4), batch_sampler=[[0, 1], [2, 3]])
    with pytest.raises(TypeError, match="num_workers must be an int"):
        DataLoader(_ds(4), num_workers=1.5)
