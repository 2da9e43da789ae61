"""``Module``: the base of every layer and model (its containers are in :mod:`nn.containers`).

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it, which is how
``parameters()``, ``state_dict()`` and the dotted names (``layers.0.weight``) find
everything -- the same names PyTorch uses, so state dicts move between the two.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from autograd.devices import parse_to
from autograd.tensor import Tensor

from .hooks import RemovableHandle, add_hook, call_with_hooks
from .parameter import Parameter

__all__ = ["Module"]


class Module:
    """Base class: subclass it, assign layers/parameters in ``__init__``, write ``forward``."""

    training: bool
    # Set in __init__ with object.__setattr__ (bypassing the registration in __setattr__);
    # declared here so type checkers know them. None: registered but unset, as in PyTorch.
    _parameters: OrderedDict[str, Parameter | None]
    _buffers: OrderedDict[str, np.ndarray | None]
    _modules: OrderedDict[str, Module]
    #: The op labels (``Function.op``) this layer's own ``forward`` records, e.g.
    #: ``frozenset({"relu"})`` for ``ReLU``: ``viz.draw_graph(..., model=)`` draws the
    #: parameter-free ones among them inside this layer's box. ``None``: ops named
    #: after the class (``MaxPool2d`` -> ``max_pool2d``).
    op_labels: ClassVar[frozenset[str] | None] = None

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    if TYPE_CHECKING:
        # Layers set their parameters and sub-modules at run time, some under made-up
        # names (``weight_ih_l0``, ``layers.3``); PyTorch's Module declares the same so
        # that type checkers accept ``model.weight``. Never defined at run time: a missing
        # attribute still raises the ordinary AttributeError.
        def __getattr__(self, name: str) -> Any: ...

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        if isinstance(value, Parameter):
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
        elif name in self._buffers:
            self._buffers[name] = value
        elif name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}.{name} is a parameter: assign an nn.Parameter "
                    f"(or None), not a {type(value).__name__}; to change its values use "
                    f"{name}.data = array"
                )
            self._parameters[name] = None
        elif name in self._modules:
            self._modules.pop(name)
        object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        for table in (self._parameters, self._modules, self._buffers):
            table.pop(name, None)

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._modules, self._buffers):
            table.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: np.ndarray | None) -> None:
        """A non-trained array that belongs to the state (e.g. BatchNorm running stats)."""
        self._forget(name)
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
            return
        self.__setattr__(name, param)

    def add_module(self, name: str, module: Module) -> None:
        self.__setattr__(name, module)

    # ------------------------------------------------------------------ running
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not written")

    # True once a forward hook or pre-hook is registered (see nn.hooks); a class default,
    # so __call__ costs one attribute check for the usual module without hooks
    _has_hooks: bool = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._has_hooks:
            return call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ hooks
    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``; returns a handle.

        A return value other than None replaces the positional inputs (a non-tuple is
        wrapped in a tuple). With ``with_kwargs=True`` the hook is
        ``hook(module, args, kwargs)`` and may return ``(args, kwargs)``. Hooks run in
        registration order; ``prepend=True`` puts this one first. ``handle.remove()``
        unregisters it.
        """
        return add_hook(self, "_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``; returns a handle.

        A return value other than None replaces the output. With ``with_kwargs=True``
        the hook is ``hook(module, args, kwargs, output)``. Hooks run in registration
        order; ``prepend=True`` puts this one first. ``handle.remove()`` unregisters it.
        """
        if always_call:
            raise NotImplementedError(
                f"{type(self).__name__}.register_forward_hook: always_call=True (run the hook "
                "even when forward raises) is not supported; leave it False"
            )
        return add_hook(self, "_forward_hooks", hook, prepend, with_kwargs)

    def _refresh_hook_flag(self) -> None:
        has = bool(self.__dict__.get("_forward_pre_hooks")) or bool(
            self.__dict__.get("_forward_hooks")
        )
        object.__setattr__(self, "_has_hooks", has)

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every sub-module, depth first, each once, with dotted names."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``("layers.0.weight", Parameter)`` pairs; a shared parameter is listed once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for module_name, module in self.named_modules(prefix):
            for name, buf in module._buffers.items():
                if buf is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buf

    def parameter_count(self) -> int:
        """Number of trainable scalars (shared parameters counted once)."""
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch statistics); returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor(np.zeros_like(p._data))

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(module)`` on every child (recursively, children first), then on
        ``self``; returns ``self`` -- PyTorch's order, e.g. for custom initialisation::

            model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
        """
        seen: set[int] = set()
        for child in self.children():
            if id(child) not in seen:  # a child registered under two names: once
                seen.add(id(child))
                child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ device and dtype
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's ``Module.to``: ``"cpu"`` is a no-op, a floating dtype casts every
        floating parameter and buffer in place; returns ``self``.

        Accepts ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)`` and
        the keywords ``device``, ``dtype``, ``non_blocking``. deltagrad runs on the CPU
        only: any other device (``"cuda"``, ``"mps"``) raises ``ValueError``. Create the
        optimizer after casting (its state keeps the old dtype), as in PyTorch.
        """
        if "copy" in kwargs:  # Tensor.to's keyword; a module is always changed in place
            raise TypeError(f"{type(self).__name__}.to: unexpected keyword argument 'copy'")
        dtype, _ = parse_to(f"{type(self).__name__}.to", args, kwargs)
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(
                f"{type(self).__name__}.to only casts to floating dtypes, got {dtype}; "
                "parameters must stay floating to be trained"
            )
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None and param.dtype.kind == "f":
                    param._cast(dtype)
            for name, buf in list(module._buffers.items()):
                if isinstance(buf, np.ndarray) and buf.dtype.kind == "f" and buf.dtype != dtype:
                    module.__setattr__(name, buf.astype(dtype))  # keeps the buffer's place
        return self

    def cpu(self) -> Module:
        """``self``: deltagrad modules always live on the CPU (PyTorch's ``.cpu()``)."""
        return self

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 in place; returns ``self``."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32 in place; returns ``self``."""
        return self.to(np.float32)

    # ------------------------------------------------------------------ state
    def _state_items(self) -> Iterator[tuple[str, np.ndarray]]:
        """(key, live array) in PyTorch's state-dict order: each module's parameters, then
        its buffers, then its children, depth first. A sub-module reachable under two
        names appears under both, as in PyTorch (tied weights keep both keys)."""
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:
            prefix, module = stack.pop()
            for name, param in module._parameters.items():
                if param is not None:
                    yield prefix + name, param._data
            for name, buf in module._buffers.items():
                if buf is not None:
                    yield prefix + name, buf
            children = [(f"{prefix}{n}.", m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and buffer array under PyTorch's dotted names."""
        return OrderedDict((key, np.array(a, copy=True)) for key, a in self._state_items())

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> tuple[list, list]:
        """Copy arrays into the parameters and buffers, all or nothing.

        Every problem (missing keys, unexpected keys, shape mismatches, non-numeric
        data) is collected and reported in one ``ValueError``; the model is only
        touched once everything checks out, and a Ctrl-C during the copy takes effect
        after the last array. With ``strict=False`` missing/unexpected
        keys are allowed (returned) but shapes must still match.
        Accepts NumPy arrays, Tensors and anything with ``.numpy()`` (torch tensors).
        """
        own = self._state_targets()
        incoming = {k: _to_numpy(v) for k, v in dict(state_dict).items()}
        missing = [k for k in own if k not in incoming]
        unexpected = [k for k in incoming if k not in own]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        for key, array in incoming.items():
            if key not in own:
                continue
            target_shape = own[key].shape
            if array is None or array.dtype.kind not in "biuf":
                problems.append(f"{key}: not a numeric array")
            elif array.shape != target_shape:
                problems.append(
                    f"{key}: shape {array.shape} in the state dict, {target_shape} in the model"
                )
        if problems:
            raise ValueError(
                f"load_state_dict for {type(self).__name__} failed; the model is unchanged.\n  "
                + "\n  ".join(problems)
            )
        from .optim.deferred_interrupt import defer_keyboard_interrupt

        with defer_keyboard_interrupt():  # Ctrl-C waits until every array is copied
            for key, array in incoming.items():
                if key in own and array is not None:  # (a None was reported above)
                    np.copyto(own[key], array, casting="unsafe")
        return missing, unexpected

    def _state_targets(self) -> dict[str, np.ndarray]:
        """The live arrays behind every state-dict key (written in place on load)."""
        return dict(self._state_items())

    def save(self, path: str | Path) -> Path:
        """Write the state dict to ``path`` as a NumPy ``.npz`` archive (no pickle).

        The path is used exactly as given (``save("m.pth")`` writes ``m.pth``; nothing
        is appended) and a directory is refused. The write is atomic: the archive goes
        to a temporary file in the same folder, is flushed to disk, then renamed over
        ``path``, so a full disk or Ctrl-C mid-save leaves the previous checkpoint
        intact. The file is the same as ``autograd.save(self.state_dict(), path)`` and
        ``np.load`` reads it. Returns ``Path(path)``.
        """
        from autograd.serialization import save_file  # kept beside save/load

        return save_file(self.state_dict(), path, what=f"{type(self).__name__}.save")

    def load(self, path: str | Path, strict: bool = True) -> Module:
        """Load a state dict written by :meth:`save` or ``autograd.save``; returns self.

        Read with ``allow_pickle=False``. A file of another kind (a ``.npy`` array, a
        text file, a pickle, a ``torch.save`` file, a truncated archive) raises a
        ``ValueError`` saying what it is; loading is all-or-nothing as in
        :meth:`load_state_dict`.
        """
        from autograd.serialization import load_file

        what = f"{type(self).__name__}.load"
        state = load_file(path, what=what)
        if not isinstance(state, dict) or not all(
            isinstance(k, str) and isinstance(v, (np.ndarray, Tensor)) for k, v in state.items()
        ):
            if isinstance(state, dict):
                found = "a dict with the keys " + ", ".join(sorted(repr(k) for k in state))
            else:
                found = f"a {type(state).__name__}"
            raise ValueError(
                f"{what}: {str(path)!r} holds {found}, not a state dict (a flat dict of "
                "arrays); for a checkpoint written with autograd.save, pick the model's "
                "entry: model.load_state_dict(autograd.load(path)['model'])"
            )
        self.load_state_dict(state, strict=strict)
        return self

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        count = self.parameter_count()
        suffix = f"  # {count:,} parameters" if count else ""
        if not lines:
            return head + ")" + suffix
        return head + suffix + "\n" + "\n".join(lines) + "\n)"


def _to_numpy(value: Any) -> np.ndarray | None:
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch.Tensor
        return value.detach().cpu().numpy()
    try:
        return np.asarray(value)
    except Exception:
        return None
