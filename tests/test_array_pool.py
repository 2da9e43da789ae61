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
    worker = threading.Thread(
        target=lambda: theirs.append(scratch("test-thread", (2,), np.float64))
    )
    worker.start()
    worker.join()
    assert theirs[0] is not mine
    assert scratch("test-thread", (2,), np.float64) is mine


class Owner:
    pass


def test_pool_gives_arrays_back_only_after_their_owner_dies() -> None:
    pool = ArrayPool()
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


def give_back_now(pool: ArrayPool, *arrays: np.ndarray) -> None:
    owner = Owner()
    pool.give_back_when_dead(owner, *arrays)
    del owner
    gc.collect()


def test_pool_keeps_a_bounded_number_of_arrays() -> None:
    pool = ArrayPool(per_shape=2, shapes=2)
    same = [np.empty(3) for _ in range(3)]
    give_back_now(pool, *same)
    taken = [pool.take((3,), np.float64) for _ in range(3)]
    assert {id(t) for t in taken[:2]} == {id(a) for a in same[:2]}  # two kept per shape
    assert all(taken[2] is not a for a in same)
    # a third shape pushes out the oldest one
    first, second, third = np.empty(1), np.empty(2), np.empty(4)
    give_back_now(pool, first, second, third)
    assert pool.take((1,), np.float64) is not first
    assert pool.take((2,), np.float64) is second
    assert pool.take((4,), np.float64) is third
