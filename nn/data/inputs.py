"""What the data modules accept: any array-like as a NumPy array; a seed's type.

Shared by :mod:`nn.data.dataset`, :mod:`nn.data.loader` and :mod:`nn.data.preprocessing`
(a seed becomes a Generator with ``autograd.random.as_generator``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.tensor import Tensor

Seed = int | np.random.Generator | None


def _as_array(data: Any) -> np.ndarray:
    """A NumPy view of array-likes and Tensors (a Tensor keeps its own dtype here)."""
    if isinstance(data, Tensor):
        return data._data
    if hasattr(data, "detach") and hasattr(data, "numpy"):  # a torch.Tensor
        return data.detach().cpu().numpy()
    return np.asarray(data)
