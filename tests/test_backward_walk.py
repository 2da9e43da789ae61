"""The usual Tensor backward pass (no create_graph, no leaf hooks) walks only the
interior nodes, marking them in their own ``grad`` slot, and sends gradients in one
loop. These tests pin what that walk must keep from the general driver."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Function, Tensor, no_grad
from autograd.graph import _interior_tensors, _Visiting, topological_order


def _graph() -> tuple[Tensor, Tensor, list[Tensor]]:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    a = x * w  # shared by two branches (a diamond)
    b = a.exp()
    c = a * a  # the same parent twice
    d = b + c
    loss = d.sum()
    return x, loss, [a, b, c, d, loss]


def test_walk_lists_each_interior_node_once_after_its_parents() -> None:
    _, loss, interior = _graph()
    order = _interior_tensors([loss])
    assert sorted(map(id, order)) == sorted(map(id, interior))  # no leaves, no repeats
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._parents:
            if parent._fn is not None:
                assert position[id(parent)] < position[id(node)]
    # the same nodes as the general order, leaves aside
    general = [n for n in topological_order(loss) if n._fn is not None]
    assert {id(n) for n in general} == {id(n) for n in order}
    assert all(n.grad is None for n in order)  # cleared, no mark left


def test_gradients_match_the_hand_derivation() -> None:
    x, loss, _ = _graph()
    loss.backward()
    w = np.array([0.5, -1.0, 2.0])
    a = x.data * w
    # loss = sum(exp(a) + a^2), a = x w: dloss/dx = (exp(a) + 2a) w
    np.testing.assert_allclose(x.grad.data, (np.exp(a) + 2 * a) * w, rtol=1e-12)


def test_second_pass_interior_grads_show_that_pass_only() -> None:
    x, loss, interior = _graph()
    loss.backward()
    first = [n.grad.data.copy() for n in interior]
    first_leaf = x.grad.data.copy()
    loss.backward()
    for node, g in zip(interior, first):
        np.testing.assert_array_equal(node.grad.data, g)
    np.testing.assert_array_equal(x.grad.data, 2 * first_leaf)  # leaves accumulate


def test_backward_from_a_leaf_seeds_it() -> None:
    x = Tensor(np.array(3.0), requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


class _Interrupting:
    """A parent whose ``_fn`` raises when the walk reads it, as a Ctrl-C would."""

    @property
    def _fn(self) -> None:
        raise KeyboardInterrupt


def test_interrupted_walk_leaves_no_marks() -> None:
    _, loss, interior = _graph()
    a = interior[0]
    a._parents = (*a._parents, _Interrupting())  # reached after a few nodes are marked
    with pytest.raises(KeyboardInterrupt):
        _interior_tensors([loss])
    assert not any(isinstance(n.grad, _Visiting) for n in interior)


class _WrongShape(Function):
    op = "wrong_shape"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * 2.0

    def backward(self, gy: Tensor) -> Tensor:
        return Tensor(np.ones(5))


@pytest.mark.parametrize("hooked", [False, True])
def test_a_gradient_of_the_wrong_shape_is_refused(hooked: bool) -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    y = _WrongShape.apply(x)
    if hooked:  # a hooked node takes the general send_grad
        y.register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match=r"wrong_shape\.backward returned .*\(5,\).*\(3,\)"):
        y.sum().backward()
    assert x.grad is None


def test_a_saved_input_changed_in_place_is_still_refused() -> None:
    """Linear's backward reads ``saved_arrays``: free when nothing changed in place,
    the same refusal as ``saved_tensors`` when a saved input did."""
    import nn.functional as F

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    w = Tensor(np.ones((4, 3)), requires_grad=True)
    y = F.linear(x, w)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        with no_grad():
            w.add_(1.0)
        y.sum().backward()
