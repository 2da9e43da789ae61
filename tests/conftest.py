"""Fixtures shared by several test files."""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def torch() -> Any:
    """PyTorch (2.13 CPU), the reference the tests compare with; skips when it is absent."""
    return pytest.importorskip("torch")


def load_bench(name: str) -> Any:
    """``bench/NAME.py`` as a module, loaded by its path: bench/ is not a package, and it
    must not go on sys.path, where its module names would shadow others' (a
    ``bench/profile.py`` once shadowed the standard library's, and cProfile failed)."""
    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel built from it (tests/test_packaging.py says how), once per
    session: test_packaging.py and test_package_description.py both look inside them.
    Tests using it carry ``pytest.mark.xdist_group("packaging")``: one worker builds."""
    from test_packaging import build_dists

    return build_dists(tmp_path_factory.mktemp("dist"))


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


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """The default Ctrl-C behaviour (KeyboardInterrupt), whatever the test runner set."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are only delivered to the main thread")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture
def japanese() -> Iterator[None]:
    """viz's language (the drawings' and the course helpers' words) set to Japanese for
    one test, and back to English after it."""
    import viz

    viz.set_language("ja")
    try:
        yield
    finally:
        viz.set_language("en")
