"""The graph and the shared backward driver, exercised through ``Value``.

Reference expressions, shared nodes, accumulation semantics, deep chains, memory
(freed by reference counting alone), grad mode and ``autograd.grad``.
"""

from __future__ import annotations

import gc
import math
import sys
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import autograd
from autograd import Value, enable_grad, is_grad_enabled, no_grad, set_grad_enabled

# ----------------------------------------------------------------------------- helpers


def central_difference(
    fn: Callable[..., Value], xs: Sequence[float], h: float = 1e-6
) -> list[float]:
    """Central differences of ``fn`` (built from fresh leaves at each evaluation)."""

    def f(p: Sequence[float]) -> float:
        return fn(*[Value(x) for x in p]).data

    out = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        out.append((f(up) - f(down)) / (2 * h))
    return out


def torch_grads(fn: Callable[..., Any], xs: Sequence[float]) -> tuple[float, list[float]]:
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward()
    return out.item(), [t.grad.item() for t in ts]


# ----------------------------------------------------------------------------- micrograd references
# The two checks of micrograd's test_engine.py, written once so the same function runs
# on Values and on torch tensors. No in-place ops, so it is also valid torch code.


def micrograd_sanity(x: Any) -> Any:
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def micrograd_more_ops(a: Any, b: Any) -> Any:
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def test_micrograd_sanity_check() -> None:
    x = Value(-4.0)
    y = micrograd_sanity(x)
    y.backward()
    # by hand: z = 3x + 2 = -10 < 0, so relu(z) = 0 and y = z^2 + z x (1 + x) = -20;
    # dy/dx = 6z + 3x(1 + x) + z(1 + 2x) = -60 + 36 + 70 = 46
    assert y.data == -20.0
    assert x.grad == 46.0
    assert x.grad == pytest.approx(central_difference(micrograd_sanity, [-4.0])[0], rel=1e-6)


def test_micrograd_sanity_check_against_torch() -> None:
    x = Value(-4.0)
    y = micrograd_sanity(x)
    y.backward()
    data, (gx,) = torch_grads(micrograd_sanity, [-4.0])
    assert y.data == data
    assert x.grad == gx


def test_micrograd_more_ops() -> None:
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_more_ops(a, b)
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, abs=1e-12)
    assert a.grad == pytest.approx(138.83381924198252, abs=1e-9)
    assert b.grad == pytest.approx(645.5772594752186, abs=1e-9)
    na, nb = central_difference(micrograd_more_ops, [-4.0, 2.0])
    assert a.grad == pytest.approx(na, rel=1e-6)
    assert b.grad == pytest.approx(nb, rel=1e-6)


def test_micrograd_more_ops_against_torch() -> None:
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_more_ops(a, b)
    g.backward()
    data, (ga, gb) = torch_grads(micrograd_more_ops, [-4.0, 2.0])
    assert g.data == pytest.approx(data, rel=1e-12)
    assert a.grad == pytest.approx(ga, rel=1e-12)
    assert b.grad == pytest.approx(gb, rel=1e-12)


# ----------------------------------------------------------------------------- shared nodes


def test_square_by_self_multiplication() -> None:
    a = Value(3.0)
    y = a * a
    assert y.parents == (a, a)  # the repeat is kept...
    y.backward()
    assert a.grad == 6.0  # ...so both contributions arrive: b + a = 2a


def test_doubling_by_self_addition() -> None:
    a = Value(3.0)
    y = a + a
    assert y.parents == (a, a)
    y.backward()
    assert a.grad == 2.0


def test_cube_by_repeated_use() -> None:
    a = Value(-1.5)
    y = a * a * a
    y.backward()
    assert a.grad == pytest.approx(3 * 1.5**2)


def test_diamond_sums_both_paths() -> None:
    # x -> u = 2x and v = exp(x) -> y = u v.  dy/dx = 2 v + u v  (two paths, summed)
    x = Value(0.7)
    u = x * 2
    v = x.exp()
    y = u * v
    y.backward()
    expected = 2 * math.exp(0.7) + 2 * 0.7 * math.exp(0.7)
    assert x.grad == pytest.approx(expected, rel=1e-14)
    # the interior nodes hold d y / d node
    assert u.grad == pytest.approx(v.data) and v.grad == pytest.approx(u.data)


def test_shared_interior_node_collects_from_every_consumer() -> None:
    a, b = Value(0.3), Value(-1.2)
    s = a * b
    out = s.tanh() + s * s + 3 * s
    out.backward()
    ds = (1 - math.tanh(s.data) ** 2) + 2 * s.data + 3
    assert s.grad == pytest.approx(ds, rel=1e-14)
    assert a.grad == pytest.approx(ds * b.data) and b.grad == pytest.approx(ds * a.data)


