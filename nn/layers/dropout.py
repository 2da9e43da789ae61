"""Dropout (units) and Dropout2d (whole feature maps): random masks while training,
identity while evaluating."""

from __future__ import annotations

from typing import Any

from autograd.random import as_generator
from autograd.tensor import Tensor

from ..functional._inputs import as_tensor, check_ndim, check_probability
from ..functional.activation import dropout, dropout2d
from ..module import Module


class Dropout(Module):
    """Inverted dropout: each unit is zeroed with probability ``p`` during training and
    survivors are scaled by 1/(1-p); in ``eval()`` mode the layer passes x through.

    ``rng`` (seed or Generator) makes the masks reproducible.
    """

    op_labels = frozenset({"*"})

    def __init__(self, p: float = 0.5, *, rng: Any = None) -> None:
        super().__init__()
        check_probability("Dropout", "p", p)
        self.p = p
        self.rng = as_generator(rng)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(as_tensor(x, "Dropout"), self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Module):
    """Channel dropout, PyTorch's ``nn.Dropout2d``: during training each feature map
    x[n, c] of an (N, C, H, W) input (x[c] of an unbatched (C, H, W) one) is zeroed with
    probability ``p`` and survivors are scaled by 1/(1-p); ``eval()`` passes x through.

    ``rng`` (seed or Generator) makes the masks reproducible. See
    ``nn.functional.dropout2d``.
    """

    def __init__(self, p: float = 0.5, *, rng: Any = None) -> None:
        super().__init__()
        check_probability("Dropout2d", "p", p)
        self.p = p
        self.rng = as_generator(rng)

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x, "Dropout2d")
        check_ndim(x, "Dropout2d", (3, 4), "(N, C, H, W) or unbatched (C, H, W)")
        return dropout2d(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
