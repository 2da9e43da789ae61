"""PyTorch's factories, dtype inference and one seed (issue 10, item 4).

``tensor(data)`` infers dtypes like ``torch.tensor``; the ``Tensor(...)`` constructor
keeps the float default like ``torch.Tensor``; factories honour explicit dtypes; and
``autograd.manual_seed`` drives every default random stream (factories, initialisers,
dropout, DataLoader shuffling) while an explicit generator stays independent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor
from nn.data import DataLoader, TensorDataset

torch = pytest.importorskip("torch")


def np_dtype(t: Any) -> np.dtype:
    return t.detach().numpy().dtype if t.dtype != torch.bfloat16 else None


def assert_same(ours: Tensor, theirs: Any) -> None:
    assert isinstance(ours, Tensor), type(ours)
    assert ours.dtype == np_dtype(theirs), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------- tensor()
DATA = [
    1,
    2.5,
    True,
    [1, 2, 3],
    [[1, 2], [3, 4]],
    [1.0, 2],
    [1, 2.5],
    [True, False],
    [[True], [False]],
    [],
    np.array([1, 2], np.int32),
    np.array([1.5], np.float64),
    np.array([1.5], np.float32),
    np.array([True]),
    np.arange(3),
    np.float64(2.0),
    np.int64(3),
    np.array([1, 2], np.uint8),
    np.array([[1.0, 2.0]], np.float16),
]


@pytest.mark.parametrize("data", DATA, ids=[repr(d) for d in DATA])
def test_tensor_infers_dtypes_like_torch(data: Any) -> None:
    assert_same(ag.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("data", [[1, 2, 3], [True, False], 3, np.array([1, 2], np.int64)])
def test_tensor_constructor_keeps_the_float_default_like_torch_Tensor(data: Any) -> None:
    ours = Tensor(data)
    theirs = torch.Tensor(np.asarray(data, dtype=np.float32).reshape(np.shape(data)))
    assert ours.dtype == np.float32 and ours.dtype == np_dtype(theirs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_tensor_follows_the_default_float_dtype() -> None:
    ag.set_default_dtype(np.float64)
    try:
        assert ag.tensor([1.0, 2.0]).dtype == np.float64
        assert ag.tensor([1, 2]).dtype == np.int64  # ints are not floats
        assert ag.arange(0.0, 1.0, 0.25).dtype == np.float64
        assert ag.zeros(2).dtype == ag.full((2,), 0.5).dtype == np.float64
    finally:
        ag.set_default_dtype(np.float32)


def test_tensor_copies_from_numpy_shares() -> None:
    a = np.array([1.0, 2.0, 3.0])
    t = ag.tensor(a)
    a[0] = 99.0
    assert t.data[0] == 1.0  # a copy, as torch.tensor
    s = ag.from_numpy(a)
    a[1] = -5.0
    s.data[2] = 7.0
    assert s.data[1] == -5.0 and a[2] == 7.0 and s.dtype == np.float64  # shared memory
    assert ag.from_numpy(np.arange(3)).dtype == np.int64
    with pytest.raises(TypeError, match="from_numpy: expected a np.ndarray, got list"):
        ag.from_numpy([1.0])


def test_tensor_explicit_dtype_and_requires_grad() -> None:
    t = ag.tensor([1, 2], dtype=ag.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad
    assert ag.tensor(Tensor([1.0, 2.0])).dtype == np.float32
    with pytest.raises(TypeError, match="only floating tensors can require gradients"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="tensor: cannot make a Tensor from data of dtype"):
        ag.tensor(["a"])


# ----------------------------------------------------------------------------- ranges
ARANGES = [
    (5,),
    (2, 7),
    (1, 10, 3),
    (0, 1, 0.1),
    (5.0,),
    (0, 2, 0.5),
    (-3, 3),
    (10, 0, -2),
    (np.int64(4),),
]


@pytest.mark.parametrize("args", ARANGES, ids=[repr(a) for a in ARANGES])
def test_arange_keeps_integers_integer_like_torch(args: tuple) -> None:
    assert_same(ag.arange(*args), torch.arange(*args))


@pytest.mark.parametrize("dtype", ["float64", "int32", "float32"])
def test_arange_and_linspace_take_a_dtype(dtype: str) -> None:
    assert_same(
        ag.arange(0, 6, 2, dtype=getattr(ag, dtype)),
        torch.arange(0, 6, 2, dtype=getattr(torch, dtype)),
    )
    assert_same(
        ag.linspace(-1, 1, 5, dtype=getattr(ag, dtype)),
        torch.linspace(-1, 1, 5, dtype=getattr(torch, dtype)),
    )


@pytest.mark.parametrize(
    ("start", "end", "steps"), [(0, 1, 5), (-2.0, 3.0, 11), (1, 1, 1), (0, 1, 0)]
)
def test_linspace_matches_torch(start: float, end: float, steps: int) -> None:
    assert_same(ag.linspace(start, end, steps), torch.linspace(start, end, steps))


# ----------------------------------------------------------------------------- fills
DTYPES = ["int64", "int32", "bool", "float64", "float32", "uint8"]


@pytest.mark.parametrize("name", DTYPES)
def test_fill_factories_honour_an_explicit_dtype(name: str) -> None:
    d, td = getattr(ag, name), getattr(torch, name)
    assert_same(ag.zeros(2, 3, dtype=d), torch.zeros(2, 3, dtype=td))
    assert_same(ag.ones((2, 3), dtype=d), torch.ones((2, 3), dtype=td))
    assert_same(ag.full((2,), 1, dtype=d), torch.full((2,), 1, dtype=td))
    assert_same(ag.eye(3, dtype=d), torch.eye(3, dtype=td))
    assert ag.empty(2, 2, dtype=d).dtype == np.dtype(d)
    like = ag.tensor([[1, 2]], dtype=d)
    tlike = torch.tensor([[1, 2]], dtype=td)
    assert_same(ag.zeros_like(like), torch.zeros_like(tlike))
    assert_same(ag.ones_like(like), torch.ones_like(tlike))
    assert_same(ag.full_like(like, 1), torch.full_like(tlike, 1))
    assert ag.empty_like(like).dtype == np.dtype(d) and ag.empty_like(like).shape == (1, 2)


@pytest.mark.parametrize("value", [7, 2.5, True, np.float64(1.5)])
def test_full_infers_its_dtype_from_the_value_like_torch(value: Any) -> None:
    assert_same(ag.full((2, 2), value), torch.full((2, 2), value))


def test_like_factories_keep_the_model_dtype_or_take_one() -> None:
    x = ag.tensor([1, 2, 3])  # int64
    assert ag.zeros_like(x).dtype == np.int64
    assert ag.ones_like(x, dtype=ag.float32).dtype == np.float32
    assert ag.rand_like(Tensor(np.zeros(3))).dtype == np.float64
    assert ag.randn_like(Tensor(np.zeros(3)), dtype=ag.float32).dtype == np.float32
    assert ag.zeros(2, requires_grad=True).requires_grad


def test_factories_reject_bad_sizes() -> None:
    with pytest.raises(TypeError, match="zeros: sizes must be non-negative ints"):
        ag.zeros(2.5)
    with pytest.raises(TypeError, match="randn: sizes must be non-negative ints"):
        ag.randn(-1)
    with pytest.raises(ValueError, match="randint: needs low < high"):
        ag.randint(5, 5, (2,))
    with pytest.raises(TypeError, match=r"randint: takes \(high, size\)"):
        ag.randint(5)


# ----------------------------------------------------------------------------- random
def test_randint_and_randperm_are_int64_in_range() -> None:
    r = ag.randint(3, 10, (2000,), generator=0)
    assert r.dtype == np.int64 == torch.randint(3, 10, (5,)).numpy().dtype
    assert r.data.min() == 3 and r.data.max() == 9
    r2 = ag.randint(4, (3, 5))
    assert r2.shape == (3, 5) and 0 <= r2.data.min() and r2.data.max() < 4
    p = ag.randperm(50, generator=np.random.default_rng(1))
    assert p.dtype == np.int64 == torch.randperm(5).numpy().dtype
    np.testing.assert_array_equal(np.sort(p.data), np.arange(50))
    assert ag.randperm(4, dtype=ag.int32).dtype == np.int32


@pytest.mark.parametrize(
    "make",
    [
        lambda g: ag.randn(3, 4, generator=g),
        lambda g: ag.rand(5, generator=g),
        lambda g: ag.randint(0, 100, (6,), generator=g),
        lambda g: ag.randperm(9, generator=g),
        lambda g: ag.randn_like(Tensor(np.zeros(3)), generator=g),
        lambda g: ag.rand_like(Tensor(np.zeros(3)), generator=g),
    ],
)
def test_generator_makes_draws_reproducible_and_independent(make: Any) -> None:
    a = make(np.random.default_rng(7)).data
    np.testing.assert_array_equal(a, make(np.random.default_rng(7)).data)
    np.testing.assert_array_equal(a, make(7).data)  # a seed means a fresh generator
    assert not np.array_equal(a, make(8).data)
    ag.manual_seed(0)
    state = ag.get_rng_state()
    make(np.random.default_rng(3))  # an explicit generator does not touch the default
    assert ag.get_rng_state() == state


def test_generator_and_rng_are_one_argument() -> None:
    np.testing.assert_array_equal(ag.randn(3, rng=5).data, ag.randn(3, generator=5).data)
    with pytest.raises(TypeError, match="randn: got both generator=1 and rng=2"):
        ag.randn(3, generator=1, rng=2)
    with pytest.raises(TypeError, match="expected a seed"):
        ag.rand(2, generator=0.5)


def _model_weights(seed: int) -> list[np.ndarray]:
    ag.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    conv = nn.Conv2d(2, 3, 3)
    emb = nn.Embedding(10, 4)
    lstm = nn.LSTM(3, 5)
    mlp = nn.MLP([3, 6, 2])
    return [p.data.copy() for m in (model, conv, emb, lstm, mlp) for p in m.parameters()]


def test_manual_seed_makes_model_initialisation_reproducible() -> None:
    a, b, c = _model_weights(0), _model_weights(0), _model_weights(1)
    assert len(a) == len(b) == len(c) > 10
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert all(not np.array_equal(x, z) for x, z in zip(a, c) if x.std() > 0)


def test_manual_seed_makes_init_and_factories_reproducible() -> None:
    from nn import init

    def draw(seed: int) -> list[np.ndarray]:
        ag.manual_seed(seed)
        w = Tensor(np.zeros((4, 5)))
        init.kaiming_normal_(w)
        v = Tensor(np.zeros((4, 5)))
        init.orthogonal_(v)
        return [
            w.data.copy(),
            v.data.copy(),
            ag.randn(3).data,
            ag.rand(3).data,
            ag.randint(0, 1000, (3,)).data,
            ag.randperm(6).data,
        ]

    for x, y in zip(draw(3), draw(3)):
        np.testing.assert_array_equal(x, y)
    assert not any(np.array_equal(x, z) for x, z in zip(draw(3), draw(4)))


def _dropout_masks(seed: int) -> list[np.ndarray]:
    ag.manual_seed(seed)
    drop, drop2d = nn.Dropout(0.5), nn.Dropout2d(0.5)
    x = Tensor(np.ones((4, 6)))
    maps = Tensor(np.ones((2, 3, 2, 2)))
    from nn.functional import dropout

    return [drop(x).data, drop(x).data, drop2d(maps).data, dropout(x, 0.3).data]


def test_manual_seed_makes_dropout_masks_reproducible() -> None:
    a, b, c = _dropout_masks(5), _dropout_masks(5), _dropout_masks(6)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], a[1])  # successive masks still differ
    assert any(not np.array_equal(x, z) for x, z in zip(a, c))


def _loader_orders(seed: int) -> list[list[int]]:
    ds = TensorDataset(np.arange(20.0).reshape(20, 1), np.arange(20))
    ag.manual_seed(seed)
    loader = DataLoader(ds, batch_size=5, shuffle=True)
    # the loader keeps the default stream, so reseeding later still governs it
    return [[int(i) for _, y in loader for i in np.asarray(y)] for _ in range(2)]


def test_manual_seed_makes_dataloader_order_reproducible() -> None:
    a, b, c = _loader_orders(0), _loader_orders(0), _loader_orders(1)
    assert a == b and a != c
    assert a[0] != a[1]  # epochs differ
    assert sorted(a[0]) == list(range(20))


def test_manual_seed_drives_a_whole_training_run() -> None:
    from nn.data import DataLoader as Loader

    def run(seed: int) -> float:
        ag.manual_seed(seed)
        X = ag.randn(40, 3).data
        y = (X.sum(axis=1) > 0).astype(np.int64)
        model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.2), nn.ReLU(), nn.Linear(8, 2))
        opt = nn.optim.SGD(model.parameters(), lr=0.1)
        for xb, yb in Loader(TensorDataset(X, y), batch_size=8, shuffle=True):
            loss = nn.functional.cross_entropy(model(Tensor(xb)), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(loss.item())

    assert run(0) == run(0)
    assert run(0) != run(1)


def test_rng_state_round_trip_and_explicit_seeds() -> None:
    ag.manual_seed(11)
    state = ag.get_rng_state()
    first = ag.randn(4).data
    ag.set_rng_state(state)
    np.testing.assert_array_equal(ag.randn(4).data, first)
    g = ag.manual_seed(11)
    assert g is ag.default_generator() and isinstance(g, np.random.Generator)
    np.testing.assert_array_equal(ag.randn(4).data, first)
    # a layer given its own seed ignores (and does not consume) the default stream
    ag.manual_seed(0)
    state = ag.get_rng_state()
    w1 = nn.Linear(3, 2, rng=42).weight.data.copy()
    assert ag.get_rng_state() == state
    ag.manual_seed(99)
    np.testing.assert_array_equal(nn.Linear(3, 2, rng=42).weight.data, w1)
    with pytest.raises(TypeError, match="manual_seed: the seed must be an int"):
        ag.manual_seed(1.5)
    assert isinstance(ag.seed(), int)
