"""Activation layers: each wraps its function so it can sit in a ``Sequential``.

sigmoid  f(u) = 1 / (1 + e^-u)          f' = f (1 - f)
tanh     f(u) = tanh u                  f' = 1 - f^2
ReLU     f(u) = max(0, u)               f' = [u > 0]
leaky / PReLU  f(u) = max(0, u) + a min(0, u)   (a fixed / learned)
maxout   max over groups of k units
softmax  f(u)_k = e^{u_k} / sum_j e^{u_j}   (in (0, 1), sums to 1)
identity f(u) = u                       f' = 1
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.tensor import Tensor

from ..functional import activation as F
from ..functional._inputs import (
    as_input_for,
    as_tensor,
    check_dim,
    check_int,
    check_number,
    check_prelu_channels,
)
from ..module import Module
from ..parameter import Parameter


class Identity(Module):
    """Returns its input (a placeholder layer; also the identity output activation)."""

    op_labels = frozenset()

    def forward(self, x: Tensor) -> Tensor:
        return x


class ReLU(Module):
    op_labels = frozenset({"relu"})

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x, "ReLU").relu()


class Sigmoid(Module):
    op_labels = frozenset({"sigmoid"})

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x, "Sigmoid").sigmoid()


class Tanh(Module):
    op_labels = frozenset({"tanh"})

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x, "Tanh").tanh()


class LeakyReLU(Module):
    op_labels = frozenset({"leaky_relu"})

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        check_number("LeakyReLU", "negative_slope", negative_slope)
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x, "LeakyReLU").leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Leaky ReLU whose slope ``a`` is learned: one shared (default) or one per channel
    (``num_parameters=C``, channel axis 1). ``weight`` starts at ``init`` (0.25)."""

    op_labels = frozenset({"where", "*", "+", "reshape"})

    def __init__(self, num_parameters: int = 1, init: float = 0.25, *, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = check_int("PReLU", "num_parameters", num_parameters, 1)
        check_number("PReLU", "init", init)
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype or get_default_dtype()))

    def forward(self, x: Tensor) -> Tensor:
        x = as_input_for(x, self.weight, "PReLU")
        check_prelu_channels(x, "PReLU", self.num_parameters)
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmax(Module):
    op_labels = frozenset({"softmax"})

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int("Softmax", "dim", dim)

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x, "Softmax")
        check_dim(x, "Softmax", self.dim)
        return F.softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    op_labels = frozenset({"log_softmax"})

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int("LogSoftmax", "dim", dim)

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x, "LogSoftmax")
        check_dim(x, "LogSoftmax", self.dim)
        return F.log_softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Maxout(Module):
    """Maximum over groups of ``pool_size`` consecutive units (the textbook's maxout
    unit when placed after a Linear layer with k times as many outputs)."""

    op_labels = frozenset({"reshape", "max"})

    def __init__(self, pool_size: int, dim: int = -1) -> None:
        super().__init__()
        self.pool_size = check_int("Maxout", "pool_size", pool_size, 1)
        self.dim = check_int("Maxout", "dim", dim)

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x, "Maxout")
        check_dim(x, "Maxout", self.dim, scalar_ok=False)
        return F.maxout(x, self.pool_size, self.dim)

    def extra_repr(self) -> str:
        return f"pool_size={self.pool_size}"


_BY_NAME: dict[str, type[Module]] = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "leaky_relu": LeakyReLU,
    "prelu": PReLU,
    "softmax": Softmax,
}


def activation_module(spec: str | type | Callable[[], Module] | Module) -> Module:
    """A fresh activation Module from a name, a Module class or a factory."""
    if isinstance(spec, Module):
        return spec
    if isinstance(spec, str):
        key = spec.lower()
        if key in ("identity", "linear", "none"):
            return Identity()
        if key not in _BY_NAME:
            raise ValueError(
                f"unknown activation {spec!r}; use one of {sorted(_BY_NAME)} or 'identity'"
            )
        return _BY_NAME[key]()
    module = spec()
    if not isinstance(module, Module):
        raise TypeError(f"activation factory returned {type(module).__name__}, not a Module")
    return module
