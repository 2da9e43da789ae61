"""The same float64 tensor in deltagrad and in PyTorch, for tests that run one function
with both libraries (tests/test_inplace.py, tests/test_tensor_hooks.py). Import it after
``pytest.importorskip("torch")``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from autograd import Tensor


def ours(values: Any, requires_grad: bool = False) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def theirs(values: Any, requires_grad: bool = False) -> Any:
    return torch.tensor(values, dtype=torch.float64, requires_grad=requires_grad)


def as_numpy(t: Any) -> np.ndarray | None:
    """The values of either library's tensor (None stays None)."""
    if t is None:
        return None
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)
