"""Sequence batching for truncated BPTT: ``SequenceLoader`` and ``detach_state``.

``SequenceLoader`` lays one long sequence out as ``batch_size`` parallel streams and
yields them in chunks of ``seq_len`` steps, in order: row b of every batch continues
row b of the previous batch, so the hidden state in which a chunk ended is the right
state to start the next one from (shuffling would break that). ``detach_state`` cuts the
graph at the chunk boundary. :mod:`nn.train.truncated_bptt` puts both to work.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd.tensor import Tensor

from .loader import to_batch_field

__all__ = ["SequenceLoader", "detach_state", "State"]

State = Any  # None, a Tensor (RNN/GRU) or a tuple of Tensors (LSTM's (h, c))


class SequenceLoader:
    """(inputs, targets) chunks of ``seq_len`` steps from one long sequence, in order.

    The sequence s_0 .. s_(N-1) gives N - 1 (input, target) pairs (s_i, s_(i+1)). They are
    cut into ``batch_size`` contiguous streams of L = (N - 1) // batch_size pairs each
    (the last few pairs are dropped); stream b holds pairs b L .. (b + 1) L - 1. Batch k
    is steps k seq_len .. (k + 1) seq_len - 1 of every stream, so row b of batch k + 1
    continues row b of batch k -- carry the hidden state from one batch to the next.

    Parameters
    ----------
    data : array-like of shape (N,) or (N, F)
        Token ids (e.g. ``CharVocab.encode(text)``) or real-valued features.
    seq_len : int
        Steps per chunk: how far back the truncated backward pass reaches.
    batch_size : int
        Number of parallel streams B.
    batch_first : bool
        Batches as (B, T, ...) (default) or (T, B, ...), matching the recurrent layer's
        ``batch_first``.
    drop_last : bool
        Skip the final chunk when it is shorter than ``seq_len``.

    Yields
    ------
    (inputs, targets)
        Integer data as int64 NumPy arrays (for ``Embedding`` and ``cross_entropy``),
        floating data as Tensors of the default float dtype (``nn.data``'s batch policy).
        ``targets`` is ``inputs`` shifted one step ahead within each stream.

    Attributes
    ----------
    inputs, targets : np.ndarray of shape (B, L, ...)
        The streams.
    """

    def __init__(
        self,
        data: Any,
        seq_len: int,
        batch_size: int,
        batch_first: bool = True,
        drop_last: bool = False,
    ) -> None:
        for name, value in (("seq_len", seq_len), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"SequenceLoader: {name} must be a positive int, got {value!r}")
        array = np.asarray(getattr(data, "data", data))
        if array.ndim not in (1, 2):
            raise ValueError(
                f"SequenceLoader: data must be one sequence of shape (N,) or (N, features), "
                f"got shape {array.shape}"
            )
        length = (len(array) - 1) // batch_size
        if length < 1:
            raise ValueError(
                f"SequenceLoader: a sequence of {len(array)} steps cannot feed "
                f"{batch_size} streams (each needs at least one input and its target)"
            )
        self.seq_len, self.batch_size = int(seq_len), int(batch_size)
        self.batch_first, self.drop_last = bool(batch_first), bool(drop_last)
        used = length * batch_size
        self.inputs = self._streams(array[:used], length)
        self.targets = self._streams(array[1 : used + 1], length)

    def _streams(self, pairs: np.ndarray, length: int) -> np.ndarray:
        """(B L, ...) -> (B, L, ...): stream b is the b-th contiguous block."""
        return pairs.reshape((self.batch_size, length) + pairs.shape[1:])

    @property
    def steps_per_stream(self) -> int:
        """L, the number of (input, target) pairs in each stream."""
        return self.inputs.shape[1]

    def __len__(self) -> int:
        """Chunks per pass over the data."""
        if self.drop_last:
            return self.steps_per_stream // self.seq_len
        return math.ceil(self.steps_per_stream / self.seq_len)

    def _layout(self, chunk: np.ndarray) -> Any:
        if not self.batch_first:
            chunk = chunk.swapaxes(0, 1)
        return to_batch_field(np.ascontiguousarray(chunk))

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for k in range(len(self)):
            steps = slice(k * self.seq_len, (k + 1) * self.seq_len)
            yield self._layout(self.inputs[:, steps]), self._layout(self.targets[:, steps])

    def __repr__(self) -> str:
        return (
            f"SequenceLoader(streams={self.batch_size} x {self.steps_per_stream} steps, "
            f"seq_len={self.seq_len}, chunks={len(self)}, batch_first={self.batch_first})"
        )


def detach_state(state: State) -> State:
    """The same state values without their history: where truncated BPTT cuts the graph.

    Parameters
    ----------
    state : None, Tensor, or a tuple/list of those (LSTM's ``(h, c)``, nested for
        several layers or models)

    Returns
    -------
    The same structure with every Tensor replaced by ``tensor.detach()`` (data shared,
    no parents, ``requires_grad=False``). None stays None.
    """
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(
        f"detach_state: expected None, a Tensor or a tuple of Tensors, got {type(state).__name__}"
    )