def test_nested_diamonds() -> None:
    # each level doubles the number of paths: 2^10 paths of local product 1 -> grad 1024
    x = Value(1.0)
    y = x
    for _ in range(10):
        y = y + y
    y.backward()
    assert y.data == 1024.0 and x.grad == 1024.0


def test_topological_order_puts_parents_first_and_lists_each_node_once() -> None:
    x = Value(0.5, label="x")
    u, v = x * 2, x.sin()
    y = u * v + u
    order = autograd.topological_order(y)
    assert len(order) == len({id(n) for n in order})
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for p in node.parents:
            assert position[id(p)] < position[id(node)]
    assert order[-1] is y
    assert {id(x), id(u), id(v)} <= set(position)


# ----------------------------------------------------------------------------- node attributes


def test_parents_tuple_local_grads_and_op_label() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    assert isinstance(c.parents, tuple) and c.parents == (a, b)
    assert c.local_grads == (-3.0, 2.0)  # d(ab)/da = b, d(ab)/db = a
    assert c.op == "*"
    assert a.parents == () and a.local_grads == () and a.op == ""
    assert a.label == "a" and c.label == ""


@pytest.mark.parametrize("attr", ["parents", "op", "local_grads"])
def test_graph_attributes_are_read_only(attr: str) -> None:
    a = Value(2.0)
    c = a * a
    before = getattr(c, attr)
    with pytest.raises(AttributeError):
        setattr(c, attr, before)
    assert getattr(c, attr) == before


def test_data_grad_and_label_are_writable() -> None:
    a = Value(1.0)
    a.data, a.grad, a.label = 2.0, 0.5, "w"
    assert (a.data, a.grad, a.label) == (2.0, 0.5, "w")
    # user attributes (micrograd allows them): tests/test_micrograd_lecture.py


# ----------------------------------------------------------------------------- accumulation


def _loss(a: Value, b: Value) -> tuple[Value, Value]:
    inner = a * b
    return inner + a, inner


def test_leaf_gradients_accumulate_over_backward_calls() -> None:
    a, b = Value(2.0), Value(5.0)
    loss, inner = _loss(a, b)
    loss.backward()
    once = (a.grad, b.grad)
    assert once == (6.0, 2.0)  # b + 1, a
    loss.backward()
    assert (a.grad, b.grad) == (12.0, 4.0)  # leaves: 2 calls -> 2x


def test_interior_nodes_show_only_the_latest_call() -> None:
    a, b = Value(2.0), Value(5.0)
    loss, inner = _loss(a, b)
    loss.backward()
    loss.backward()
    assert inner.grad == 1.0
    assert loss.grad == 1.0


def test_gradients_of_two_losses_add_up_on_shared_leaves() -> None:
    a, b = Value(2.0), Value(5.0)
    (a * b).backward()
    (a + b).backward()
    assert (a.grad, b.grad) == (5.0 + 1.0, 2.0 + 1.0)


