"""In-place operations with PyTorch's rules (issue 10 item 2).

Each differentiable case runs twice, once with deltagrad and once with PyTorch, through
the same function ``case(T, no_grad)``; values and gradients must agree. ``T(values,
requires_grad)`` makes a float64 tensor of either library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor

torch = pytest.importorskip("torch")


from twin import as_numpy as _np  # noqa: E402  (needs torch: after the importorskip)
from twin import ours as _ours  # noqa: E402
from twin import theirs as _torch  # noqa: E402


def _both(case: Callable) -> tuple:
    return case(_ours, ag.no_grad), case(_torch, torch.no_grad)


def _assert_same(ours: Any, ref: Any) -> None:
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- mutation, not rebinding
def test_augmented_assignment_mutates_the_same_tensor() -> None:
    x = Tensor([1.0, 2.0])
    alias, view = x, x.data
    x += 1
    assert x is alias
    np.testing.assert_array_equal(view, [2.0, 3.0])  # the very same array was written
    x -= Tensor([0.5, 0.5])
    x *= 4
    x /= 2
    x **= 2
    np.testing.assert_array_equal(alias.data, [9.0, 25.0])
    assert x._version == 5


@pytest.mark.parametrize(
    "name, args",
    [
        ("add_", ([1.0, -2.0, 3.0],)),
        ("sub_", ([1.0, -2.0, 3.0],)),
        ("mul_", ([1.0, -2.0, 3.0],)),
        ("div_", ([1.0, -2.0, 3.0],)),
        ("pow_", (2.0,)),
        ("clamp_", (-0.5, 1.0)),
        ("copy_", ([7.0, 8.0, 9.0],)),
        ("fill_", (3.5,)),
        ("zero_", ()),
    ],
)
def test_methods_match_torch_and_return_self(name: str, args: tuple) -> None:
    def run(T: Callable, lib_tensor: Callable) -> Any:
        x = T([0.5, -1.5, 2.0])
        call = [lib_tensor(a) if isinstance(a, list) else a for a in args]
        out = getattr(x, name)(*call)
        assert out is x
        return x

    ours = run(_ours, _ours)
    ref = run(_torch, _torch)
    np.testing.assert_allclose(ours.data, ref.numpy(), rtol=1e-12)
    assert ours._version == ref._version == 1


def test_add_and_sub_take_alpha() -> None:
    x = Tensor([1.0, 2.0])
    x.add_(Tensor([1.0, 1.0]), alpha=3).sub_(Tensor([2.0, 0.0]), alpha=0.5)
    np.testing.assert_array_equal(x.data, [3.0, 5.0])


@pytest.mark.parametrize(
    "index",
    [1, slice(0, 2), (slice(None), 0), [0, 2], np.array([True, False, True])],
    ids=["int", "slice", "tuple", "list", "mask"],
)
def test_setitem_matches_torch(index: Any) -> None:
    ours = Tensor(np.arange(12.0).reshape(3, 4))
    ref = torch.arange(12.0, dtype=torch.float64).reshape(3, 4)
    ours[index] = -1.0
    ref[torch.as_tensor(index) if isinstance(index, np.ndarray) else index] = -1.0
    np.testing.assert_array_equal(ours.data, ref.numpy())
    assert ours._version == 1


def test_setitem_with_a_tensor_value_broadcasts() -> None:
    x = Tensor(np.zeros((2, 3)))
    x[:, 1:] = Tensor([5.0, 6.0])
    np.testing.assert_array_equal(x.data, [[0, 5, 6], [0, 5, 6]])


# ---------------------------------------------------------------- refusals
def test_in_place_on_a_leaf_that_requires_grad_is_refused_while_recording() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    for change in (
        lambda: w.add_(1.0),
        lambda: w.__isub__(1.0),
        lambda: w.__setitem__(0, 5.0),
        lambda: w.zero_(),
    ):
        with pytest.raises(RuntimeError, match=r"leaf Tensor that requires grad.*no_grad"):
            change()
    np.testing.assert_array_equal(w.data, [1.0, 2.0])  # a failed call changes nothing
    assert w._version == 0
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        _torch([1.0], requires_grad=True).add_(1.0)  # PyTorch refuses the same


def test_in_place_that_would_change_the_shape_or_dtype_is_refused() -> None:
    x = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"add_.*\(2,\)"):
        x += Tensor(np.ones((2, 2)))
    recorded = Tensor([1.0, 2.0], requires_grad=True) * 1
    with pytest.raises(ValueError, match=r"add_.*shape \(2, 2\).*\(2,\)"):
        recorded += Tensor(np.ones((2, 2)))
    k = Tensor([1, 2], dtype=np.int64)
    with pytest.raises(TypeError, match="add_"):
        k += 1.5
    np.testing.assert_array_equal(x.data, [1.0, 2.0])
    np.testing.assert_array_equal(k.data, [1, 2])
    assert x._version == k._version == 0
    with pytest.raises(TypeError, match="x = x @ w"):
        x @= Tensor(np.eye(2))


# ---------------------------------------------------------------- manual SGD
def test_manual_sgd_under_no_grad_trains_the_models_own_parameters() -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(32, 3)))
    y = Tensor(x.data @ np.array([[1.0], [-2.0], [0.5]]) + 0.3)
    model = nn.Linear(3, 1, rng=0)
    params = list(model.parameters())
    arrays = [p._data for p in params]
    reference = nn.Linear(3, 1, rng=0)
    opt = nn.optim.SGD(reference.parameters(), lr=0.1)
    losses, ref_losses = [], []
    for _ in range(60):
        for p in params:
            p.grad = None
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        with ag.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        losses.append(loss.item())
        opt.zero_grad()
        ref_loss = ((reference(x) - y) ** 2).mean()
        ref_loss.backward()
        opt.step()
        ref_losses.append(ref_loss.item())
    assert losses[-1] < 1e-2 * losses[0]
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-6)
    for p, q, array in zip(model.parameters(), params, arrays):
        assert p is q and p._data is array  # the same Parameter objects, updated in place
        assert p.is_leaf and p.requires_grad
    assert params[0]._version == 61  # 1 from the initialiser, as in PyTorch


def test_optimizers_may_still_write_parameter_data() -> None:
    p = nn.Parameter(np.array([1.0, 2.0]))
    p.grad = Tensor([1.0, 1.0])
    nn.optim.SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(p.data, [0.5, 1.5])


# ---------------------------------------------------------------- version counter
def test_version_counter_is_shared_by_detach_and_views() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    d = x.detach()
    v = x.reshape(4)
    d.add_(1.0)
    assert x._version == d._version == v._version == 1
    v.mul_(2.0)
    np.testing.assert_array_equal(x.data, [[4.0, 6.0], [8.0, 10.0]])
    assert x._version == 2
    xt = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    xt.detach().add_(1.0)
    xt.reshape(4).mul_(2.0)
    assert xt._version == x._version


def _sigmoid_output_changed(T: Callable, no_grad: Callable) -> Any:
    x = T([0.5, -1.0], True)
    a = x.sigmoid()  # saves its output
    a.mul_(2)
    a.sum().backward()


def _tanh_output_changed(T: Callable, no_grad: Callable) -> Any:
    x = T([0.5, -1.0], True)
    y = x.tanh()
    y += 1
    y.sum().backward()


def _saved_input_changed_under_no_grad(T: Callable, no_grad: Callable) -> Any:
    x, y = T([0.5, -1.0], True), T([2.0, 3.0], True)
    h = x * 1
    b = h * y  # saves h
    with no_grad():
        h.add_(1)
    b.sum().backward()


def _saved_input_changed_through_detach(T: Callable, no_grad: Callable) -> Any:
    x = T([0.5, -1.0], True)
    y = x * x
    x.detach().add_(1)
    y.sum().backward()


def _exp_output_used_then_changed(T: Callable, no_grad: Callable) -> Any:
    x = T([0.5, -1.0], True)
    y = x.exp()
    w = y * 3
    y.add_(1)
    w.sum().backward()


def _view_of_saved_input_changed(T: Callable, no_grad: Callable) -> Any:
    x = T([[0.5, -1.0], [2.0, 1.5]], True)
    y = x * 2
    v = y.reshape(4)
    z = v * v
    with no_grad():
        y.mul_(3)
    z.sum().backward()


@pytest.mark.parametrize(
    "case, op",
    [
        (_sigmoid_output_changed, "sigmoid"),
        (_tanh_output_changed, "tanh"),
        (_saved_input_changed_under_no_grad, "*"),
        (_saved_input_changed_through_detach, "*"),
        (_exp_output_used_then_changed, "*"),
        (_view_of_saved_input_changed, "*"),
    ],
)
def test_backward_refuses_a_tensor_changed_after_it_was_saved(case: Callable, op: str) -> None:
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        case(_torch, torch.no_grad)  # PyTorch refuses ...
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation") as err:
        case(_ours, ag.no_grad)  # ... and so do we, naming the op, shape and versions
    message = str(err.value)
    assert message.startswith(f"{op}:")
    assert "shape (" in message and "version 1" in message and "version 0" in message
    assert ".clone()" in message


# ---------------------------------------------------------------- differentiable in-place
def _rebase_add(T: Callable, no_grad: Callable) -> tuple:
    x, b = T([0.5, -1.0, 2.0], True), T([1.0, 2.0, 3.0], True)
    h = x * x
    h += b
    (h * h).sum().backward()
    return h, x.grad, b.grad


def _mul_by_tensor(T: Callable, no_grad: Callable) -> tuple:
    x, w = T([0.5, -1.0], True), T([2.0, 3.0], True)
    h = x * 1
    h.mul_(w)  # keeps the old h for w's gradient
    h.sum().backward()
    return h, x.grad, w.grad


def _used_before_the_change(T: Callable, no_grad: Callable) -> tuple:
    x = T([0.5, -1.0], True)
    a = x * 1
    w = a + 3  # uses a before the change: its gradient goes to the old a
    a.mul_(2)
    (w * w + a).sum().backward()
    return a, w, x.grad


def _setitem_recorded(T: Callable, no_grad: Callable) -> tuple:
    x, z = T([0.5, -1.0, 2.0], True), T(4.0, True)
    y = x * 2
    y[0] = z
    (y * y).sum().backward()
    return y, x.grad, z.grad


def _setitem_mask_and_slice(T: Callable, no_grad: Callable) -> tuple:
    x, z = T([[0.5, -1.0], [2.0, 3.0]], True), T([7.0, 8.0], True)
    y = x.exp()
    m = y > 2.0
    y = y * 1  # exp saved its output, so change a copy
    y[m] = 0.0
    y[:, 0] = z
    (y * x).sum().backward()
    return y, x.grad, z.grad


def _setitem_on_a_constant(T: Callable, no_grad: Callable) -> tuple:
    z = T([1.5, -2.0], True)
    y = T([0.0, 0.0, 0.0])
    y[1:] = z  # a tensor that needs no grad gets a history
    (y * y).sum().backward()
    return y, z.grad


def _clamp_zero_copy_fill(T: Callable, no_grad: Callable) -> tuple:
    x, w = T([0.5, -1.0, 2.0], True), T([2.0, 3.0, 4.0], True)
    a = x * 2
    a.clamp_(-1.0, 1.5)
    b = x * 3
    b.zero_()
    c = x * 4
    c.copy_(w)
    d = x * 5
    d.fill_(2.0)
    (a * w + b + c * c + d * x).sum().backward()
    return a, b, c, d, x.grad, w.grad


def _chain_of_rebases(T: Callable, no_grad: Callable) -> tuple:
    x, b = T([0.5, -1.0], True), T([1.0, 2.0], True)
    h = x * x
    first = h + 0  # (h * 1 would save h: our Mul keeps both operands, so backward would
    h += b  # refuse the later change, where PyTorch's multiply-by-a-number keeps none)
    second = h + 0
    h *= b
    h -= x
    h /= b + 2
    (h + first * second).sum().backward()
    return h, x.grad, b.grad


@pytest.mark.parametrize(
    "case",
    [
        _rebase_add,
        _mul_by_tensor,
        _used_before_the_change,
        _setitem_recorded,
        _setitem_mask_and_slice,
        _setitem_on_a_constant,
        _clamp_zero_copy_fill,
        _chain_of_rebases,
    ],
)
def test_recorded_in_place_matches_torch(case: Callable) -> None:
    ours, ref = _both(case)
    _assert_same(ours, ref)


def test_rebase_keeps_identity_with_a_hidden_snapshot() -> None:
    x, b = _ours([0.5, -1.0], True), _ours([1.0, 2.0], True)
    h = x.exp()
    old_fn = h.grad_fn
    alias = h
    h += b
    assert h is alias and h.grad_fn is not old_fn and h.op == "+"
    snapshot, operand = h.parents
    assert operand is b and snapshot is not h
    assert snapshot.grad_fn is old_fn and snapshot.parents == (x,)
    assert h._version == snapshot._version == 1


def test_first_derivative_of_an_in_place_product_differentiates_again() -> None:
    def case(T: Callable, no_grad: Callable) -> tuple:
        x = T([0.5, -1.0, 2.0], True)
        y = x * 1
        y.mul_(x)  # y = x^2
        y.mul_(x)  # y = x^3
        if T is _ours:
            (g,) = ag.grad(y.sum(), x, create_graph=True)
            (gg,) = ag.grad(g.sum(), x)
        else:
            (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
            (gg,) = torch.autograd.grad(g.sum(), x)
        return g, gg

    ours, ref = _both(case)
    _assert_same(ours, ref)
    np.testing.assert_allclose(_np(ours[1]), 6 * np.array([0.5, -1.0, 2.0]))


def test_in_place_on_a_view_while_recording_is_refused_clearly() -> None:
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    y = x * 1
    v = y.reshape(2)
    with pytest.raises(RuntimeError, match=r"add_.*view.*clone\(\)"):
        v.add_(1.0)
    np.testing.assert_array_equal(y.data, [[1.0, 2.0]])
    with ag.no_grad():
        v.add_(1.0)  # outside recording a view writes through to its base
    np.testing.assert_array_equal(y.data, [[2.0, 3.0]])
