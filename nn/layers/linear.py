"""Fully connected layers: ``Linear``, ``Flatten`` and the ``MLP`` builder."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.random import as_generator
from autograd.tensor import Tensor

from .. import init
from ..containers import Sequential
from ..functional._inputs import as_input_for, as_tensor, check_int, check_probability
from ..functional.linear import linear
from ..module import Module
from ..parameter import Parameter
from .activation import activation_module


def check_features(x: Tensor, who: str, in_features: int) -> None:
    """A fully connected input: (..., in_features), at least 1-D."""
    shape = x._data.shape  # (the array itself, not the .data view: this runs every forward)
    if not shape or shape[-1] != in_features:
        fix = (
            "a single sample is x.reshape(1, -1)"
            if not shape
            else f"reshape it so the last axis holds the {in_features} features"
        )
        raise ValueError(
            f"{who}: expected input (..., {in_features}), i.e. in_features={in_features} "
            f"on the last axis, got shape {x.shape}; {fix}"
        )


class Linear(Module):
    """u = x W^T + b.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    rng : seed or ``np.random.Generator`` for the initial weights.

    Notes
    -----
    Shapes: input (..., in_features) -> output (..., out_features); ``weight`` is
    (out_features, in_features) and ``bias`` (out_features,), as in PyTorch. Initialised
    as PyTorch does: W, b ~ U(-1/sqrt(in_features), 1/sqrt(in_features)).
    """

    op_labels = frozenset({"linear", "matmul"})

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
        in_features = check_int("Linear", "in_features", in_features, 1)
        out_features = check_int("Linear", "out_features", out_features, 1)
        self.in_features = in_features
        self.out_features = out_features
        dtype = dtype or get_default_dtype()
        rng = as_generator(rng)
        # (Row-major, as PyTorch's: a column-major weight makes the forward's x W^T ~15%
        # faster with OpenBLAS, but then w.data.reshape(-1) is a copy, and code that
        # writes through it -- a hand-made numerical gradient -- silently changes nothing.)
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
        x = as_input_for(x, self.weight, "Linear")
        check_features(x, "Linear", self.in_features)
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` (default: everything but the batch axis)."""

    op_labels = frozenset({"reshape"})

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        start_dim = check_int("Flatten", "start_dim", start_dim)
        end_dim = check_int("Flatten", "end_dim", end_dim)
        if (start_dim < 0) == (end_dim < 0) and start_dim > end_dim:  # wrong for any input
            raise ValueError(f"Flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x, "Flatten")
        n = max(x.ndim, 1)  # PyTorch: a 0-d input has one axis to name
        for name, dim in (("start_dim", self.start_dim), ("end_dim", self.end_dim)):
            if not -n <= dim < n:
                raise ValueError(
                    f"Flatten: {name}={dim} is out of range for input of shape {x.shape} "
                    f"(valid: {-n} .. {n - 1}); choose dims that exist, e.g. Flatten(0) for "
                    "a single unbatched sample"
                )
        if self.start_dim % n > self.end_dim % n:
            raise ValueError(
                f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} for "
                f"input of shape {x.shape}"
            )
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
        # everything checked before the first weight is drawn from rng
        sizes = [check_int("MLP", f"sizes[{i}]", n, 1) for i, n in enumerate(sizes)]
        check_probability("MLP", "dropout", dropout)
        for spec in (activation, output_activation):
            try:
                if spec is not None:
                    activation_module(spec)
            except (TypeError, ValueError) as err:
                raise type(err)(f"MLP: {err}") from None
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
        x = as_input_for(x, next(iter(self.parameters())), "MLP")
        check_features(x, "MLP", self.sizes[0])
        return self.layers(x)

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}"
