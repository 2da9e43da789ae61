"""The scalar engine's internals that the speed work (issue 13) changed, pinned down.

* a number operand (``x * 0.5``) is folded into its node and made a leaf Value only
  when someone looks at the parents -- the graph, the gradients and the drawings read
  exactly as if it had been a Value from the start;
* ``Value.backward`` orders the graph without recursion and without a visited set (it
  marks nodes with a fresh zero gradient per pass): repeated passes, passes from an
  interior node, shared sub-graphs and nodes that received no gradient must all still
  give the right answers;
* a Value has named slots and no ``__dict__``: the lecture's attributes work, a
  micrograd-style ``out._backward = step`` is run by ``backward()``, anything else raises
  AttributeError, and a subclass may carry attributes of its own.
"""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import Value, no_grad

FOLDED = [  # (op, f(x, c), d f/dx, d f/dc)
    ("+", lambda x, c: x + c, lambda x, c: 1.0, lambda x, c: 1.0),
    ("-", lambda x, c: x - c, lambda x, c: 1.0, lambda x, c: -1.0),
    ("*", lambda x, c: x * c, lambda x, c: c, lambda x, c: x),
    ("/", lambda x, c: x / c, lambda x, c: 1.0 / c, lambda x, c: -x / c**2),
]


# ---------------------------------------------------------------- folded number operands
@pytest.mark.parametrize(("op", "f", "dfdx", "dfdc"), FOLDED, ids=[c[0] for c in FOLDED])
@pytest.mark.parametrize("c", [0.75, -3, 2])
def test_number_operand_reads_like_a_leaf_value(op, f, dfdx, dfdc, c) -> None:
    x = Value(1.25)
    y = f(x, c)
    assert y.data == f(1.25, float(c))
    assert y.op == y._op == op
    assert y.local_grads == pytest.approx((dfdx(1.25, float(c)), dfdc(1.25, float(c))), rel=1e-15)
    first, const = y.parents
    assert first is x and type(const) is Value and const.data == float(c)
    assert not const.parents and const.grad == 0.0
    # made once: the same object from every view of the graph
    assert y._parents[1] is const and y._prev == {x, const}
    assert autograd.topological_order(y) == [x, const, y]


@pytest.mark.parametrize(("op", "f", "dfdx", "dfdc"), FOLDED, ids=[c[0] for c in FOLDED])
@pytest.mark.parametrize("look_before", [True, False])
def test_folded_operand_gets_the_gradient_an_explicit_leaf_gets(
    op, f, dfdx, dfdc, look_before
) -> None:
    # the same expression with the number as an explicit Value is the reference
    xr, cr = Value(1.25), Value(0.75)
    ref = (f(xr, cr) * 3.0).tanh()
    ref.backward()

    x = Value(1.25)
    y = f(x, 0.75)
    out = (y * 3.0).tanh()
    if look_before:  # the leaf exists before backward: it is sent its gradient
        const = y.parents[1]
    out.backward()
    if not look_before:  # made afterwards: it shows what the pass would have sent
        const = y.parents[1]
    assert out.data == ref.data
    assert x.grad == xr.grad
    assert const.grad == pytest.approx(cr.grad, rel=1e-15)
    expected = (1.0 - ref.data**2) * 3.0 * dfdc(1.25, 0.75)
    assert const.grad == pytest.approx(expected, rel=1e-12)


def test_folded_operands_match_torch_in_float64() -> None:
    torch = pytest.importorskip("torch")
    x = Value(0.3)
    y = ((x * 1.5 + 0.25) / 0.7 - 2).tanh() * (x - 0.1)
    y.backward()
    xt = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    yt = ((xt * 1.5 + 0.25) / 0.7 - 2).tanh() * (xt - 0.1)
    yt.backward()
    assert y.data == pytest.approx(yt.item(), rel=1e-14)
    assert x.grad == pytest.approx(xt.grad.item(), rel=1e-14)


def test_folded_operands_pass_gradcheck() -> None:
    def f(a: Value, b: Value) -> Value:
        return ((a * 0.5 - 1) * b + 2).sigmoid() / 3 + (b - 0.25) * 4

    assert autograd.gradcheck(f, Value(0.7), Value(-1.3))


def test_number_operand_under_no_grad_gives_a_plain_leaf() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * 3 + 1
    assert y.data == 7.0 and y.parents == () and y.local_grads == () and y.op == ""


def test_bad_number_operand_still_raises_the_value_error() -> None:
    with pytest.raises(TypeError, match="expected a real number, got the string 'a'"):
        Value(1.0) * "a"
    with pytest.raises(ZeroDivisionError, match="division of 1 by zero"):
        Value(1.0) / 0


