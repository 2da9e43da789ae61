"""``Embedding``: a trainable lookup table from token indices to vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.random import as_generator
from autograd.tensor import Tensor

from ..functional._inputs import as_array, check_int
from ..functional.embedding import embedding, normalize_padding_idx
from ..module import Module
from ..parameter import Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """Row ``i`` of ``weight`` is the vector of token ``i`` (PyTorch's ``nn.Embedding``).

    Parameters
    ----------
    num_embeddings : int, vocabulary size V
    embedding_dim : int, vector size D
    padding_idx : this row starts at zero and receives no gradient, so a padding token
        contributes nothing and stays nothing (negative counts from the end).
    dtype, rng : parameter dtype; seed or Generator for the initial values, N(0, 1)
        like PyTorch.

    Notes
    -----
    Shapes: integer input (*) -> (*, D); ``weight`` is (V, D).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        dtype: Any = None,
        rng: Any = None,
    ) -> None:
        super().__init__()
        num_embeddings = check_int("Embedding", "num_embeddings", num_embeddings, 1)
        embedding_dim = check_int("Embedding", "embedding_dim", embedding_dim, 1)
        if padding_idx is not None:
            check_int("Embedding", "padding_idx", padding_idx)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = normalize_padding_idx(padding_idx, num_embeddings, "Embedding")
        rng = as_generator(rng)
        weight = rng.standard_normal((num_embeddings, embedding_dim))
        if self.padding_idx is not None:
            weight[self.padding_idx] = 0.0
        self.weight = Parameter(weight.astype(dtype or get_default_dtype()))

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding holding a copy of ``embeddings`` (V, D), e.g. trained word vectors.

        ``freeze`` (default, as in PyTorch) turns its gradient off. The padding row keeps
        its given values; it just receives no gradient.
        """
        data = np.array(getattr(embeddings, "data", embeddings), copy=True)
        if data.ndim != 2 or data.dtype.kind != "f":
            raise ValueError(
                f"Embedding.from_pretrained: expected a float (num_embeddings, dim) array, "
                f"got shape {data.shape} and dtype {data.dtype}"
            )
        num_embeddings, embedding_dim = data.shape
        emb = cls(num_embeddings, embedding_dim, padding_idx=padding_idx, dtype=data.dtype)
        emb.weight.data = data
        emb.weight.requires_grad = not freeze
        return emb

    def forward(self, input: Any) -> Tensor:
        return embedding(as_array(input, "Embedding"), self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"
