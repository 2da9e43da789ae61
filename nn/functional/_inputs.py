"""The one input rule of every layer, loss and functional form, and the argument checks
their constructors share.

Input rule: a layer accepts whatever ``Tensor(x)`` accepts -- a Tensor, a NumPy array, a
nested list of numbers, a number -- and treats it exactly as ``Tensor(x)`` (so the
outputs are the same values of the same dtype). A Tensor passes with one ``isinstance``
check, the forward's hot path; anything else is converted once at the entry. Something
that is not numbers is a TypeError, a ragged nested list a ValueError, each naming the
layer or function and saying what to pass instead.

Argument checks: an ``int`` argument is refused with a TypeError when it is not an
integer (``2.5``, ``"3"``, ``True``), with a ValueError when it is out of range; each
message names the layer, the argument and the value.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from autograd.tensor import Tensor

__all__ = [
    "as_tensor",
    "check_ndim",
    "check_dim",
    "check_int",
    "check_number",
    "check_probability",
    "IntPair",
    "pair",
    "check_output_size",
    "as_array",
    "class_scores",
    "check_prelu_channels",
    "check_divisor",
    "check_norm_type",
]

_ACCEPTED = "a Tensor, a NumPy array or a nested list of numbers"


# ---------------------------------------------------------------- inputs
def as_tensor(x: Any, who: str, what: str = "input") -> Tensor:
    """``x`` itself if it is a Tensor, else ``Tensor(x)``; a refusal names ``who``."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except (TypeError, ValueError) as err:
        raise _refusal(x, who, what, err) from None


def as_input_for(x: Any, weight: Tensor, who: str) -> Tensor:
    """The input of a layer with parameters: a Tensor as is; NumPy data or a nested list
    becomes a Tensor of the *parameters'* dtype -- as ``DataLoader`` casts floating data
    to the default dtype -- so ``model(np.ones((2, 4)))`` (float64 NumPy) gives the same
    float32 result for Linear, Conv2d, BatchNorm and the rest. A *Tensor* of another
    float dtype is refused by the op, as in PyTorch (no silent change of precision)."""
    if isinstance(x, Tensor):
        return x
    t = as_tensor(x, who)
    if t.dtype != weight.dtype and weight.dtype.kind == "f":
        return Tensor._constant(t._data.astype(weight.dtype))
    return t


def _refusal(x: Any, who: str, what: str, err: Exception) -> Exception:
    text = str(err)
    if isinstance(err, ValueError) and ("inhomogeneous" in text or "sequence" in text):
        return ValueError(
            f"{who}: {what} is a ragged nested list (its rows differ in length), which is "
            f"no array; give every row the same length (pad with zeros if needed)"
        )
    kind = type(x).__name__
    if isinstance(x, np.ndarray):
        kind += f" of dtype {x.dtype}"
    return TypeError(
        f"{who}: {what} must be {_ACCEPTED}, got {kind}; convert it, e.g. "
        f"Tensor(np.asarray(data, dtype=np.float32))"
    )


def as_array(x: Any, who: str, what: str = "input") -> Any:
    """Numbers whose dtype matters (token indices, or data checked for being float): a
    Tensor or ndarray as is, a nested list as an ndarray of its own dtype (so ``[1, 2]``
    stays integer); refusals as in :func:`as_tensor`."""
    if isinstance(x, (Tensor, np.ndarray)):
        return x
    try:
        array = np.asarray(x)
    except ValueError as err:
        raise _refusal(x, who, what, err) from None
    if array.dtype.kind not in "fbiu":
        raise _refusal(x, who, what, TypeError(str(array.dtype)))
    return array


def class_scores(name: str, input: Any) -> Tensor:
    """The input rule for the class scores of cross_entropy and nll_loss, (N, C, *) or
    (C,): at least one axis of classes."""
    input = as_tensor(input, name)
    if input.ndim == 0:
        raise ValueError(
            f"{name}: expected scores of shape (N, C), (N, C, d1, ...) or (C,), got shape (); "
            "one number has no classes to choose from (for a yes/no target use "
            "binary_cross_entropy_with_logits)"
        )
    return input


