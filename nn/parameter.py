"""``Parameter``: a Tensor that a Module trains."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.tensor import Tensor

__all__ = ["Parameter"]

_data_slot = Tensor.data  # the slot descriptor that stores a Tensor's array


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that ``Module`` registers automatically.

    Assigning ``param.data = array`` writes the values *into* the existing array (same
    shape required, cast to the parameter's dtype), so optimizers, views and saved
    references keep pointing at the live weights.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, label: str = "") -> None:
        super().__init__(data, requires_grad=requires_grad, label=label)
        if self.data.dtype.kind != "f":
            raise TypeError(f"Parameter: needs floating data, got dtype {self.data.dtype}")

    @property  # type: ignore[override]
    def data(self) -> np.ndarray:
        return _data_slot.__get__(self)

    @data.setter
    def data(self, value: Any) -> None:
        try:
            current = _data_slot.__get__(self)
        except AttributeError:  # first assignment, from Tensor.__init__
            _data_slot.__set__(self, value)
            return
        if value is current:  # e.g. ``p.data -= lr * g`` already updated in place
            return
        value = np.asarray(value)
        if value.shape != current.shape:
            raise ValueError(
                f"Parameter.data: cannot assign an array of shape {value.shape} to a "
                f"parameter of shape {current.shape}; shapes must match"
            )
        np.copyto(current, value, casting="same_kind")

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