# ---------------------------------------------------------------- backward
def test_chain_far_deeper_than_the_recursion_limit() -> None:
    n = 20_000
    x0 = Value(0.5)
    x = x0
    for _ in range(n):
        x = x * 0.999 + 0.001
    x.backward()
    assert x0.grad == pytest.approx(0.999**n, rel=1e-9)
    # a pass from a node half way down: interior gradients show this pass only
    mid = x0
    for _ in range(n // 2):
        mid = mid * 0.999 + 0.001
    tail = mid
    for _ in range(3):
        tail = tail * 2.0
    x0.grad = 0.0
    tail.backward()
    assert mid.grad == 8.0
    assert x0.grad == pytest.approx(8.0 * 0.999 ** (n // 2), rel=1e-9)


def test_shared_subgraphs_and_repeated_operands() -> None:
    a, b = Value(1.5), Value(-0.5)
    s = a * b  # used three times below
    y = s * s + s * a + (a * a).relu() - b
    y.backward()
    # y = (ab)^2 + a^2 b + a^2 - b
    sv = 1.5 * -0.5
    assert a.grad == pytest.approx(2 * sv * -0.5 + 2 * 1.5 * -0.5 + 2 * 1.5)
    assert b.grad == pytest.approx(2 * sv * 1.5 + 1.5**2 - 1.0)
    assert s.grad == pytest.approx(2 * sv + 1.5)


def test_second_pass_leaves_accumulate_interior_nodes_restart() -> None:
    x = Value(3.0)
    h = x * x
    dead = (x * -1.0).relu()  # receives gradient, sends nothing on: relu'(-3) = 0
    y = h + dead + x
    y.backward()
    assert (x.grad, h.grad, dead.grad, y.grad) == (7.0, 1.0, 1.0, 1.0)
    y.backward()  # the same root again: leaves add, interior nodes show this pass
    assert (x.grad, h.grad, dead.grad, y.grad) == (14.0, 1.0, 1.0, 1.0)
    z = dead * 5.0 + h  # a new root reaching back through nodes of the first graph
    x.grad = 0.0
    z.backward()
    assert (x.grad, h.grad, dead.grad, z.grad) == (6.0, 1.0, 5.0, 1.0)
    assert y.grad == 1.0  # not reached by this pass: left as it was


def test_node_without_gradient_keeps_a_zero_and_is_walked_again() -> None:
    x = Value(2.0)
    u = x * 4.0
    v = u.relu() * 0.0  # u's gradient is 0.0 after the pass
    v.backward()
    assert u.grad == 0.0 and x.grad == 0.0
    w = u * u
    w.backward()
    assert u.grad == 16.0 and x.grad == 64.0


def test_backward_of_a_leaf_seeds_it() -> None:
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_grad_function_on_values_agrees_with_backward() -> None:
    x, w = Value(0.4), Value(-1.2)
    y = (x * w + 0.5).tanh() * 2
    (gx, gw) = autograd.grad(y, [x, w])
    y.backward()
    assert (gx, gw) == (x.grad, w.grad)


# ---------------------------------------------------------------- attributes
def test_lecture_attributes_and_only_those() -> None:
    a = Value(2.0)
    a.label = "a"
    b = a * 3
    b.label, b._op = "b", "times three"
    b.data, b.grad = 6.5, 0.25
    assert (a.label, b.label, b.op, b.data, b.grad) == ("a", "b", "times three", 6.5, 0.25)
    assert not hasattr(Value(1.0), "__dict__")
    with pytest.raises(AttributeError, match="'note'"):
        b.note = "made here"
    with pytest.raises(AttributeError, match="'note'"):
        b.note  # noqa: B018


def test_subclass_carries_its_own_attributes_and_joins_graphs() -> None:
    class Named(Value):
        pass

    w = Named(3.0, label="w")
    w.name, w.units = "weight", "m"
    x = Value(2.0)
    y = w * x + w
    y.backward()
    assert (w.name, w.units) == ("weight", "m")
    assert (w.grad, x.grad) == (3.0, 3.0)
    assert "w" in repr(w)


def test_micrograd_style_backward_assigned_by_user_code_is_run() -> None:
    # a learner's own op, micrograd style: out._backward is a closure
    def cube(v: Value) -> Value:
        out = Value(v.data**3, _parents=(v,), _local=(0.0,), _op="cube")

        def _backward() -> None:
            v.grad += 3 * v.data**2 * out.grad

        out._backward = _backward
        return out

    x = Value(2.0)
    y = cube(x) * 0.5 + x
    y.backward()
    assert x.grad == 0.5 * 12.0 + 1.0
    assert y._parents[0]._parents[0]._backward is not None  # the built-in step
    c = cube(Value(1.0))
    assert c._backward.__name__ == "_backward"
    with pytest.raises(TypeError, match="expected a function of no arguments, got float"):
        c._backward = 1.0


def test_backward_by_hand_one_node_at_a_time() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + 10.0
    d.grad = 1.0
    d._backward()
    c._backward()
    assert (c.grad, a.grad, b.grad) == (1.0, -3.0, 2.0)
    assert d.parents[1].grad == 1.0  # the folded 10.0, made after its node's step
    assert math.isclose(d.data, 4.0)