def check_ndim(
    x: Tensor, who: str, ndims: tuple[int, ...], layout: str, other: str = "", count: str = ""
) -> None:
    """ValueError unless ``x.ndim`` is one of ``ndims``; ``layout`` spells the shape,
    ``count`` the number of dimensions (default: ``ndims``), ``other`` a layer for other
    ranks (e.g. "BatchNorm2d for (N, C, H, W)")."""
    if x.ndim not in ndims:
        if x.ndim + 1 in ndims:
            fix = "add a batch axis with x.unsqueeze(0)"
        else:
            fix = f"reshape it to {layout}" + (f", or use {other}" if other else "")
        count = count or " or ".join(map(str, ndims))
        raise ValueError(
            f"{who}: expected input {layout} ({count} dimensions), got shape {x.shape}; {fix}"
        )


def check_dim(x: Tensor, who: str, dim: int, name: str = "dim", scalar_ok: bool = True) -> int:
    """``dim`` as a non-negative axis of ``x`` (PyTorch's range: -n .. n-1, with a 0-d
    input counting as 1-d when ``scalar_ok``)."""
    n = x.ndim
    if scalar_ok and n == 0:
        n = 1
    if not -n <= dim < n:
        valid = f"{-n} .. {n - 1}" if n else "none: the input has no axes"
        raise ValueError(
            f"{who}: {name} {dim} is out of range for input of shape {x.shape} (valid: {valid})"
        )
    return dim % n


# ---------------------------------------------------------------- arguments
def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(who: str, name: str, value: Any, minimum: int | None = None) -> int:
    """An integer argument (TypeError otherwise), at least ``minimum`` (ValueError)."""
    if not _is_int(value):
        raise TypeError(f"{who}: {name} must be an int, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        bound = "positive (>= 1)" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{who}: {name} must be {bound}, got {value}")
    return int(value)


def check_number(who: str, name: str, value: Any) -> float:
    """A real-number argument (TypeError otherwise, NaN a ValueError)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number)):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__} {value!r}")
    if value != value:
        raise ValueError(f"{who}: {name} must be a number, got nan")
    return float(value)


def check_probability(who: str, name: str, value: Any) -> float:
    """A probability in [0, 1] (PyTorch's rule for dropout)."""
    p = check_number(who, name, value)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: {name} must be in [0, 1], got {value}")
    return p


def check_prelu_channels(x: Tensor, who: str, count: int) -> None:
    """One slope, or one per channel: axis 1, or axis 0 of a 1-D input (PyTorch)."""
    if count == 1:
        return
    channels = x.shape[1] if x.ndim > 1 else (x.shape[0] if x.ndim else None)
    if channels != count:
        raise ValueError(
            f"{who}: {count} parameters need {count} channels on axis 1 (axis 0 of a 1-D "
            f"input), got input of shape {x.shape}; use num_parameters=1 for one shared "
            "slope"
        )


def check_divisor(name: str, divisor_override: Any) -> None:
    """avg_pool2d's divisor_override: None or a non-zero int (PyTorch's rule)."""
    if divisor_override is not None:
        if check_int(name, "divisor_override", divisor_override) == 0:
            raise ValueError(f"{name}: divisor_override must be non-zero (or None), got 0")


def check_norm_type(name: str, norm_type: Any) -> float:
    """lp_pool2d's p: a non-zero number (p = 0 would take a 0-th root)."""
    p = check_number(name, "norm_type", norm_type)
    if p == 0:
        raise ValueError(f"{name}: norm_type must be non-zero")
    return p


#: An int for both axes, or (height, width).
IntPair = int | tuple[int, int]


def pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints -> (height, width), each at least ``minimum``.

    ``name`` is the whole prefix of a message, e.g. ``"Conv2d: stride"``.
    """
    if _is_int(value):
        result = (int(value), int(value))
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}") from None
        if len(items) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        if not all(_is_int(v) for v in items):
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
        result = (int(items[0]), int(items[1]))
    if min(result) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return result


def check_output_size(who: str, output_size: Any) -> tuple[int | None, int | None]:
    """Adaptive pooling's target: an int or a pair of ints or None, each >= 1."""
    sizes = (
        (output_size, output_size)
        if not isinstance(output_size, (tuple, list))
        else tuple(output_size)
    )
    if len(sizes) != 2:
        raise ValueError(f"{who}: output_size must be an int or a pair, got {output_size!r}")
    for size in sizes:
        if size is not None and not _is_int(size):
            raise TypeError(
                f"{who}: output_size must be an int or a pair of ints or None, got {output_size!r}"
            )
    if any(size is not None and size < 1 for size in sizes):
        raise ValueError(f"{who}: output_size must be positive, got {output_size!r}")
    return sizes
