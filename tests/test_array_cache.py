"""autograd.array_cache: large arrays reused between steps, never while somebody holds them.

The cache exists because a training step that allocates a few MB of fresh arrays pays a
page fault per 4 KB page every step (glibc gives the memory back in between). What must
hold: an array is handed out again only when nothing else refers to it (a variable, a
view, a Tensor, a graph, a memoryview), values a user kept from an earlier step are never
overwritten, the memory stays bounded, and threads never share an array.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import warnings
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import array_cache
from autograd.array_cache import ArrayCache

BIG = (256, 256)  # 512 KB of float64: above the cache's 256 KB threshold


def test_an_array_comes_back_only_after_it_is_released() -> None:
    cache = ArrayCache()
    a = cache.empty(BIG, np.float64)
    b = cache.empty(BIG, np.float64)
    assert a is not b  # a is still held
    address = a.ctypes.data
    del a
    c = cache.empty(BIG, np.float64)
    assert c.ctypes.data == address and c is not b
    assert cache.nbytes == 2 * 256 * 256 * 8


@pytest.mark.parametrize(
    "hold",
    [
        pytest.param(lambda a: a[1:], id="view"),
        pytest.param(lambda a: a.T, id="transpose"),
        pytest.param(lambda a: a.reshape(-1), id="reshape"),
        pytest.param(memoryview, id="memoryview"),
        pytest.param(lambda a: np.frombuffer(a, dtype=np.uint8), id="frombuffer"),
        pytest.param(lambda a: ag.Tensor(a), id="tensor"),
        pytest.param(lambda a: [a], id="list"),
    ],
)
def test_any_holder_keeps_an_array_out_of_reuse(hold) -> None:
    cache = ArrayCache()
    a = cache.empty(BIG, np.float64)
    address = a.ctypes.data
    holder = hold(a)
    del a
    others = [cache.empty(BIG, np.float64) for _ in range(3)]
    assert all(o.ctypes.data != address for o in others)
    del holder
    gc.collect()
    assert cache.empty(BIG, np.float64).ctypes.data == address  # released: reused


def test_small_arrays_are_plain_numpy() -> None:
    cache = ArrayCache()
    a = cache.empty((10, 10), np.float32)
    del a
    assert cache.nbytes == 0


def test_zeros_are_zero_on_reuse() -> None:
    cache = ArrayCache()
    a = cache.empty(BIG, np.float32)
    a.fill(3.0)
    address = a.ctypes.data
    del a
    z = cache.zeros(BIG, np.float32)
    assert z.ctypes.data == address and not z.any()


def test_the_budget_bounds_the_memory_and_unheld_arrays_go_first() -> None:
    cache = ArrayCache(min_bytes=1024, budget_bytes=10 * 4096)
    held = [cache.empty((1024,), np.float32) for _ in range(6)]  # 6 x 4 KB, all held
    for shape in [(1025,), (1026,), (1027,), (1028,)]:  # 4 more, released at once
        cache.empty(shape, np.float32)
    assert cache.nbytes <= 10 * 4096
    # the budget is full of held and unheld arrays: a new shape lets unheld ones go
    big = cache.empty((2048,), np.float32)
    assert cache.nbytes <= 10 * 4096 and big.size == 2048
    # held ones are never let go, and a request beyond the budget is plain NumPy
    cache.clear()
    assert cache.nbytes == 6 * 4096 + big.nbytes
    beyond = cache.empty((100_000,), np.float32)
    assert beyond.size == 100_000 and cache.nbytes == 6 * 4096 + big.nbytes
    del held, big
    cache.clear()
    assert cache.nbytes == 0


def test_threads_never_share_an_array(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ArrayCache(min_bytes=1024)
    counts = array_cache._ref_counts

    def slow_counts(kept: list) -> list[int]:
        found = counts(kept)
        time.sleep(0)  # let another thread run between looking and taking
        return found

    monkeypatch.setattr(array_cache, "_ref_counts", slow_counts)
    clashes: list[int] = []
    start = threading.Barrier(4)

    def work(tid: int) -> None:
        start.wait()
        for _ in range(300):
            a = cache.empty((512,), np.float64)
            a.fill(tid)
            for _ in range(3):  # give the other threads time to take it too
                if not (a == tid).all():
                    clashes.append(tid)
            del a

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert clashes == []


# ------------------------------------------------------------------ through the engine
def _lstm_step(model, fc, x, y):
    out, _ = model(x)
    pred = fc(out.reshape(-1, out.shape[-1]))  # batch_first: the reshape copies
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    return out, pred, loss


def _setup(features: int = 16, hidden: int = 64):
    """An LSTM and a Linear head, 3 input batches (32, 35, features) and targets."""
    ag.manual_seed(0)
    lstm = nn.LSTM(features, hidden, batch_first=True, dtype=np.float32)
    fc = nn.Linear(hidden, 1, dtype=np.float32)
    rng = np.random.default_rng(0)
    xs = [ag.tensor(rng.standard_normal((32, 35, features), dtype=np.float32)) for _ in range(3)]
    y = ag.tensor(rng.standard_normal((32 * 35, 1), dtype=np.float32))
    return lstm, fc, xs, y


def test_what_a_user_keeps_from_a_step_is_never_overwritten() -> None:
    lstm, fc, xs, y = _setup()
    kept = []
    for x in xs:
        for p in (*lstm.parameters(), *fc.parameters()):
            p.grad = None
        out, pred, loss = _lstm_step(lstm, fc, x, y)
        # a user keeping outputs and gradients of every step (e.g. for a plot)
        kept.append(
            (
                out,
                pred,
                lstm.weight_hh_l0.grad,
                out.data.copy(),
                pred.data.copy(),
                lstm.weight_hh_l0.grad.data.copy(),
            )
        )
    for out, pred, grad, out0, pred0, grad0 in kept:
        np.testing.assert_array_equal(out.data, out0)
        np.testing.assert_array_equal(pred.data, pred0)
        np.testing.assert_array_equal(grad.data, grad0)


def test_a_training_step_reuses_its_large_arrays() -> None:
    lstm, fc, xs, y = _setup(features=32, hidden=128)  # dL/dW_hh: 256 KB, cached

    def step(x: ag.Tensor) -> tuple[int, int]:
        for p in (*lstm.parameters(), *fc.parameters()):
            p.grad = None
        out, _, _ = _lstm_step(lstm, fc, x, y)
        # the LSTM's packed output (T + 1, B, H) under `out`, and dL/dW_hh: cache arrays
        kept = [a for arrays in array_cache.cache._kept.values() for a in arrays]
        (packed,) = [a for a in kept if np.shares_memory(a, out.data)]
        (grad,) = [a for a in kept if np.shares_memory(a, lstm.weight_hh_l0.grad.data)]
        return packed.ctypes.data, grad.ctypes.data

    addresses = [step(x) for x in xs]  # each step's graph is gone when it returns
    assert addresses[0] == addresses[1] == addresses[2]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="page faults: Linux only")
def test_a_training_step_does_not_fault_in_fresh_memory() -> None:
    """The reported defect: ~730 page faults per step of the benchmark's LSTM (the
    large arrays were fresh memory every step)."""
    lstm, fc, xs, y = _setup(features=32, hidden=128)  # the benchmark's W5 sizes
    x = xs[0]

    def step() -> None:
        for p in (*lstm.parameters(), *fc.parameters()):
            p.grad = None
        _lstm_step(lstm, fc, x, y)

    per_step = _faults_per_step(step, 10)
    assert per_step < 30, f"{per_step:.0f} page faults per step"


def _faults_per_step(step: Any, steps: int) -> float:
    """Minor page faults (fresh memory touched) per call of ``step``, after 3 warm-up
    calls."""
    import resource

    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        step()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def test_reshape_copies_into_the_cache_and_views_stay_views() -> None:
    x = ag.tensor(np.arange(2 * 300 * 256, dtype=np.float64).reshape(2, 300, 256))
    v = x.reshape(600, 256)
    assert np.shares_memory(v.data, x.data)  # contiguous: a view, as before
    t = x.swapaxes(0, 1)  # (300, 2, 256), not contiguous
    c = t.reshape(-1, 256)
    np.testing.assert_array_equal(c.data, x.data.swapaxes(0, 1).reshape(-1, 256))
    assert not np.shares_memory(c.data, x.data)
    s = x[:, ::2].reshape(2, -1)  # a strided view that needs a copy
    np.testing.assert_array_equal(s.data, x.data[:, ::2].reshape(2, -1))
    with pytest.raises(ValueError, match=r"cannot reshape \(300, 2, 256\)"):
        t.reshape(7, -1)


def test_the_module_cache_is_the_one_the_engine_uses() -> None:
    assert array_cache.empty.__self__ is array_cache.cache


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_fork_while_another_thread_holds_the_lock_does_not_hang_the_child() -> None:
    cache = array_cache.cache
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with cache._lock:  # a thread in the middle of empty() when the fork happens
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(10)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            pid = os.fork()
        if pid == 0:  # the child: empty() must not wait for a thread that is not there
            done = threading.Event()
            threading.Thread(target=lambda: (cache.empty(BIG, np.float64), done.set())).start()
            os._exit(0 if done.wait(5) else 1)
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        holder.join()
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="page faults: Linux only")
def test_a_cnn_training_step_does_not_fault_in_fresh_memory() -> None:
    """The benchmark's CNN step (two conv + pool, Linear, cross-entropy, SGD). A 62 KB
    update temporary in SGD once shifted glibc's heap so that ~2,600 pages per step
    (10 MB) were handed back to the system and faulted in again."""
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1568, 10),
    )
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    x = ag.Tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    t = rng.integers(0, 10, 64)

    def step() -> None:
        loss = nn.functional.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()

    per_step = _faults_per_step(step, 5)
    assert per_step < 100, f"{per_step:.0f} page faults per step"


def test_what_a_user_keeps_from_a_cnn_step_is_never_overwritten() -> None:
    """Conv, ReLU and max-pool outputs, masks and gradients come from the cache too."""
    ag.manual_seed(0)
    conv, pool = nn.Conv2d(3, 16, 3, padding=1), nn.MaxPool2d(2)
    rng = np.random.default_rng(1)
    kept = []
    for _ in range(3):
        x = ag.Tensor(rng.standard_normal((32, 3, 32, 32)).astype(np.float32), requires_grad=True)
        conv.weight.grad = None
        h = conv(x).relu()  # (32, 16, 32, 32) float32: 2 MB, cached
        y = pool(h)
        (y * y).sum().backward()
        kept.append([(t, t.data.copy()) for t in (h, y, x.grad, conv.weight.grad)])
    for step in kept:
        for t, values in step:
            np.testing.assert_array_equal(t.data, values)


@pytest.mark.parametrize(
    "make",
    [
        lambda: np.ones((64, 128, 40)),  # C order
        lambda: np.ones((40, 128, 64)).T,  # F order
        lambda: np.ones((16, 64, 28, 28)).transpose(1, 0, 2, 3),  # a conv output's layout
        lambda: np.ones((64, 40, 256))[:, ::2],  # strided
    ],
)
def test_empty_like_keeps_the_memory_order(make) -> None:
    a = make()
    out = array_cache.empty_like(a, np.float32)
    assert out.shape == a.shape and out.dtype == np.float32
    # the same axis order in memory: strides sorted the same way
    assert (
        np.argsort([-s for s in out.strides]).tolist()
        == np.argsort([-s for s in a.strides]).tolist()
    )
    base = out if out.base is None else out.base
    assert base.flags.c_contiguous
