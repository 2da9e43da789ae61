"""Reusing large NumPy arrays between calls of the fused recurrent ops.

Why: a fresh array of a few MB comes from the operating system as untouched memory, and
the first write to each 4 KB page costs a page fault (~1-2 us here), about 1 ms per
2 MB. The LSTM over the benchmark's sequence (T 35, B 32, H 128) allocates ~8 MB per
training step, so the faults cost about as much as all of its elementwise arithmetic.
NumPy's allocator hands such arrays straight back to the system when they die, so the
next step faults again. Two remedies, both private to the ops that use them:

* :func:`scratch` -- temporaries that live only inside one call (a backward's deltas):
  one array per name and thread, kept for the next call of the same shape.
* :data:`pool` -- arrays an op saves for its backward (the LSTM's gate activations):
  taken at forward, given back when the op object is garbage-collected (its graph is
  gone, so nothing can read them any more), taken again by the next forward.

Neither changes any global setting; both hold a bounded amount of memory.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from typing import Any

import numpy as np

__all__ = ["scratch", "pool", "ArrayPool"]

_local = threading.local()


def scratch(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised array for temporaries of one call, reused by the next call in this
    thread that asks for the same ``name`` (the last shape only).

    The caller must write every element before reading it and must not let it escape
    the call (return it only to a caller that is done with it before the next call).
    """
    arrays = getattr(_local, "arrays", None)
    if arrays is None:
        arrays = _local.arrays = {}
    a = arrays.get(name)
    if a is None or a.shape != shape or a.dtype != dtype:
        a = arrays[name] = np.empty(shape, dtype=dtype)
    return a


class ArrayPool:
    """Arrays given back by dead ops, for the next op to take (at most ``limit`` kept,
    the oldest dropped first). Thread-safe."""

    def __init__(self, limit: int = 16) -> None:
        self._free: deque[np.ndarray] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An uninitialised array: a recycled one of this shape and dtype if there is one."""
        dtype = np.dtype(dtype)
        with self._lock:
            for k, a in enumerate(self._free):
                if a.shape == shape and a.dtype == dtype:
                    del self._free[k]  # (by position: == on arrays compares elements)
                    return a
        return np.empty(shape, dtype=dtype)

    def give_back_when_dead(self, owner: Any, *arrays: np.ndarray) -> None:
        """Return ``arrays`` to the pool once ``owner`` is garbage-collected. Only for
        arrays that nothing but ``owner`` refers to."""
        weakref.finalize(owner, self._give, arrays)

    def _give(self, arrays: tuple[np.ndarray, ...]) -> None:
        with self._lock:
            self._free.extend(arrays)

    def clear(self) -> None:
        with self._lock:
            self._free.clear()


pool = ArrayPool()
