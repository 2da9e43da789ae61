"""nn.models.ensemble.Bagging: bootstrap samples, averaging rules, variance reduction."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn import functional as F
from nn.datasets import make_moons
from nn.models.ensemble import Bagging
from nn.optim import Adam


def _classifier_bag(n_models: int = 3, seed: int = 0) -> tuple[Bagging, np.ndarray]:
    X, y = make_moons(80, noise=0.2, random_state=seed)
    seeds = iter(range(100))
    bag = Bagging(lambda: nn.MLP([2, 16, 2], rng=next(seeds)), n_models=n_models, random_state=seed)
    bag.fit(X, y, F.cross_entropy, lambda p: Adam(p, lr=1e-2), epochs=5, batch_size=16)
    return bag, X


def test_fit_builds_members_on_distinct_bootstrap_samples():
    bag, X = _classifier_bag(n_models=4)
    assert len(bag) == len(bag.models) == 4
    assert len(bag.histories) == 4 and all(len(h) == 5 for h in bag.histories)
    assert bag.classification is True
    assert len({id(m) for m in bag.models}) == 4
    n = len(X)
    for idx in bag.bootstrap_indices:
        assert idx.shape == (n,) and idx.min() >= 0 and idx.max() < n
        assert len(np.unique(idx)) < n  # drawn with replacement: repeats, some left out
    for a in range(4):
        for b in range(a + 1, 4):
            assert not np.array_equal(bag.bootstrap_indices[a], bag.bootstrap_indices[b])
    # members end up different
    w = [m.layers[0].weight.data for m in bag.models]
    assert not np.allclose(w[0], w[1])


def test_bootstrap_is_reproducible_with_random_state():
    a, _ = _classifier_bag(n_models=2, seed=5)
    b, _ = _classifier_bag(n_models=2, seed=5)
    for ia, ib in zip(a.bootstrap_indices, b.bootstrap_indices):
        np.testing.assert_array_equal(ia, ib)


def test_averaged_prediction_is_the_mean_of_the_members():
    bag, X = _classifier_bag(n_models=3)
    each = bag.predict_all(X)
    assert each.shape == (3, len(X), 2)
    for m, model in enumerate(bag.models):
        model.eval()
        np.testing.assert_allclose(each[m], model(nn.data.to_batch_field(X)).data, rtol=1e-6)
    np.testing.assert_allclose(bag.predict(X, average="logits"), each.mean(axis=0), rtol=1e-6)
    probs = np.exp(each) / np.exp(each).sum(axis=2, keepdims=True)
    expected = probs.mean(axis=0)
    np.testing.assert_allclose(bag.predict(X, average="probs"), expected, rtol=1e-5)
    np.testing.assert_allclose(bag.predict(X), expected, rtol=1e-5)  # auto: class labels
    np.testing.assert_allclose(bag.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="average"):
        bag.predict(X, average="median")


def test_bagging_reduces_variance_on_noisy_regression():
    rng = np.random.default_rng(0)
    x_train = rng.uniform(-3, 3, size=(40, 1))
    y_train = np.sin(x_train) + rng.normal(0, 0.3, size=x_train.shape)
    x_test = np.linspace(-3, 3, 200)[:, None]
    y_test = np.sin(x_test)

    seeds = iter(range(100))
    bag = Bagging(
        lambda: nn.MLP([1, 32, 32, 1], activation="tanh", rng=next(seeds)),
        n_models=8,
        random_state=1,
    )
    bag.fit(x_train, y_train, F.mse_loss, lambda p: Adam(p, lr=1e-2), epochs=150, batch_size=16)
    assert bag.classification is False
    members = bag.predict_all(x_test)  # (M, 200, 1)
    single_errors = ((members - y_test) ** 2).mean(axis=(1, 2))
    ensemble = bag.predict(x_test)  # auto: plain mean for float targets
    np.testing.assert_allclose(ensemble, members.mean(axis=0), rtol=1e-6)
    ensemble_error = ((ensemble - y_test) ** 2).mean()
    assert ensemble_error <= single_errors.mean()
    # and by a visible margin: the members disagree, and averaging removes that spread
    spread = members.var(axis=0).mean()
    assert spread > 0.0
    np.testing.assert_allclose(single_errors.mean() - ensemble_error, spread, rtol=1e-4)
    assert ensemble_error < 0.9 * single_errors.mean()


def test_errors():
    with pytest.raises(ValueError):
        Bagging(lambda: nn.Linear(1, 1), n_models=0)
    with pytest.raises(TypeError):
        Bagging(nn.Linear(1, 1))  # an instance, not a factory
    bag = Bagging(lambda: nn.Linear(1, 1))
    with pytest.raises(ValueError, match="fit"):
        bag.predict(np.zeros((2, 1)))
    with pytest.raises(ValueError, match="samples"):
        bag.fit(np.zeros((3, 1)), np.zeros((2, 1)), F.mse_loss, lambda p: Adam(p))
    bag.fit(np.zeros((4, 1)), np.zeros((4, 1)), F.mse_loss, lambda p: Adam(p), epochs=1)
    with pytest.raises(ValueError, match="probs"):
        bag.predict(np.zeros((2, 1)), average="probs")
    assert "5 trained" in repr(bag)
