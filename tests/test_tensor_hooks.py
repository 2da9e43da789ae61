"""``Tensor.register_hook`` against PyTorch: when hooks run, what they see, what they
change, and ``handle.remove()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch")


from twin import as_numpy as _np  # noqa: E402  (needs torch: after the importorskip)
from twin import ours as _ours  # noqa: E402
from twin import theirs as _torch  # noqa: E402


def _run(case: Callable) -> tuple:
    """Run ``case(T, log)`` for both libraries; ``log`` records (name, gradient) calls."""
    results = []
    for T in (_ours, _torch):
        calls: list = []

        def log(name: str, double: bool = False, calls: list = calls) -> Callable:
            def hook(g: Any) -> Any:
                calls.append((name, _np(g).copy()))
                return g * 2 if double else None

            return hook

        grads = case(T, log)
        results.append((calls, [None if t is None else _np(t) for t in grads]))
    return results[0], results[1]


def _assert_same(ours: tuple, ref: tuple) -> None:
    (calls, grads), (ref_calls, ref_grads) = ours, ref
    assert [name for name, _ in calls] == [name for name, _ in ref_calls]
    for (_, g), (_, r) in zip(calls, ref_calls):
        np.testing.assert_allclose(g, r, rtol=1e-12)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-12)


def _chain(T: Callable, log: Callable) -> tuple:
    x = T([0.5, -1.0, 2.0], True)
    y = x * x
    z = y.exp()
    x.register_hook(log("x"))
    y.register_hook(log("y"))
    z.register_hook(log("z"))
    z.sum().backward()
    return (x.grad,)


def _doubling_interior(T: Callable, log: Callable) -> tuple:
    x, w = T([0.5, -1.0, 2.0], True), T([3.0, 1.0, -2.0], True)
    y = x * w
    y.register_hook(log("y doubles", double=True))
    (y * y).sum().backward()
    return x.grad, w.grad


def _doubling_leaf(T: Callable, log: Callable) -> tuple:
    x = T([0.5, -1.0, 2.0], True)
    x.register_hook(log("x doubles", double=True))
    (x * x).sum().backward()
    return (x.grad,)


def _leaf_used_twice_and_accumulated(T: Callable, log: Callable) -> tuple:
    x = T([0.5, -1.0], True)
    (x * 3).sum().backward()  # before the hook: x.grad = 3
    x.register_hook(log("x sees this pass only", double=True))
    (x * x + x.exp()).sum().backward()  # the hook sees 2x + e^x, summed over both uses
    return (x.grad,)


def _two_hooks_in_order(T: Callable, log: Callable) -> tuple:
    x = T([1.0, 2.0], True)
    y = x * 3
    y.register_hook(log("first", double=True))
    y.register_hook(log("second"))  # sees the doubled gradient
    y.sum().backward()
    return (x.grad,)


def _removed_hook(T: Callable, log: Callable) -> tuple:
    x = T([1.0, 2.0], True)
    handle = x.register_hook(log("removed", double=True))
    x.register_hook(log("kept"))
    handle.remove()
    (x * x).sum().backward()
    return (x.grad,)


def _hook_on_root_and_branches(T: Callable, log: Callable) -> tuple:
    x = T([0.5, -1.0], True)
    a = x.sin()
    b = x.cos()
    out = (a * b).sum()
    a.register_hook(log("a", double=True))
    out.register_hook(log("out"))
    out.backward()
    return (x.grad,)


@pytest.mark.parametrize(
    "case",
    [
        _chain,
        _doubling_interior,
        _doubling_leaf,
        _leaf_used_twice_and_accumulated,
        _two_hooks_in_order,
        _removed_hook,
        _hook_on_root_and_branches,
    ],
)
def test_hooks_match_torch(case: Callable) -> None:
    ours, ref = _run(case)
    _assert_same(ours, ref)


def test_hook_doubling_the_gradient_of_a_leaf_exact_values() -> None:
    x = Tensor([1.0, -2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()) or g * 2)
    (x * x).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, -4.0])
    np.testing.assert_array_equal(x.grad.data, [4.0, -8.0])


def test_hooks_run_for_autograd_grad_too() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * 10)
    (g,) = ag.grad(y.sum(), x)
    np.testing.assert_array_equal(g.data, [20.0, 40.0])
    assert x.grad is None


def test_register_hook_errors() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(lambda g: g)
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="callable"):
        x.register_hook(3)
    x.register_hook(lambda g: Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        (x * 1).sum().backward()
    assert x.grad is None  # the failed pass left the gradient as it was


def test_handle_remove_twice_is_harmless_and_hooks_are_not_counted_forever() -> None:
    from autograd.graph import _LeafHooks

    before = _LeafHooks.count
    x = Tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda g: None)
    assert _LeafHooks.count == before + 1
    handle.remove()
    handle.remove()
    assert _LeafHooks.count == before
