"""Reshape gives a view whenever the strides allow one and otherwise a copy into an
array of the engine's cache (reused by the next step), on every NumPy: it tells the two
apart with the ``copy=False`` keyword (NumPy >= 2.1) or, before it, by giving a view the
new shape (which raises where only a copy would do)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd.ops.shape as shape_ops
from autograd import Tensor, array_cache

_NUMPY = tuple(int(p) for p in np.__version__.split(".")[:2])


@pytest.fixture(params=[True, False], ids=["copy-keyword", "numpy-before-2.1"])
def road(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param and not shape_ops._COPY_KEYWORD:
        pytest.skip("this NumPy has no reshape(copy=False)")
    if not request.param and _NUMPY >= (2, 5):
        # the road is taken only on NumPy < 2.1; 2.5 deprecates setting .shape
        pytest.skip("setting .shape is deprecated from NumPy 2.5")
    monkeypatch.setattr(shape_ops, "_COPY_KEYWORD", request.param)
    return request.param


def test_a_viewable_strided_reshape_is_a_view(road: bool) -> None:
    base = np.arange(2 * 6 * 4, dtype=np.float64).reshape(2, 6, 4)
    x = Tensor(base[:, ::2, :])  # (2, 3, 4), not contiguous; (2, 3, 4) -> (2, 12) can't view
    y = Tensor(base.transpose(1, 0, 2))  # (6, 2, 4): merging the last two axes can't view
    z = Tensor(base[::2])  # (1, 6, 4) strided on axis 0 only: (6, 4) is a view
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation on either road
        zr = z.reshape(6, 4)
        xr = x.reshape(2, 12)
        yr = y.reshape(6, 8)
    assert np.shares_memory(zr.data, base)
    np.testing.assert_array_equal(zr.data, base[::2].reshape(6, 4))
    np.testing.assert_array_equal(xr.data, base[:, ::2, :].reshape(2, 12))
    np.testing.assert_array_equal(yr.data, base.transpose(1, 0, 2).reshape(6, 8))


def test_a_bad_shape_is_refused(road: bool) -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4)[:, ::2])
    with pytest.raises(ValueError, match=r"cannot reshape \(2, 2, 4\)"):
        x.reshape(5, -1)


def _from_the_cache(a: np.ndarray) -> bool:
    kept = [k for arrays in array_cache.cache._kept.values() for k in arrays]
    return any(np.shares_memory(a, k) for k in kept)


def test_a_large_copy_comes_from_the_cache_and_a_view_does_not(road: bool) -> None:
    base = np.ones((64, 64, 32), dtype=np.float32)  # 512 KB: above the cache's minimum
    copied = Tensor(base.transpose(1, 0, 2)).reshape(64, -1)  # only a copy can do this
    strided = Tensor(base[:, ::2])  # (64, 32, 32), every other row
    assert np.shares_memory(strided.data, base)
    viewed = strided.reshape(64, 32, 4, 8)  # splitting the contiguous last axis: a view
    assert _from_the_cache(copied.data) and not np.shares_memory(copied.data, base)
    assert np.shares_memory(viewed.data, base) and not _from_the_cache(viewed.data)
