"""``Module``: the base of every layer and model, plus ``Sequential`` and ``ModuleList``.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it, which is how
``parameters()``, ``state_dict()`` and the dotted names (``layers.0.weight``) find
everything -- the same names PyTorch uses, so state dicts move between the two.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from autograd.tensor import Tensor

from .parameter import Parameter

__all__ = ["Module", "Sequential", "ModuleList"]


class Module:
    """Base class: subclass it, assign layers/parameters in ``__init__``, write ``forward``."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

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

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

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
                p.grad = Tensor(np.zeros_like(p.data))

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

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
                    yield prefix + name, param.data
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
        touched once everything checks out. With ``strict=False`` missing/unexpected
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
        for key, array in incoming.items():
            if key in own:
                np.copyto(own[key], array, casting="unsafe")
        return missing, unexpected

    def _state_targets(self) -> dict[str, np.ndarray]:
        """The live arrays behind every state-dict key (written in place on load)."""
        return dict(self._state_items())

    def save(self, path: str | Path) -> Path:
        """Write the state dict to a NumPy ``.npz`` file (no pickle)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        np.savez(path, **self.state_dict())
        return path

    def load(self, path: str | Path, strict: bool = True) -> Module:
        """Load a state dict written by :meth:`save` (``allow_pickle=False``); returns self."""
        with np.load(Path(path), allow_pickle=False) as archive:
            state = {key: archive[key] for key in archive.files}
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
        return value.data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch.Tensor
        return value.detach().cpu().numpy()
    try:
        return np.asarray(value)
    except Exception:
        return None


class Sequential(Module):
    """Modules applied one after another; children are named ``0``, ``1``, ..."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                if not isinstance(module, Module):
                    raise TypeError(
                        f"Sequential: item {i} is a {type(module).__name__}, not a Module"
                    )
                self.add_module(str(i), module)

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):  # keeps the original names, as PyTorch does
            return Sequential(OrderedDict(items[index]))
        return items[index][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (names ``0``, ``1``, ...)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.append: expected a Module, got {type(module).__name__}")
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int | slice) -> Module:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleList is a container: iterate over it in your forward()")
