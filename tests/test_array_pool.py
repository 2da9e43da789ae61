"""nn/functional/array_pool.py: per-thread scratch arrays and the pool of arrays given
back by dead ops."""

from __future__ import annotations

import gc
import threading

import numpy as np

from nn.functional.array_pool import ArrayPool, scratch


def test_scratch_is_reused_for_the_same_name_shape_and_dtype() -> None:
    a = scratch("test-a", (3, 4), np.float32)
    assert a.shape == (3, 4) and a.dtype == np.float32
    assert scratch("test-a", (3, 4), np.float32) is a
    assert scratch("test-b", (3, 4), np.float32) is not a  # another name
    b = scratch("test-a", (4, 3), np.float32)  # another shape: a new array
    assert b is not a and b.shape == (4, 3)
    assert scratch("test-a", (4, 3), np.float64) is not b  # another dtype


def test_scratch_is_per_thread() -> None:
    mine = scratch("test-thread", (2,), np.float64)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(scratch("test-thread", (2,),
                                                                     np.float64)))
    worker.start()
    worker.join()
    assert theirs[0] is not mine
    assert scratch("test-thread", (2,), np.float64) is mine


class Owner:
    pass


def test_pool_gives_arrays_back_only_after_their_owner_dies() -> None:
    pool = ArrayPool(limit=4)
    owner = Owner()
    a = pool.take((5,), np.float32)
    pool.give_back_when_dead(owner, a)
    assert pool.take((5,), np.float32) is not a  # the owner is alive: a stays its own
    del owner
    gc.collect()
    assert pool.take((5,), np.float64) is not a  # another dtype
    assert pool.take((6,), np.float32) is not a  # another shape
    assert pool.take((5,), np.float32) is a
    assert pool.take((5,), np.float32) is not a  # taken once only


def test_pool_keeps_at_most_limit_arrays() -> None:
    pool = ArrayPool(limit=2)
    owner = Owner()
    arrays = [np.empty(3) for _ in range(3)]
    pool.give_back_when_dead(owner, *arrays)
    del owner
    gc.collect()
    taken = [pool.take((3,), np.float64) for _ in range(3)]
    # the oldest was dropped; the two kept come back, then a new one
    assert taken[0] is arrays[1] and taken[1] is arrays[2]
    assert all(t is not a for t in taken[2:] for a in arrays)
    pool.clear()
