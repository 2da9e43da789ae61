"""Dropout: random masks while training, identity while evaluating."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.tensor import Tensor

from ..functional.activation import dropout
from ..module import Module


class Dropout(Module):
    """Inverted dropout: each unit is zeroed with probability ``p`` during training and
    survivors are scaled by 1/(1-p); in ``eval()`` mode the layer passes x through.

    ``rng`` (seed or Generator) makes the masks reproducible.
    """

    def __init__(self, p: float = 0.5, *, rng: Any = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
