"""Reusing large NumPy arrays between calls of the fused recurrent ops.

Why: a fresh array of a few MB comes from the operating system as untouched memory, and
the first write to each 4 KB page costs a page fault (~1-2 us here), about 1 ms per
2 MB. The LSTM over the benchmark's sequence (T 35, B 32, H 128) allocates ~8 MB per
training step, so the faults cost about as much as all of its elementwise arithmetic.
The C allocator under NumPy (glibc's malloc) gives such memory back to the system when
the arrays die (it unmaps them or trims its heap), so the next step faults again. Two
remedies, both private to the ops that use them:

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
    """Arrays given back by dead ops, for the next op to take: at most ``per_shape`` per
    (shape, dtype), for at most ``shapes`` of them (the oldest shape is dropped first).

    Thread-safe without a lock: each step is one dict or list operation, atomic in
    Python. (A lock could deadlock: the garbage collector may run an op's give-back in
    the middle of a ``take`` of the same thread.) A race can at worst drop an array or
    keep one too many -- it is only a cache.
    """

    def __init__(self, per_shape: int = 4, shapes: int = 8) -> None:
        self._free: dict[tuple, list[np.ndarray]] = {}
        self.per_shape, self.shapes = per_shape, shapes

    def take(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An uninitialised array: a recycled one of this shape and dtype if there is one."""
        kept = self._free.get((tuple(shape), np.dtype(dtype)))
        if kept:
            try:
                return kept.pop()
            except IndexError:  # another thread took the last one
                pass
        return np.empty(shape, dtype=dtype)

    def give_back_when_dead(self, owner: Any, *arrays: np.ndarray) -> None:
        """Return ``arrays`` to the pool once ``owner`` is garbage-collected. Only for
        arrays that nothing but ``owner`` refers to."""
        weakref.finalize(owner, self._give, arrays).atexit = False

    def _give(self, arrays: tuple[np.ndarray, ...]) -> None:
        for a in arrays:
            key = (a.shape, a.dtype)
            kept = self._free.get(key)
            if kept is None:
                if len(self._free) >= self.shapes:  # forget the oldest shape
                    oldest = next(iter(self._free), None)
                    if oldest is not None:
                        del self._free[oldest]
                kept = self._free.setdefault(key, [])
            if len(kept) < self.per_shape:
                kept.append(a)

    def clear(self) -> None:
        self._free.clear()


pool = ArrayPool()
