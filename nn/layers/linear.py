"""Fully connected layers: ``Linear``, ``Identity``, ``Flatten`` and the ``MLP`` builder."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.random import as_generator
from autograd.tensor import Tensor

from .. import init
from ..functional.linear import linear
from ..module import Module, Sequential
from ..parameter import Parameter
from .activation import activation_module


class Linear(Module):
    """u = x W^T + b.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    rng : seed or ``np.random.Generator`` for the initial weights.

    Shapes: input (..., in_features) -> output (..., out_features); ``weight`` is
    (out_features, in_features) and ``bias`` (out_features,), as in PyTorch. Initialised
    as PyTorch does: W, b ~ U(-1/sqrt(in_features), 1/sqrt(in_features)).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        rng: Any = None,
    ) -> None:
        super().__init__()
        if in_features <= 0 or out_features <= 0:
            raise ValueError(
                f"Linear: in_features and out_features must be positive, got "
                f"{in_features} and {out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        dtype = dtype or get_default_dtype()
        rng = as_generator(rng)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        # PyTorch: kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if bias:
            bound = 1.0 / math.sqrt(in_features)
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, rng=rng)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input (a placeholder layer; also the identity output activation)."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` (default: everything but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class MLP(Module):
    """Multi-layer perceptron: Linear layers with an activation between them.

    ``MLP([4, 16, 3])`` is Linear(4,16) -> ReLU -> Linear(16,3). The layers live in
    ``self.layers`` (a Sequential), so parameter names are ``layers.0.weight``,
    ``layers.2.bias``, ... exactly as for the same ``torch.nn.Sequential``.

    Parameters
    ----------
    sizes : [d_in, hidden..., d_out]
    activation : name ("relu", "tanh", "sigmoid", "leaky_relu", "identity"), a Module
        class, or a zero-argument callable returning a Module; used between layers.
    output_activation : same kinds, or None for an identity (linear) output.
    dropout : dropout probability after each hidden activation (0 = none).
    dtype : parameter dtype (default: the default float dtype, float32).
    rng : seed or Generator for the initial weights (and dropout masks).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | type | Callable[[], Module] = "relu",
        output_activation: str | type | Callable[[], Module] | None = None,
        *,
        dropout: float = 0.0,
        bias: bool = True,
        dtype: Any = None,
        rng: Any = None,
    ) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: need at least input and output sizes, got {sizes}")
        from .dropout import Dropout

        rng = as_generator(rng)
        layers: list[Module] = []
        for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(d_in, d_out, bias=bias, dtype=dtype, rng=rng))
            if i < len(sizes) - 2:
                layers.append(activation_module(activation))
                if dropout:
                    layers.append(Dropout(dropout, rng=rng))
            elif output_activation is not None:
                layers.append(activation_module(output_activation))
        self.sizes = sizes
        self.layers = Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}"
