"""Gradient hooks: ``Tensor.register_hook(fn)``, as in PyTorch.

``fn(grad)`` is called once per backward pass with the gradient of the loss with
respect to that tensor, as soon as it is complete:

* an interior tensor: before its op sends the gradient on to its inputs;
* a leaf: before the gradient of this pass is added to ``.grad``.

If ``fn`` returns a Tensor, that Tensor replaces the gradient (what the op sends on, or
what the leaf accumulates); ``None`` leaves it unchanged. Several hooks run in the order
they were registered, each seeing the previous one's result.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["RemovableHandle", "register_hook"]

_keys = itertools.count()


class _LeafHooks:
    """How many ``Tensor.register_hook`` hooks exist; while 0 the driver skips them."""

    count: int = 0
    lock = threading.Lock()


class RemovableHandle:
    """What ``register_hook`` returns; ``handle.remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_key")

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks = hooks
        self._key = key

    def remove(self) -> None:
        """Unregister the hook (doing it twice is harmless)."""
        if self._hooks.pop(self._key, None) is not None:
            with _LeafHooks.lock:
                _LeafHooks.count -= 1

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def register_hook(self: Any, hook: Callable[[Any], Any]) -> RemovableHandle:
    """Call ``hook(grad)`` whenever backward computes the gradient of this Tensor.

    Parameters
    ----------
    hook : callable
        ``hook(grad: Tensor) -> Tensor | None``; a returned Tensor (same shape)
        replaces the gradient.

    Returns
    -------
    RemovableHandle
        ``handle.remove()`` unregisters the hook.
    """
    if not callable(hook):
        raise TypeError(f"register_hook: expected a callable, got {type(hook).__name__}")
    if not self.requires_grad:
        raise RuntimeError(
            f"register_hook: this Tensor (shape {self.shape}) does not require grad, so "
            "backward never computes its gradient; create it with requires_grad=True"
        )
    if self._hooks is None:
        self._hooks = {}
    key = next(_keys)
    self._hooks[key] = hook
    with _LeafHooks.lock:
        _LeafHooks.count += 1
    return RemovableHandle(self._hooks, key)


def run_hooks(t: Any, grad: Any) -> Any:
    """Pass ``grad`` through ``t``'s hooks in order; a returned Tensor replaces it."""
    tensor_type = type(t)  # hooks.py sits below tensor.py: the class comes with t
    for hook in list(t._hooks.values()):
        result = hook(grad)
        if result is None:
            continue
        if not isinstance(result, tensor_type):
            raise TypeError(
                f"register_hook: a hook returned {type(result).__name__}; return a Tensor "
                "(the new gradient) or None (keep the gradient)"
            )
        if result.shape != grad.shape:
            raise ValueError(
                f"register_hook: a hook returned a gradient of shape {result.shape} for a "
                f"Tensor of shape {grad.shape}; the shapes must match"
            )
        grad = result
    return grad


def finish_leaf_grad(t: Any, previous: Any) -> None:
    """End of a pass for a hooked leaf: hooks see this pass's gradient, then accumulate."""
    g = t.grad
    if g is None:
        t.grad = previous
        return
    g = run_hooks(t, g)
    t.grad = g if previous is None else previous + g
