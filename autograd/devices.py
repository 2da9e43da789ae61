"""``Tensor.to``/``.cpu()``/``.device``: PyTorch's device calls, for a CPU-only engine.

deltagrad keeps every array in NumPy on the CPU, so moving to ``"cpu"`` is a no-op and
the code people bring from PyTorch (``x.to(device)``, ``model.cpu()``) runs unchanged.
Any other device (``"cuda"``, ``"mps"``, ...) is refused with a message saying so --
silently staying on the CPU would hide that the rest of such a script expects a GPU.
A dtype is honoured: ``x.to(np.float64)`` (or ``torch.float64``) casts like
``astype``, with the gradient flowing back through the cast.

The methods are declared here, in ``DeviceMethods`` (``Tensor`` inherits it), so the
device vocabulary lives in one small module that imports nothing of the engine;
``nn.Module.to`` uses the same parser.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

__all__ = ["device", "parse_to", "check_device", "DeviceMethods"]

_CPU = re.compile(r"cpu(:\d+)?")


class device:  # noqa: N801  (PyTorch's name: torch.device)
    """``torch.device`` for a CPU-only engine: ``device("cpu")``, ``device("cpu", 0)``,
    ``device("cpu:0")``. Equal to another CPU device and to the string ``"cpu"``; any
    other device type (``"cuda"``, ``"mps"``, ...) raises ``ValueError`` right away, so a
    script written for a GPU says so instead of silently running something else."""

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        text = type.strip()
        given: object = index  # "cpu:0" gives the index as text
        if ":" in text and index is None:
            text, _, number = text.partition(":")
            given = int(number) if number.isdigit() else number
        check_device("device", text)
        if given is not None and (
            isinstance(given, bool) or not isinstance(given, int) or given != 0
        ):
            raise ValueError(f"device: the CPU has index 0 only, got {given!r}")
        self.type = "cpu"
        self.index = None if given is None else 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return bool(_CPU.fullmatch(other.strip()))
        return isinstance(other, device) or getattr(other, "type", None) == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")

    def __str__(self) -> str:
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='cpu'{index})"


def _cpu_only(owner: str, device: Any) -> ValueError:
    return ValueError(
        f"{owner}: device {device!r} is not available -- deltagrad runs on the CPU only; "
        "remove the .to(device) call or use device='cpu'"
    )


def check_device(owner: str, device: Any) -> None:
    """Accept ``"cpu"``, ``"cpu:0"`` or a device object whose ``.type`` is ``"cpu"``.

    Raises ``ValueError`` for any other device (``"cuda"``, ``"mps"``, an int, which
    PyTorch reads as a CUDA index) and ``TypeError`` for something that is no device.
    """
    if device is None:
        return
    if isinstance(device, str):
        if _CPU.fullmatch(device.strip()):
            return
        raise _cpu_only(owner, device)
    kind = getattr(device, "type", None)  # torch.device("cpu").type == "cpu"
    if isinstance(kind, str):
        if kind == "cpu":
            return
        raise _cpu_only(owner, str(device))
    if isinstance(device, (int, np.integer)) and not isinstance(device, bool):
        raise _cpu_only(owner, f"cuda:{int(device)}")
    raise TypeError(f"{owner}: expected a device ('cpu') or a dtype, got {type(device).__name__}")


def _as_dtype(value: Any) -> np.dtype | None:
    """The NumPy dtype ``value`` names (NumPy/Python types, strings, ``torch.float64``),
    or None if it names no dtype."""
    if isinstance(value, np.dtype):
        return value
    if isinstance(value, type) and issubclass(value, (np.generic, float, int, bool, complex)):
        return np.dtype(value)
    if type(value).__module__ == "torch" and type(value).__name__ == "dtype":
        name = str(value).removeprefix("torch.")  # torch.float64 -> "float64"
        try:
            return np.dtype(name)
        except TypeError:
            raise TypeError(f"dtype {value} has no NumPy counterpart") from None
    if isinstance(value, str) and not _looks_like_device(value):
        try:
            return np.dtype(value)
        except TypeError:
            return None
    return None


def _looks_like_device(text: str) -> bool:
    return ":" in text or text.strip() in {
        "cpu",
        "cuda",
        "mps",
        "xpu",
        "meta",
        "hip",
        "xla",
        "npu",
        "hpu",
        "mtia",
        "ipu",
        "vulkan",
    }


def parse_to(owner: str, args: tuple, kwargs: dict) -> tuple[np.dtype | None, bool]:
    """Read PyTorch's ``.to(...)`` arguments; return ``(dtype or None, copy)``.

    Accepted forms: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``,
    ``to(other_tensor)`` (its dtype), and the keywords ``device``, ``dtype``,
    ``non_blocking`` (meaningless on the CPU) and ``copy``.
    """
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy"}
    if unknown:
        raise TypeError(f"{owner}: unexpected keyword argument(s) {sorted(unknown)}")
    if len(args) > 2:
        raise TypeError(f"{owner}: takes at most (device, dtype) positionally, got {len(args)}")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    positional = list(args)
    if positional and (isinstance(positional[0], DeviceMethods) or _is_torch_tensor(positional[0])):
        other = positional.pop(0)
        dtype = dtype if dtype is not None else _as_dtype(other.dtype)
        device = getattr(other, "device", None)
    for value in positional:
        as_dtype = _as_dtype(value)
        if as_dtype is not None:
            dtype = as_dtype
        else:
            device = value
    check_device(owner, device)
    if dtype is not None:
        resolved = _as_dtype(dtype)
        if resolved is None:
            raise TypeError(f"{owner}: {dtype!r} is not a dtype")
        dtype = resolved
    return dtype, bool(kwargs.get("copy", False))


def _is_torch_tensor(value: Any) -> bool:
    return (
        type(value).__module__.startswith("torch")
        and hasattr(value, "dtype")
        and hasattr(value, "device")
    )


_THE_CPU = device("cpu")


class DeviceMethods:
    """Tensor's ``to``, ``cpu()`` and ``device`` (``Tensor`` inherits them)."""

    __slots__ = ()

    if TYPE_CHECKING:  # a mixin: Tensor (ops/shape.py) supplies these two

        def astype(self, dtype: Any) -> Any: ...
        def clone(self) -> Any: ...

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """PyTorch's ``Tensor.to``: ``"cpu"`` is a no-op, a dtype casts (differentiably).

        Returns ``self`` when nothing changes (as PyTorch does), unless ``copy=True``.
        Any device other than the CPU raises ``ValueError``.
        """
        dtype, copy = parse_to("Tensor.to", args, kwargs)
        out: Any = self if dtype is None else self.astype(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self) -> Any:
        """``self``: a deltagrad Tensor already lives on the CPU."""
        return self

    @property
    def device(self) -> device:
        """Always the CPU (``device(type='cpu')``, equal to ``"cpu"``): deltagrad keeps every
        array in NumPy on the CPU."""
        return _THE_CPU
