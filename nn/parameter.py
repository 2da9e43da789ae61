"""``Parameter``: a Tensor that a Module trains."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.data_view import is_whole_view
from autograd.tensor import Tensor, _assigned_array

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that ``Module`` registers automatically.

    Assigning ``param.data = array`` writes the values *into* the existing array (same
    shape required, cast to the parameter's dtype), so optimizers, views and saved
    references keep pointing at the live weights. In-place ops (``p -= lr * p.grad``,
    ``p.mul_(0.9)``) update the parameter itself too, inside ``with no_grad():``.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, label: str = "") -> None:
        super().__init__(data, requires_grad=requires_grad, label=label)
        if self._data.dtype.kind != "f":
            raise TypeError(f"Parameter: needs floating data, got dtype {self._data.dtype}")

    @property
    def data(self) -> np.ndarray:
        return super().data

    @data.setter
    def data(self, value: Any) -> None:
        current = self._data
        if is_whole_view(value, current):  # ``p.data -= lr * g`` already updated in place
            return
        array = _assigned_array(self, value, "Parameter.data")
        if not current.flags.writeable:  # e.g. a read-only array loaded from disk:
            self._data = np.array(array)  # take a writable copy (the optimizer's hint)
            return
        np.copyto(current, array)

    def _cast(self, dtype: np.dtype) -> None:
        """Give this parameter (and its gradient) a new dtype in place: the same object,
        so references to it (a model's attributes, tied weights) all see the cast
        (``Module.to``). The ``.data`` setter keeps the dtype, hence ``_data``."""
        if self._data.dtype == dtype:
            return
        self._data = self._data.astype(dtype)
        if self.grad is not None:
            self.grad = Tensor(self.grad._data.astype(dtype))

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
