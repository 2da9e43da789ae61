"""Forward hooks: functions a ``Module`` calls around its ``forward`` (PyTorch's API).

* ``register_forward_pre_hook(hook)``: ``hook(module, args)`` runs before ``forward``;
  returning something other than None replaces the positional inputs (a non-tuple
  becomes a one-element tuple).
* ``register_forward_hook(hook)``: ``hook(module, args, output)`` runs after it;
  returning something other than None replaces the output.

With ``with_kwargs=True`` the keyword arguments are passed too:
``hook(module, args, kwargs)`` (may return ``(args, kwargs)``) and
``hook(module, args, kwargs, output)``. Hooks run in registration order
(``prepend=True`` puts one first). Each ``register_*`` returns a
:class:`RemovableHandle`; ``handle.remove()`` unregisters the hook.

Typical use: record activations for a plot, or print shapes while debugging::

    shapes = []
    handle = model.register_forward_hook(lambda m, args, out: shapes.append(out.shape))
    model(x)
    handle.remove()
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["RemovableHandle"]

_ids = itertools.count()


class RemovableHandle:
    """Returned by ``register_forward_hook``/``register_forward_pre_hook``.

    ``remove()`` unregisters the hook (calling it twice is harmless); the handle is also
    a context manager that removes the hook on exit.
    """

    def __init__(self, module: Any, table: OrderedDict, with_kwargs: set[int]) -> None:
        self.id = next(_ids)
        self._module, self._table, self._with_kwargs = module, table, with_kwargs

    def remove(self) -> None:
        self._table.pop(self.id, None)
        self._with_kwargs.discard(self.id)
        self._module._refresh_hook_flag()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def add_hook(
    module: Any,
    table_name: str,
    hook: Callable[..., Any],
    prepend: bool,
    with_kwargs: bool,
) -> RemovableHandle:
    """Store ``hook`` in the module's table ``table_name`` and return its handle."""
    if not callable(hook):
        raise TypeError(
            f"{type(module).__name__}.{table_name.strip('_')}: the hook must be callable, "
            f"got {type(hook).__name__}"
        )
    tables = module.__dict__
    if table_name not in tables:  # created lazily: modules without hooks carry nothing
        object.__setattr__(module, table_name, OrderedDict())
        object.__setattr__(module, table_name + "_with_kwargs", set())
    table, kwarg_ids = tables[table_name], tables[table_name + "_with_kwargs"]
    handle = RemovableHandle(module, table, kwarg_ids)
    table[handle.id] = hook
    if prepend:
        table.move_to_end(handle.id, last=False)
    if with_kwargs:
        kwarg_ids.add(handle.id)
    module._refresh_hook_flag()
    return handle


def call_with_hooks(module: Any, args: tuple, kwargs: dict) -> Any:
    """``module.forward(*args, **kwargs)`` wrapped in its pre-hooks and forward hooks."""
    pre = module.__dict__.get("_forward_pre_hooks")
    if pre:
        pre_kwargs = module.__dict__["_forward_pre_hooks_with_kwargs"]
        for hook_id, hook in list(pre.items()):
            if hook_id in pre_kwargs:
                result = hook(module, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{type(module).__name__}: a forward pre-hook registered with "
                            f"with_kwargs=True must return None or (args, kwargs), got "
                            f"{type(result).__name__}"
                        )
                    args, kwargs = result
            else:
                result = hook(module, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
    output = module.forward(*args, **kwargs)
    post = module.__dict__.get("_forward_hooks")
    if post:
        post_kwargs = module.__dict__["_forward_hooks_with_kwargs"]
        for hook_id, hook in list(post.items()):
            if hook_id in post_kwargs:
                result = hook(module, args, kwargs, output)
            else:
                result = hook(module, args, output)
            if result is not None:
                output = result
    return output
