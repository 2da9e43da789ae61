"""A character-level language model: ``CharRNN``, its sampler ``generate`` and
``recurrent_layer`` (``nn.RNN``/``nn.LSTM``/``nn.GRU`` by name).

Train it with truncated BPTT (:mod:`nn.train.truncated_bptt`) on a
:class:`~nn.data.SequenceLoader` and :func:`~nn.functional.sequence_cross_entropy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.graph import no_grad
from autograd.random import as_generator
from autograd.tensor import Tensor

from ..data.sequence import State
from ..layers.embedding import Embedding
from ..layers.linear import Linear
from ..layers.rnn import GRU, LSTM, RNN
from ..module import Module

__all__ = ["recurrent_layer", "CharRNN", "generate"]


_CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def recurrent_layer(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    dropout: float = 0.0,
    rng: Any = None,
) -> Module:
    """``nn.RNN``/``nn.LSTM``/``nn.GRU`` by name, always ``batch_first=True``."""
    if cell not in _CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(_CELLS)}")
    return _CELLS[cell](
        input_size, hidden_size, num_layers, batch_first=True, dropout=dropout, rng=rng
    )


class CharRNN(Module):
    """Character-level language model: Embedding -> RNN/LSTM/GRU -> Linear to the vocabulary.

    Parameters
    ----------
    vocab_size : V
    embed_dim : D
    hidden_size : H
    cell : "lstm", "gru" or "rnn" (Elman, tanh)
    num_layers, dropout : of the recurrent layer
    rng : seed or Generator for every initial weight

    Notes
    -----
    ``forward(x, state=None)``: x int (B, T) -> (logits (B, T, V), state), the state
    in the recurrent layer's form ((L, B, H), or a pair of those for an LSTM).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int = 32,
        hidden_size: int = 128,
        cell: str = "lstm",
        num_layers: int = 1,
        dropout: float = 0.0,
        rng: Any = None,
    ) -> None:
        super().__init__()
        rng = as_generator(rng)
        self.cell = cell
        self.embedding = Embedding(vocab_size, embed_dim, rng=rng)
        self.rnn = recurrent_layer(cell, embed_dim, hidden_size, num_layers, dropout, rng)
        self.head = Linear(hidden_size, vocab_size, rng=rng)

    def forward(self, x: Any, state: State = None) -> tuple[Tensor, State]:
        out, state = self.rnn(self.embedding(x), state)
        return self.head(out), state


def generate(
    model: Module, prompt: Any, length: int, temperature: float = 1.0, random_state: Any = None
) -> np.ndarray:
    """Sample ``length`` tokens after ``prompt`` from a model like :class:`CharRNN`.

    The prompt is read in one call (its final state is the context); then each step
    feeds the previous token and samples the next from softmax(logits / temperature).
    ``temperature -> 0`` approaches greedy decoding; above 1 the text gets more random.

    Parameters
    ----------
    model : called as ``logits, state = model(x (1, T) int, state)``
    prompt : 1-D int array of at least one token
    length : number of new tokens
    temperature : > 0

    Returns
    -------
    np.ndarray of int64, shape (length,): the new tokens only.
    """
    prompt = np.asarray(getattr(prompt, "data", prompt))
    if prompt.ndim != 1 or prompt.size == 0 or prompt.dtype.kind not in "iu":
        raise ValueError(
            f"generate: prompt must be a non-empty 1-D integer array, got "
            f"{prompt.dtype} of shape {prompt.shape}"
        )
    if not temperature > 0:
        raise ValueError(f"generate: temperature must be > 0, got {temperature}")
    rng = as_generator(random_state)
    was_training = model.training
    model.eval()
    out = np.empty(length, dtype=np.int64)
    try:
        with no_grad():
            logits, state = model(prompt[None].astype(np.int64), None)
            for i in range(length):
                u = logits.data[0, -1].astype(np.float64) / temperature
                p = np.exp(u - u.max())
                out[i] = rng.choice(p.size, p=p / p.sum())
                logits, state = model(out[i : i + 1][None], state)
    finally:
        model.train(was_training)
    return out
