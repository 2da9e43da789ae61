"""What the data modules accept: any array-like as a NumPy array, any seed as a Generator.

Shared by :mod:`nn.data` and :mod:`nn.preprocessing`. It is its own module because
``nn.data`` re-exports the preprocessing tools, so ``nn.preprocessing`` cannot import
these helpers from ``nn.data`` without an import cycle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.random import as_generator
from autograd.tensor import Tensor

Seed = int | np.random.Generator | None


def _as_array(data: Any) -> np.ndarray:
    """A NumPy view of array-likes and Tensors (a Tensor keeps its own dtype here)."""
    if isinstance(data, Tensor):
        return data.data
    if hasattr(data, "detach") and hasattr(data, "numpy"):  # a torch.Tensor
        return data.detach().cpu().numpy()
    return np.asarray(data)


def _rng(generator: Seed) -> np.random.Generator:
    return as_generator(generator)

