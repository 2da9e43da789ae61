"""PyTorch's and NumPy's names for the same argument: ``dim``/``axis``, ``keepdim``/``keepdims``.

Every array op accepts both spellings, so code written for either library runs. Giving
both spellings of one argument in a single call is a mistake (which one was meant?) and
raises a TypeError naming the op and both keywords.
"""

from __future__ import annotations

from typing import Any


def pick(op: str, torch_name: str, torch_value: Any, numpy_name: str, numpy_value: Any) -> Any:
    """The value given under either name (``None`` when neither was given)."""
    if numpy_value is None:
        return torch_value
    if torch_value is not None:
        raise TypeError(
            f"{op}: got both {torch_name}={torch_value!r} and {numpy_name}={numpy_value!r}; "
            f"they are the same argument (PyTorch and NumPy spelling) -- pass only one"
        )
    return numpy_value


def dim_of(op: str, dim: Any, axis: Any) -> Any:
    """``dim`` (PyTorch) or ``axis`` (NumPy)."""
    return pick(op, "dim", dim, "axis", axis)


def keepdim_of(op: str, keepdim: bool | None, keepdims: bool | None) -> bool:
    """``keepdim`` (PyTorch) or ``keepdims`` (NumPy); False when neither is given."""
    return bool(pick(op, "keepdim", keepdim, "keepdims", keepdims))
