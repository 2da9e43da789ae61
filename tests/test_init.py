"""``nn.init``: sample statistics of every initialiser against its variance formula,
distribution family (uniform vs normal), bounds, seeding, orthogonality, fans and gains."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
from nn import init

SHAPE = (400, 300)  # fan_in 300, fan_out 400
CONV = (64, 32, 3, 3)  # fan_in 32*9 = 288, fan_out 64*9 = 576


def param(shape: tuple = SHAPE, dtype: Any = np.float64) -> nn.Parameter:
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def gain(name: str, a: float | None = None) -> float:
    return {
        "linear": 1.0,
        "sigmoid": 1.0,
        "tanh": 5.0 / 3.0,
        "relu": math.sqrt(2.0),
        "leaky_relu": math.sqrt(2.0 / (1.0 + (0.01 if a is None else a) ** 2)),
        "selu": 0.75,
    }[name]


# (initialiser call, expected variance from (fan_in, fan_out), "uniform" | "normal")
Spec = tuple[Callable[..., Any], Callable[[int, int], float], str]

SPECS: dict[str, Spec] = {
    "lecun_uniform": (lambda t, r: init.lecun_uniform_(t, rng=r), lambda i, o: 1 / i, "uniform"),
    "lecun_normal": (lambda t, r: init.lecun_normal_(t, rng=r), lambda i, o: 1 / i, "normal"),
    "xavier_uniform": (
        lambda t, r: init.xavier_uniform_(t, rng=r),
        lambda i, o: 2 / (i + o),
        "uniform",
    ),
    "xavier_uniform_gain": (
        lambda t, r: init.xavier_uniform_(t, gain=2.5, rng=r),
        lambda i, o: 6.25 * 2 / (i + o),
        "uniform",
    ),
    "xavier_normal": (
        lambda t, r: init.xavier_normal_(t, rng=r),
        lambda i, o: 2 / (i + o),
        "normal",
    ),
    "xavier_normal_gain": (
        lambda t, r: init.xavier_normal_(t, gain=gain("tanh"), rng=r),
        lambda i, o: gain("tanh") ** 2 * 2 / (i + o),
        "normal",
    ),
    "glorot_uniform": (
        lambda t, r: init.glorot_uniform_(t, rng=r),
        lambda i, o: 2 / (i + o),
        "uniform",
    ),
    "glorot_normal": (
        lambda t, r: init.glorot_normal_(t, gain=0.5, rng=r),
        lambda i, o: 0.25 * 2 / (i + o),
        "normal",
    ),
    "kaiming_uniform_relu": (
        lambda t, r: init.kaiming_uniform_(t, nonlinearity="relu", rng=r),
        lambda i, o: 2 / i,
        "uniform",
    ),
    "kaiming_normal_relu": (
        lambda t, r: init.kaiming_normal_(t, nonlinearity="relu", rng=r),
        lambda i, o: 2 / i,
        "normal",
    ),
    "kaiming_uniform_default": (
        lambda t, r: init.kaiming_uniform_(t, rng=r),
        lambda i, o: 2 / i,
        "uniform",
    ),  # leaky_relu, a=0
    "kaiming_normal_fan_out": (
        lambda t, r: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu", rng=r),
        lambda i, o: 2 / o,
        "normal",
    ),
    "kaiming_uniform_fan_out": (
        lambda t, r: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", rng=r),
        lambda i, o: 2 / o,
        "uniform",
    ),
    "kaiming_uniform_leaky": (
        lambda t, r: init.kaiming_uniform_(t, a=0.2, nonlinearity="leaky_relu", rng=r),
        lambda i, o: gain("leaky_relu", 0.2) ** 2 / i,
        "uniform",
    ),
    "kaiming_normal_leaky_sqrt5": (
        lambda t, r: init.kaiming_normal_(t, a=math.sqrt(5), rng=r),
        lambda i, o: (1 / 3) / i,
        "normal",
    ),
    "kaiming_normal_tanh": (
        lambda t, r: init.kaiming_normal_(t, nonlinearity="tanh", rng=r),
        lambda i, o: gain("tanh") ** 2 / i,
        "normal",
    ),
    "he_uniform": (
        lambda t, r: init.he_uniform_(t, nonlinearity="relu", rng=r),
        lambda i, o: 2 / i,
        "uniform",
    ),
    "he_normal": (
        lambda t, r: init.he_normal_(t, nonlinearity="relu", rng=r),
        lambda i, o: 2 / i,
        "normal",
    ),
    "uniform": (
        lambda t, r: init.uniform_(t, -0.3, 0.5, rng=r),
        lambda i, o: 0.8**2 / 12,
        "uniform",
    ),
    "uniform_default": (lambda t, r: init.uniform_(t, rng=r), lambda i, o: 1 / 12, "uniform"),
    "normal": (lambda t, r: init.normal_(t, 0.7, 0.2, rng=r), lambda i, o: 0.04, "normal"),
    "normal_default": (lambda t, r: init.normal_(t, rng=r), lambda i, o: 1.0, "normal"),
}
MEANS = {"uniform": 0.1, "uniform_default": 0.5, "normal": 0.7}
FAMILY_KURTOSIS = {"uniform": 1.8, "normal": 3.0}


def kurtosis(a: np.ndarray) -> float:
    c = a - a.mean()
    return float((c**4).mean() / (c**2).mean() ** 2)


@pytest.mark.parametrize("shape", [SHAPE, CONV], ids=["linear", "conv"])
@pytest.mark.parametrize("name", list(SPECS))
def test_initialiser_statistics(name: str, shape: tuple) -> None:
    fn, variance, family = SPECS[name]
    t = param(shape)
    out = fn(t, 0)
    assert out is t
    a = t.data.ravel()
    fan_in, fan_out = init.fan_in_and_fan_out(t)
    var = variance(fan_in, fan_out)
    mean = MEANS.get(name, 0.0)
    assert a.var() == pytest.approx(var, rel=0.03)
    assert abs(a.mean() - mean) < 5 * math.sqrt(var / a.size)
    assert kurtosis(a) == pytest.approx(FAMILY_KURTOSIS[family], abs=0.1)
    if family == "uniform":
        half_width = math.sqrt(3 * var)
        assert np.abs(a - mean).max() <= half_width * (1 + 1e-12)
        assert np.abs(a - mean).max() > 0.999 * half_width


def test_uniform_bounds_are_exact_intervals() -> None:
    t = init.uniform_(param(), -0.3, 0.5, rng=1)
    assert t.data.min() >= -0.3 and t.data.max() < 0.5
    assert t.data.min() < -0.29 and t.data.max() > 0.49


@pytest.mark.parametrize("name", list(SPECS))
def test_seed_reproducible_and_generator_accepted(name: str) -> None:
    fn = SPECS[name][0]
    a, b, c = param((20, 10)), param((20, 10)), param((20, 10))
    fn(a, 123)
    fn(b, 123)
    fn(c, 124)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, c.data)
    g = param((20, 10))
    fn(g, np.random.default_rng(123))
    np.testing.assert_array_equal(g.data, a.data)  # a seed means default_rng(seed)
    gen = np.random.default_rng(5)
    h1, h2 = param((20, 10)), param((20, 10))
    fn(h1, gen)
    fn(h2, gen)  # the same Generator advances: a different draw
    assert not np.array_equal(h1.data, h2.data)


@pytest.mark.parametrize("name", list(SPECS))
def test_initialisers_write_in_place_and_keep_dtype(name: str) -> None:
    t = param((30, 20), dtype=np.float32)
    array = t._data
    SPECS[name][0](t, 0)
    assert t._data is array and t.dtype == np.float32
    assert np.all(np.isfinite(array)) and array.std() > 0


@pytest.mark.parametrize(
    ("fn", "value"),
    [
        (init.zeros_, 0.0),
        (init.ones_, 1.0),
        (lambda t: init.constant_(t, -2.5), -2.5),
    ],
)
def test_constant_initialisers(fn: Callable, value: float) -> None:
    t = nn.Parameter(np.random.default_rng(0).normal(size=(7, 5)))
    array = t._data
    assert fn(t) is t
    assert t._data is array
    np.testing.assert_array_equal(t.data, np.full((7, 5), value))


# ----------------------------------------------------------------------------- orthogonal
@pytest.mark.parametrize("shape", [(300, 200), (200, 300), (64, 64), (16, 4, 3, 3), (8, 2, 3)])
@pytest.mark.parametrize("g", [1.0, math.sqrt(2.0), 0.5])
def test_orthogonal(shape: tuple, g: float) -> None:
    t = init.orthogonal_(param(shape), gain=g, rng=0)
    m = t.data.reshape(shape[0], -1)
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, g**2 * np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_reproducible_and_random() -> None:
    a = init.orthogonal_(param((10, 10)), rng=3).data
    b = init.orthogonal_(param((10, 10)), rng=3).data
    c = init.orthogonal_(param((10, 10)), rng=4).data
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    # signs fixed from R's diagonal: the distribution is Haar, so entries are not biased
    entries = np.concatenate(
        [init.orthogonal_(param((50, 50)), rng=s).data.ravel() for s in range(8)]
    )
    assert abs(entries.mean()) < 5 * math.sqrt(1 / 50 / entries.size)
    assert entries.var() == pytest.approx(1 / 50, rel=0.05)


def test_orthogonal_float32() -> None:
    t = init.orthogonal_(param((40, 30), dtype=np.float32), rng=0)
    assert t.dtype == np.float32
    np.testing.assert_allclose(t.data.T @ t.data, np.eye(30), atol=1e-5)


# ----------------------------------------------------------------------------- fans, gains
@pytest.mark.parametrize(
    ("shape", "fans"),
    [
        ((5, 3), (3, 5)),
        (SHAPE, (300, 400)),
        (CONV, (288, 576)),
        ((4, 2, 5), (10, 20)),
    ],
)
def test_fan_in_and_fan_out(shape: tuple, fans: tuple) -> None:
    assert init.fan_in_and_fan_out(param(shape)) == fans


def test_fans_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for shape in [(5, 3), SHAPE, CONV, (4, 2, 5), (3, 2, 1, 1, 4)]:
        expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert init.fan_in_and_fan_out(param(shape)) == tuple(expected)


@pytest.mark.parametrize(
    "fn",
    [
        init.lecun_uniform_,
        init.lecun_normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.orthogonal_,
    ],
)
def test_one_dimensional_tensor_is_rejected(fn: Callable) -> None:
    with pytest.raises(ValueError, match="dimension"):
        fn(param((5,)))


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_bad_mode(fn: Callable) -> None:
    with pytest.raises(ValueError, match="fan_avg"):
        fn(param((4, 3)), mode="fan_avg")


GAIN_ARGS = [
    ("linear", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("selu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 0),
    ("leaky_relu", 1),
    ("leaky_relu", math.sqrt(5)),
    ("conv1d", None),
    ("conv2d", None),
    ("conv3d", None),
    ("conv_transpose1d", None),
    ("conv_transpose2d", None),
    ("conv_transpose3d", None),
]


@pytest.mark.parametrize(("name", "p"), GAIN_ARGS)
def test_calculate_gain_matches_torch(name: str, p: Any) -> None:
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(name, p) == pytest.approx(
        torch.nn.init.calculate_gain(name, p), rel=1e-15
    )


def test_calculate_gain_values_and_unknown() -> None:
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("identity") == 1.0
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="swish"):
        init.calculate_gain("swish")
