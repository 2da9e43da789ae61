"""Channel dropout: whole feature maps are dropped together, survivors scaled by
1/(1-p), identity in evaluation (checked against PyTorch there)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.functional.activation import dropout2d
from nn.layers.dropout import Dropout2d


def test_whole_maps_dropped_with_probability_p() -> None:
    p, n, c = 0.3, 200, 50
    x = Tensor(np.ones((n, c, 3, 4)))
    y = dropout2d(x, p, training=True, rng=np.random.default_rng(0)).data
    per_map = y.reshape(n, c, -1)
    # every map is either all zero or all 1/(1-p): one decision per map, not per pixel
    assert np.all(per_map.min(axis=2) == per_map.max(axis=2))
    assert set(np.unique(per_map)) <= {0.0, 1.0 / (1.0 - p)}
    dropped = (per_map[:, :, 0] == 0.0).mean()
    se = np.sqrt(p * (1 - p) / (n * c))  # binomial standard error of the fraction
    assert abs(dropped - p) < 4 * se
    assert abs(y.mean() - 1.0) < 4 * se / (1 - p)  # inverted dropout keeps the mean
    # independent decisions: the same channel is not dropped in every sample
    assert 0.0 < (per_map[:, 0, 0] == 0.0).mean() < 1.0


def test_unbatched_input_drops_channels() -> None:
    x = Tensor(np.ones((400, 2, 2)))  # (C, H, W): one image, 400 maps
    y = dropout2d(x, 0.5, rng=np.random.default_rng(1)).data.reshape(400, -1)
    assert np.all(y.min(axis=1) == y.max(axis=1))
    assert 0.4 < (y[:, 0] == 0.0).mean() < 0.6


def test_gradient_is_the_mask() -> None:
    x = Tensor(np.random.default_rng(2).normal(size=(4, 6, 3, 3)), requires_grad=True)
    y = dropout2d(x, 0.25, rng=np.random.default_rng(3))
    y.sum().backward()
    mask = x.grad.data
    np.testing.assert_allclose(y.data, x.data * mask)
    assert set(np.unique(mask)) <= {0.0, 1.0 / 0.75}


def test_eval_mode_and_edge_probabilities() -> None:
    x = Tensor(np.random.default_rng(4).normal(size=(2, 3, 4, 4)))
    assert dropout2d(x, 0.5, training=False) is x
    assert dropout2d(x, 0.0) is x
    np.testing.assert_array_equal(dropout2d(x, 1.0).data, 0.0)
    layer = Dropout2d(0.5, rng=0)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x.data)


def test_layer_reproducible_and_in_sequential() -> None:
    x = Tensor(np.ones((3, 8, 2, 2)))
    a = Dropout2d(0.5, rng=7)(x).data
    b = Dropout2d(0.5, rng=np.random.default_rng(7))(x).data
    np.testing.assert_array_equal(a, b)
    model = nn.Sequential(Dropout2d(0.5, rng=1))
    assert not np.array_equal(model(x).data, x.data)
    model.eval()
    np.testing.assert_array_equal(model(x).data, x.data)
    assert repr(Dropout2d(0.2)) == "Dropout2d(p=0.2)"


def test_eval_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).normal(size=(2, 3, 4, 5))
    ours, theirs = Dropout2d(0.4), torch.nn.Dropout2d(0.4)
    ours.eval()
    theirs.eval()
    np.testing.assert_array_equal(ours(Tensor(x)).data, theirs(torch.tensor(x)).numpy())


def test_training_structure_matches_torch() -> None:
    """Same rule as PyTorch for a 4-D input: each (n, c) map is kept whole or zeroed,
    survivors scaled by 1/(1-p)."""
    torch: Any = pytest.importorskip("torch")
    torch.manual_seed(0)
    x = np.ones((20, 30, 2, 3))
    theirs = torch.nn.functional.dropout2d(torch.tensor(x), 0.4, training=True).numpy()
    ours = dropout2d(Tensor(x), 0.4, rng=np.random.default_rng(0)).data
    for y in (theirs, ours):
        maps = y.reshape(20, 30, -1)
        assert np.all(maps.min(axis=2) == maps.max(axis=2))
        np.testing.assert_allclose(np.unique(maps), [0.0, 1 / 0.6])


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"dropout2d.*\(5, 4\)"):
        dropout2d(Tensor(np.ones((5, 4))), 0.5)
    with pytest.raises(ValueError, match=r"\(1, 2, 3, 4, 5\)"):
        dropout2d(Tensor(np.ones((1, 2, 3, 4, 5))), 0.5, training=False)
    with pytest.raises(ValueError, match="p must be"):
        dropout2d(Tensor(np.ones((1, 2, 3, 4))), 1.5)
    with pytest.raises(ValueError, match="p must be"):
        Dropout2d(-0.1)
