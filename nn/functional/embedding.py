"""Embedding lookup: row ``i`` of a weight matrix for every token index ``i``.

Looking up row i is the same as multiplying a one-hot vector e_i by the weight matrix,
so the gradient of row i is the sum of the upstream gradients of every position that
picked token i -- a scatter-add, never a dense (vocabulary x dim) product.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.graph import is_grad_enabled
from autograd.ops.indexing import IndexAdd
from autograd.rules import DerivativeRule
from autograd.tensor import Tensor

from ._inputs import as_array, as_tensor

__all__ = ["embedding", "EmbeddingOp", "check_indices", "normalize_padding_idx"]


def check_indices(input: Any, num_embeddings: int, who: str = "embedding") -> np.ndarray:
    """Token indices as an integer array; anything outside 0..num_embeddings-1 is refused."""
    indices = np.asarray(getattr(input, "data", input))
    if indices.dtype.kind not in "iu":
        raise TypeError(
            f"{who}: indices must be integers, got dtype {indices.dtype} (make them with "
            "np.int64 or Tensor(..., dtype=np.int64))"
        )
    bad = (indices < 0) | (indices >= num_embeddings)
    if bad.any():
        raise ValueError(
            f"{who}: index {int(indices[bad].flat[0])} is out of range for num_embeddings="
            f"{num_embeddings} (valid: 0..{num_embeddings - 1})"
        )
    return indices


def normalize_padding_idx(
    padding_idx: int | None, num_embeddings: int, who: str = "embedding"
) -> int | None:
    """PyTorch's rule: a negative padding_idx counts from the end."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"{who}: padding_idx {padding_idx} is out of range for num_embeddings={num_embeddings}"
        )
    return padding_idx % num_embeddings


class EmbeddingOp(Function):
    """out[..., :] = weight[indices[...], :];  dweight[i] = sum of gy where indices == i.

    The row ``padding_idx`` receives no gradient (it stays what it is, usually zeros).
    The scatter-add is the engine's ``IndexAdd``, itself differentiable, so the backward
    works under create_graph too.
    """

    op = "embedding"
    rule = DerivativeRule.of("W", "add gy rows at the indices")

    def forward(
        self, weight: np.ndarray, indices: np.ndarray, padding_idx: int | None = None
    ) -> np.ndarray:
        self.indices, self.padding_idx = indices, padding_idx
        return weight[indices]

    def backward(self, gy: Tensor) -> Tensor:
        shape = self.inputs[0].shape
        g = IndexAdd.apply(gy, index=self.indices, shape=shape)
        if self.padding_idx is None:
            return g
        if is_grad_enabled():  # keep the graph: mask the row out with a differentiable op
            keep = np.ones((shape[0], 1), dtype=g.dtype)
            keep[self.padding_idx] = 0.0
            return g * keep
        g.data[self.padding_idx] = 0.0  # a fresh array nobody else holds
        return g


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Look up rows of ``weight`` (PyTorch's ``F.embedding``).

    Parameters
    ----------
    input : integer array or integer Tensor of any shape (*), values in 0..V-1
    weight : Tensor (V, D)
    padding_idx : this row gets no gradient (negative counts from the end)

    Returns a Tensor of shape (*, D).
    """
    input, weight = as_array(input, "embedding"), as_tensor(weight, "embedding", "weight")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be (num_embeddings, dim), got {weight.shape}")
    indices = check_indices(input, weight.shape[0])
    padding_idx = normalize_padding_idx(padding_idx, weight.shape[0])
    return EmbeddingOp.apply(weight, indices=indices, padding_idx=padding_idx)
