"""What ``Tensor.data`` returns: the Tensor's own array, speaking NumPy and PyTorch.

Two traditions meet at ``p.data``:

* micrograd and DeZero treat it as the NumPy array (``p.data -= lr * p.grad.data``,
  ``np.exp(p.data)``);
* PyTorch code updates weights through it with Tensor methods
  (``p.data.add_(p.grad, alpha=-lr)`` in the ``word_language_model`` example,
  ``p.data.uniform_(-r, r)``, ``p.data.zero_()``).

:class:`DataArray` is a NumPy view of the Tensor's memory (no copy) that adds PyTorch's
in-place methods, so both kinds of code run as written. Anything computed *from* it is a
plain ``np.ndarray`` (``np.exp(p.data)``, ``p.data + 1``, ``p.data.copy()``), so the
subclass does not spread.

One deliberate difference from PyTorch: a change made through ``.data`` counts as an
in-place change of the Tensor (its version counter moves). PyTorch hides such changes
from autograd, so changing a weight between a forward pass and its backward silently
gives gradients for values the weight no longer holds; here backward names the op that
saved the old values instead (``autograd/inplace.py``, rule 2).

Not shared with the Tensor: NumPy flags set on the view (``p.data.flags.writeable =
False`` freezes this view only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .graph import bump_version
from .random import normal_values, uniform_values

__all__ = ["DataArray"]


def _operand(x: Any) -> Any:
    """A NumPy operand for ``x``: Tensors give their array, views their base class."""
    if isinstance(x, np.ndarray):
        return x.view(np.ndarray) if isinstance(x, DataArray) else x
    if hasattr(x, "__array__"):  # a Tensor (it opts out of NumPy's ufunc dispatch)
        return np.asarray(x)
    return x


class DataArray(np.ndarray):
    """A Tensor's array as ``np.ndarray``, plus PyTorch's in-place methods.

    ``add_ sub_ mul_ div_ pow_ clamp_ copy_ fill_ zero_ uniform_ normal_`` write into the
    Tensor's memory and return this view, as PyTorch's return the Tensor; ``numpy()``
    gives the plain array. Slices (``p.data[0].fill_(1)``) write into the Tensor too.
    """

    # the owning Tensor's version counter (``graph._new_version_counter``); None for an
    # array that belongs to no Tensor (a copy, or one rebuilt by pickle)
    _vc: list | None = None

    def __array_finalize__(self, obj: Any) -> None:
        # views and slices share the Tensor's memory, hence its counter; copies do not
        self._vc = getattr(obj, "_vc", None) if self.base is not None else None

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(getattr(type(x), "__array_ufunc__", 0) is None for x in inputs):
            return NotImplemented  # a Tensor operand: let its reflected operator run
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_operand(o) for o in out)
        result = getattr(ufunc, method)(*(_operand(x) for x in inputs), **kwargs)
        if out is None:
            return result
        for o in out:  # p.data -= x writes into the Tensor: count the change
            if isinstance(o, DataArray):
                o._changed()
        return out[0] if len(out) == 1 else out

    def __setitem__(self, key: Any, value: Any) -> None:
        np.ndarray.__setitem__(self, key, _operand(value))
        self._changed()

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __reduce__(self) -> Any:  # pickles (and deep copies) as a plain array
        return self.view(np.ndarray).__reduce__()

    # copies are plain arrays (nothing to notify), where NumPy's stubs promise the subclass
    def copy(self, order: Any = "C") -> np.ndarray:  # type: ignore[override]
        return self.view(np.ndarray).copy(order)

    def __copy__(self) -> np.ndarray:  # type: ignore[override]
        return self.copy()

    def __deepcopy__(self, memo: Any) -> np.ndarray:  # type: ignore[override]
        return self.copy()

    def numpy(self) -> np.ndarray:
        """The plain ``np.ndarray`` (same memory)."""
        return self.view(np.ndarray)

    # ------------------------------------------------------------ in-place methods
    def _changed(self) -> None:
        if self._vc is not None:
            bump_version(self._vc)

    def _write(self, name: str, write: Callable[[np.ndarray], Any]) -> DataArray:
        """Run ``write`` on the plain array; errors name the method, nothing is half-written
        (NumPy checks shapes and casting before it writes)."""
        target = self.view(np.ndarray)
        try:
            write(target)
        except TypeError as err:
            raise TypeError(f"{name}: {err} (the array has dtype {self.dtype})") from None
        except ValueError as err:
            raise ValueError(
                f"{name}: {err}; an in-place change keeps the shape {self.shape} of the array "
                "it writes into"
            ) from None
        self._changed()
        return self

    def _ufunc_(self, name: str, ufunc: np.ufunc, other: Any) -> DataArray:
        other = _operand(other)
        return self._write(name, lambda t: ufunc(t, other, out=t, casting="same_kind"))

    def add_(self, other: Any, *, alpha: float = 1) -> DataArray:
        """``self += alpha * other``."""
        other = _operand(other)
        return self._ufunc_("add_", np.add, other if alpha == 1 else other * alpha)

    def sub_(self, other: Any, *, alpha: float = 1) -> DataArray:
        """``self -= alpha * other``."""
        other = _operand(other)
        return self._ufunc_("sub_", np.subtract, other if alpha == 1 else other * alpha)

    def mul_(self, other: Any) -> DataArray:
        return self._ufunc_("mul_", np.multiply, other)

    def div_(self, other: Any) -> DataArray:
        return self._ufunc_("div_", np.true_divide, other)

    def pow_(self, exponent: Any) -> DataArray:
        return self._ufunc_("pow_", np.power, exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> DataArray:  # noqa: A002
        """Clip to ``[min, max]`` (either may be None)."""
        if min is None and max is None:
            raise ValueError("clamp_: give min, max or both")
        lo, hi = _operand(min), _operand(max)
        return self._write("clamp_", lambda t: np.clip(t, lo, hi, out=t, casting="same_kind"))

    def copy_(self, src: Any) -> DataArray:
        """Copy ``src`` in (broadcast to this shape, cast to this dtype)."""
        src = _operand(src)
        return self._write(
            "copy_", lambda t: np.copyto(t, np.broadcast_to(src, t.shape), casting="unsafe")
        )

    def fill_(self, value: Any) -> DataArray:
        value = _operand(value)
        return self._write("fill_", lambda t: np.copyto(t, value, casting="unsafe"))

    def zero_(self) -> DataArray:
        return self.fill_(0)

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> DataArray:
        """Draws from U[from, to) (the default stream unless ``generator`` is given)."""
        values = uniform_values("uniform_", self.shape, self.dtype, from_, to, generator)
        return self._write("uniform_", lambda t: np.copyto(t, values))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> DataArray:
        """Draws from N(mean, std^2) (the default stream unless ``generator`` is given)."""
        values = normal_values("normal_", self.shape, self.dtype, mean, std, generator)
        return self._write("normal_", lambda t: np.copyto(t, values))


def view_of(array: np.ndarray, vc: list) -> DataArray:
    """``array`` as a :class:`DataArray` counting its changes in ``vc``."""
    if not isinstance(array, np.ndarray):  # a NumPy scalar some op returned: immutable
        return array
    view = array.view(DataArray)
    view._vc = vc
    return view


def is_whole_view(value: Any, array: np.ndarray) -> bool:
    """Is ``value`` a DataArray over exactly ``array``'s memory (``t.data = t.data``)?"""
    return (
        isinstance(value, DataArray)
        and value.__array_interface__["data"][0] == array.__array_interface__["data"][0]
        and value.shape == array.shape
        and value.strides == array.strides
        and value.dtype == array.dtype
    )
