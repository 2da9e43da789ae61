"""Timing shared by the benchmarks: contestants interleaved, best run kept."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_times(
    fns: dict[str, Callable[[], Any]], repeats: int
) -> tuple[dict[str, float], dict[str, Any]]:
    """Seconds of each contestant's fastest run, and what its warm-up run returned.

    Contestants run interleaved (A B C A B C ...), so a burst of background load hits
    everyone alike and cannot inflate one ratio; the first call of each (imports, caches,
    BLAS thread start-up) is a warm-up whose result (e.g. a loss) is returned so callers
    can show that every contestant computes the same thing.
    """
    first = {name: fn() for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: min(ts) for name, ts in times.items()}, first
