"""Fixtures shared by several test files."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest


@pytest.fixture
def one_blas_thread() -> Iterator[None]:
    """Small matrices: a second BLAS thread buys nothing, and when the cores are busy
    (pytest-xdist, other jobs) an oversubscribed multi-threaded BLAS makes the same
    training several times slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # comes with scikit-learn; without it, run as configured
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(limits=1, user_api="blas")
    with limits:
        yield