def test_backward_on_a_leaf_accumulates_the_seed() -> None:
    a = Value(3.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_zero_grad_resets_the_whole_graph() -> None:
    a, b = Value(2.0), Value(5.0)
    loss, inner = _loss(a, b)
    loss.backward()
    loss.backward()
    loss.zero_grad()
    assert (a.grad, b.grad, inner.grad, loss.grad) == (0.0, 0.0, 0.0, 0.0)
    loss.backward()
    assert (a.grad, b.grad) == (6.0, 2.0)


def test_graph_survives_backward() -> None:
    a, b = Value(2.0), Value(5.0)
    loss, inner = _loss(a, b)
    loss.backward()
    assert loss.parents == (inner, a) and inner.parents == (a, b)


# ----------------------------------------------------------------------------- deep chains


def test_million_step_chain_under_default_recursion_limit() -> None:
    limit = sys.getrecursionlimit()
    assert limit <= 10_000, "run this under an ordinary recursion limit"
    n = 1_000_000
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y + x  # y = (n + 1) x, built as a chain of n additions
    next_to_root = weakref.ref(y.parents[0])
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert y.data == n + 1.0
    assert x.grad == n + 1.0  # exact: every contribution is 1.0
    # dropping a million-deep chain must not blow the C stack either
    del y
    assert next_to_root() is None
    assert sys.getrecursionlimit() == limit


def test_long_multiplicative_chain() -> None:
    n = 200_000
    c = Value(1.0000001)
    y = Value(1.0)
    for _ in range(n):
        y = y * c
    y.backward()
    # d(c^n)/dc = n c^(n-1); the chain multiplies n - 1 local factors, so allow rounding
    assert c.grad == pytest.approx(n * 1.0000001 ** (n - 1), rel=1e-9)


# ----------------------------------------------------------------------------- memory


def _build_graph() -> tuple[Value, list[weakref.ref]]:
    """A graph with a diamond, a repeated parent and constants; weakrefs to all its nodes."""
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    s = a * b
    d = (s.tanh() + s * s) * a + 2.0
    root = d / (1 + a * a) + b.exp()
    refs = [weakref.ref(n) for n in autograd.topological_order(root)]
    return root, refs


@pytest.mark.parametrize("run_backward", [False, True], ids=["forward-only", "after-backward"])
def test_dropping_the_root_frees_the_graph_without_gc(run_backward: bool) -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        root, refs = _build_graph()
        if run_backward:
            root.backward()
        assert len(refs) > 10 and all(r() is not None for r in refs)
        del root
        alive = [r() for r in refs if r() is not None]
        assert alive == [], f"{len(alive)} nodes outlived their root"
    finally:
        if was_enabled:
            gc.enable()


def test_autograd_grad_leaves_no_cycles() -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        root, refs = _build_graph()
        leaves = [r() for r in refs if r() is not None and not r().parents]
        autograd.grad(root, leaves)
        del root, leaves
        assert all(r() is None for r in refs)
    finally:
        if was_enabled:
            gc.enable()


# ----------------------------------------------------------------------------- grad mode


def test_no_grad_records_nothing() -> None:
    a, b = Value(2.0), Value(3.0)
    with no_grad():
        assert is_grad_enabled() is False
        c = (a * b).tanh() + a
    assert is_grad_enabled() is True
    assert c.parents == () and c.op == "" and c.local_grads == ()
    assert c.data == pytest.approx(math.tanh(6.0) + 2.0)
    c.backward()  # c is a plain leaf now
    assert a.grad == 0.0 and b.grad == 0.0 and c.grad == 1.0


def test_enable_grad_inside_no_grad_records() -> None:
    a = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            c = a * a
        assert not is_grad_enabled()
        d = a * a
    assert c.parents == (a, a) and c.op == "*"
    assert d.parents == ()


def test_set_grad_enabled() -> None:
    with set_grad_enabled(False):
        assert not is_grad_enabled()
        with set_grad_enabled(True):
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_grad_mode_is_restored_after_exceptions() -> None:
    assert is_grad_enabled()
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled()
    with no_grad():
        with pytest.raises(ZeroDivisionError):
            with enable_grad():
                Value(1.0) / 0
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_backward_itself_records_nothing() -> None:
    # the driver turns recording off while pushing float gradients
    a = Value(2.0)
    y = a * a
    y.backward()
    assert is_grad_enabled()
    assert a.parents == () and y.parents == (a, a)


# ----------------------------------------------------------------------------- autograd.grad


def test_grad_returns_gradients_and_leaves_every_grad_unchanged() -> None:
    a, b = Value(0.4, label="a"), Value(-1.3, label="b")
    s = a * b
    out = s + a.sin()
    nodes = autograd.topological_order(out)
    for i, n in enumerate(nodes):
        n.grad = 100.0 + i  # sentinel values that must survive
    before = [n.grad for n in nodes]
    ga, gb = autograd.grad(out, [a, b])
    assert ga == pytest.approx(b.data + math.cos(a.data), rel=1e-14)
    assert gb == pytest.approx(a.data, rel=1e-14)
    assert [n.grad for n in nodes] == before


def test_grad_matches_backward() -> None:
    a, b = Value(0.4), Value(-1.3)
    out = (a * b).tanh() / (1 + b * b)
    ga, gb = autograd.grad(out, [a, b])
    out.backward()
    assert (ga, gb) == (a.grad, b.grad)


def test_grad_single_input_and_interior_input() -> None:
    a = Value(3.0)
    s = a * a
    out = s * 2.0
    assert autograd.grad(out, a) == (12.0,)
    assert autograd.grad(out, [s]) == (2.0,)


def test_grad_with_seed_and_several_outputs() -> None:
    a = Value(3.0)
    assert autograd.grad(a * a, [a], grad_outputs=0.5) == (3.0,)
    # several outputs: gradients of their sum
    assert autograd.grad([a * a, a * 2.0], [a]) == (8.0,)


def test_grad_unused_input() -> None:
    a, b, unused = Value(1.0), Value(2.0), Value(3.0)
    unused.grad = 7.0
    out = a * b
    with pytest.raises(ValueError, match="allow_unused"):
        autograd.grad(out, [a, unused])
    ga, gu = autograd.grad(out, [a, unused], allow_unused=True)
    assert ga == 2.0 and gu is None
    assert unused.grad == 7.0
