"""Memory: graphs are freed by reference counting alone.

A node holds its parents but never its output, so dropping the loss frees the whole
graph at once -- with the cyclic garbage collector switched off. A long training loop
must therefore run in flat memory.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


@pytest.fixture
def no_gc() -> Iterator[None]:
    """Disable the cyclic collector for one test: anything it would have to free leaks."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TinyMLP:
    """x(16,8) @ W1(8,16) + b1, tanh, @ W2(16,4) + b2, mean squared error, plain SGD."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.x = Tensor(rng.normal(size=(16, 8)))
        self.target = Tensor(rng.normal(size=(16, 4)))
        self.params = [
            Tensor(rng.normal(size=(8, 16)) * 0.3, requires_grad=True),
            Tensor(np.zeros(16), requires_grad=True),
            Tensor(rng.normal(size=(16, 4)) * 0.3, requires_grad=True),
            Tensor(np.zeros(4), requires_grad=True),
        ]

    def loss(self) -> Tensor:
        w1, b1, w2, b2 = self.params
        h = (self.x @ w1 + b1).tanh()
        err = h @ w2 + b2 - self.target
        return (err * err).mean()

    def step(self, lr: float = 0.05) -> float:
        loss = self.loss()
        loss.backward()
        for p in self.params:
            p.data -= lr * p.grad.data
            p.grad = None
        return loss.item()


def test_training_loop_memory_is_flat(no_gc: None) -> None:
    """10,000 forward+backward+SGD steps after a warm-up allocate nothing that stays.

    CPython's free lists (up to 2,000 spare 2-tuples alone, 112 kB) fill slowly and
    would count as traced memory if filled while tracing; they are bounded, a leak is
    not. So they are filled by an untraced warm-up first; a traced warm-up of 100 steps
    then sets the baseline. A leaked graph would cost kilobytes per step."""
    model = TinyMLP()
    first = model.step()
    for _ in range(999):
        model.step()
    tracemalloc.start()
    try:
        for _ in range(100):
            model.step()
        after_warmup, _ = tracemalloc.get_traced_memory()
        for _ in range(5_000):
            model.step()
        halfway, _ = tracemalloc.get_traced_memory()
        for _ in range(5_000):
            last = model.step()
        after_loop, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    growth = after_loop - after_warmup
    assert growth < 100_000, f"memory grew by {growth} bytes over 10,000 steps"
    assert after_loop - halfway < 20_000, "memory still growing in the second half"
    assert last < 0.5 * first  # and it did learn something


def test_graph_is_freed_when_the_loss_is_deleted(no_gc: None) -> None:
    model = TinyMLP(seed=1)
    w1, b1, w2, b2 = model.params
    pre = model.x @ w1 + b1
    hidden = pre.tanh()
    loss = ((hidden @ w2 + b2 - model.target) ** 2).mean()
    loss.backward()
    refs = [weakref.ref(pre), weakref.ref(hidden), weakref.ref(loss)]
    grad_fn = weakref.ref(hidden.grad_fn)
    del pre, hidden
    assert all(r() is not None for r in refs)  # still reachable from the loss
    del loss
    assert all(r() is None for r in refs)
    assert grad_fn() is None
    assert w1.grad is not None  # the leaves keep their gradients


def test_create_graph_is_freed_too(no_gc: None) -> None:
    x = Tensor(np.linspace(-1.0, 1.0, 5), requires_grad=True)
    y = (x.tanh() * x).sum()
    (g,) = ag.grad(y, x, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    interior = weakref.ref(y.parents[0])
    grad_graph = weakref.ref(g.parents[0])
    del y, g
    assert interior() is None and grad_graph() is None
    assert h.is_leaf  # plain result, no graph kept alive


def _create_graph_backward() -> tuple[weakref.ref, weakref.ref]:
    x = Tensor(np.ones(3), requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    z.backward(create_graph=True)
    # x.grad was recorded, so it holds the graph that computed it -- including x itself
    # (the cycle PyTorch warns about for leaves); the caller drops x with everything else.
    return weakref.ref(x), weakref.ref(y)


def test_backward_create_graph_is_freed_without_gc(no_gc: None) -> None:
    # Interior nodes keep no recorded .grad under create_graph=True, so the only cycle
    # left is the documented leaf one (x -> x.grad -> ... -> x); clearing x.grad breaks it.
    x = Tensor(np.ones(3), requires_grad=True)
    y = x.exp()
    (y * y).sum().backward(create_graph=True)
    assert y.grad is None
    x.grad = None
    x_ref, y_ref = weakref.ref(x), weakref.ref(y)
    del x, y
    assert y_ref() is None and x_ref() is None


def test_backward_create_graph_is_collectable(no_gc: None) -> None:
    x_ref, y_ref = _create_graph_backward()
    gc.collect()
    assert y_ref() is None and x_ref() is None


def test_saved_output_is_held_weakly(no_gc: None) -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    y = x.exp()
    fn = y.grad_fn
    ref = weakref.ref(y)
    del y
    assert ref() is None  # the Function did not keep its own output alive
    with pytest.raises(RuntimeError, match="no longer exists"):
        _ = fn.output


def test_deep_chain_backward_without_recursion_or_leaks(no_gc: None) -> None:
    x = Tensor(np.array(0.5), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.data, 1.0001**20_000, rtol=1e-9)
    ref = weakref.ref(y.parents[0])
    del y
    assert ref() is None
