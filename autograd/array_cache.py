"""Large arrays reused from one training step to the next: a small caching allocator.

Why. A training step makes the same large arrays every time (a layer's output, the
gradient of an activation, a weight's gradient) and drops them at the end of the step.
Under NumPy, glibc's ``malloc`` hands each array of a few hundred KB back to the system
when it dies (it unmaps it, or trims the top of its heap), so the next step's array is
untouched memory again and its first write faults once per 4 KB page, ~1-3 us each. On
the LSTM benchmark (T 35, B 32, H 128) that was ~730 faults, a fifth of the step.

How. :meth:`ArrayCache.empty` keeps every large array it hands out (a strong reference,
per shape and dtype) and hands the same array out again once nothing else refers to it:
CPython counts references exactly, and every holder counts -- a Tensor, a view (through
its ``base``), a ``memoryview``, a user's variable. An array somebody still holds is
never handed out twice. (A weak reference does not hold: the cache keeps the array
alive, so a ``weakref`` to it may later see another step's values.) Only arrays of at
least :attr:`~ArrayCache.min_bytes` are kept (small ones are cheap for ``malloc``), and
at most :attr:`~ArrayCache.budget_bytes` in all; beyond the budget, arrays nobody holds
are let go first, then new ones are plain ``np.empty``. Nothing global changes:
``malloc``, the garbage collector and NumPy keep their settings; :func:`clear` lets
every unheld array go at once.

Only the engine's own ops take arrays from here, for results they write in full.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Any

import numpy as np

__all__ = ["ArrayCache", "cache", "empty", "empty_like", "zeros", "clear"]


def _ref_counts(kept: list[np.ndarray]) -> list[int]:
    """``sys.getrefcount`` of each array in ``kept``, as seen from this loop."""
    counts = []
    for a in kept:
        counts.append(sys.getrefcount(a))
    return counts


# What _ref_counts reports for an array that only its list holds (the list, the loop
# variable and the call's argument on CPython 3.11-3.13; interpreters differ, so it is
# measured rather than assumed). Larger means somebody else holds the array.
_UNHELD = _ref_counts([np.empty(0)])[0]


class ArrayCache:
    """Arrays of at least ``min_bytes`` handed out again once nothing else holds them;
    at most ``budget_bytes`` kept in all. Thread-safe (one lock around each lookup)."""

    def __init__(self, min_bytes: int = 256 * 1024, budget_bytes: int = 64 * 1024 * 1024):
        self.min_bytes, self.budget_bytes = min_bytes, budget_bytes
        self._kept: dict[tuple[tuple[int, ...], np.dtype], list[np.ndarray]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays the cache keeps (held elsewhere or not)."""
        return self._bytes

    def empty(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An uninitialised C-contiguous array of ``shape`` and ``dtype`` (``np.empty``),
        reused when the cache has one of that shape that nobody holds any more."""
        dtype = np.dtype(dtype)
        nbytes = dtype.itemsize * math.prod(shape)
        if nbytes < self.min_bytes:  # (the common case: as cheap as np.empty)
            return np.empty(shape, dtype=dtype)
        with self._lock:
            return self._take(tuple(shape), dtype, nbytes)

    def empty_like(self, a: np.ndarray, dtype: Any = None) -> np.ndarray:
        """:meth:`empty` of ``a``'s shape laid out in ``a``'s memory order (NumPy's
        ``order="K"``): a result written elementwise from a transposed view keeps that
        layout, so the ops after it read memory in order as they did with ``a``."""
        dtype = a.dtype if dtype is None else np.dtype(dtype)
        if a.size * dtype.itemsize < self.min_bytes:  # (the common case: NumPy's own)
            return np.empty_like(a, dtype=dtype)
        if a.flags.c_contiguous or a.ndim < 2:
            return self.empty(a.shape, dtype)
        # the axes from the largest stride to the smallest: the order of a's memory
        order = sorted(range(a.ndim), key=lambda k: -abs(a.strides[k]))
        out = self.empty(tuple(a.shape[k] for k in order), dtype)
        return out.transpose(np.argsort(order))

    def zeros(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """:meth:`empty` filled with zeros (a ``memset`` on warm memory)."""
        out = self.empty(shape, dtype)
        out.fill(0)
        return out

    def _take(self, shape: tuple[int, ...], dtype: np.dtype, nbytes: int) -> np.ndarray:
        kept = self._kept.get((shape, dtype))
        if kept is None:
            kept = self._kept[(shape, dtype)] = []
        for i, count in enumerate(_ref_counts(kept)):
            if count == _UNHELD:
                return kept[i]
        if self._bytes + nbytes > self.budget_bytes:
            self._let_go(self._bytes + nbytes - self.budget_bytes)
            if self._bytes + nbytes > self.budget_bytes:
                return np.empty(shape, dtype=dtype)
        a = np.empty(shape, dtype=dtype)
        kept.append(a)
        self._bytes += nbytes
        return a

    def _let_go(self, wanted: int) -> None:
        """Drop unheld arrays (oldest shapes first) until ``wanted`` bytes are freed."""
        freed = 0
        for key in list(self._kept):
            kept = self._kept[key]
            unheld = [i for i, count in enumerate(_ref_counts(kept)) if count == _UNHELD]
            for i in reversed(unheld):
                if freed >= wanted:
                    return
                freed += kept[i].nbytes
                self._bytes -= kept[i].nbytes
                del kept[i]
            if not kept:
                del self._kept[key]

    def clear(self) -> None:
        """Let go of every array nobody else holds (held ones stay until released)."""
        with self._lock:
            self._let_go(self._bytes)


cache = ArrayCache()
empty, empty_like, zeros, clear = cache.empty, cache.empty_like, cache.zeros, cache.clear


def _after_fork_in_child() -> None:
    # A fork copies the lock as it was: held, if another thread was inside empty() at that
    # moment, and that thread does not exist in the child. A fresh lock for the child.
    cache._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
