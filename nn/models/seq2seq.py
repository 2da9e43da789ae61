"""Encoder–decoder (系列変換モデル, seq2seq): read one sequence, write another.

::

    source  x_1 .. x_S ──► Encoder (Embedding + GRU/LSTM) ──► final state = context c
                                                                   │ initial state
    BOS y_1 .. y_(T-1) ──► Decoder (Embedding + GRU/LSTM + Linear) ─┴─► logits for y_1 .. y_T

The encoder's **final state is the context**: everything the decoder knows about the
source must pass through that one fixed-size state (h, or (h, c) for an LSTM) -- the
bottleneck that attention was later invented to remove.

Training uses **teacher forcing** (教師強制): the decoder's input at step t is the
*true* previous token y_(t-1) (BOS at t = 1), so all T steps run in one call and the
loss is the cross-entropy of every step. At test time the true tokens are unknown, so
:meth:`Seq2Seq.greedy_decode` feeds back the model's own most likely token, one step at
a time.

Example (reverse digit strings)::

    src, tgt_in, tgt_out = make_reversal_task(20000, length=5, random_state=0)
    model = Seq2Seq(vocab_size=11, embed_dim=32, hidden_size=128, cell="gru", rng=0)
    loader = DataLoader(TensorDataset(src, tgt_in, tgt_out), batch_size=64, shuffle=True)
    fit(model, sequence_cross_entropy, Adam(model.parameters(), lr=3e-3), loader,
        epochs=5, clip_grad_norm=1.0)
    pred = model.greedy_decode(src_test, max_len=5, bos_id=10)
    sequence_accuracy(pred, tgt_out_test)
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
from ..module import Module
from .char_rnn import recurrent_layer

__all__ = [
    "Encoder",
    "Decoder",
    "Seq2Seq",
    "make_reversal_task",
    "sequence_accuracy",
]

_SEQ2SEQ_CELLS = ("gru", "lstm", "rnn")


def _token_ids(name: str, tokens: Any) -> np.ndarray:
    """A (B, T) int64 array of token ids, or a clear error."""
    ids = np.asarray(getattr(tokens, "data", tokens))
    if ids.dtype.kind not in "iu" or ids.ndim != 2:
        raise ValueError(
            f"{name}: expected integer token ids of shape (batch, steps), got {ids.dtype} "
            f"of shape {ids.shape}"
        )
    return ids.astype(np.int64, copy=False)


class Encoder(Module):
    """Embedding + recurrent layer; the final state is the context.

    Parameters
    ----------
    vocab_size, embed_dim, hidden_size : V_src, E, H
    cell : "gru", "lstm" or "rnn"
    num_layers : of the recurrent layer
    rng : seed or Generator

    Notes
    -----
    ``forward(src (B, S) int)`` -> (outputs (B, S, H), context), the context being the
    final state: (L, B, H), or (h, c) of those for an LSTM.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        cell: str = "gru",
        num_layers: int = 1,
        rng: Any = None,
    ) -> None:
        super().__init__()
        self.embedding = Embedding(vocab_size, embed_dim, rng=rng)
        self.rnn = recurrent_layer(cell, embed_dim, hidden_size, num_layers, rng=rng)

    def forward(self, src: Any) -> tuple[Tensor, State]:
        return self.rnn(self.embedding(_token_ids("Encoder", src)))


class Decoder(Module):
    """Embedding + recurrent layer started from the context + Linear to the vocabulary.

    ``forward(tgt_in (B, T) int, state)`` -> (logits (B, T, V_tgt), state). With
    ``state`` = the encoder's context and ``tgt_in`` = BOS y_1 .. y_(T-1) this is the
    teacher-forced decoder; with T = 1 it is one step of free-running decoding.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        cell: str = "gru",
        num_layers: int = 1,
        rng: Any = None,
    ) -> None:
        super().__init__()
        self.embedding = Embedding(vocab_size, embed_dim, rng=rng)
        self.rnn = recurrent_layer(cell, embed_dim, hidden_size, num_layers, rng=rng)
        self.out = Linear(hidden_size, vocab_size, rng=rng)

    def forward(self, tgt_in: Any, state: State) -> tuple[Tensor, State]:
        hidden, state = self.rnn(self.embedding(_token_ids("Decoder", tgt_in)), state)
        return self.out(hidden), state


class Seq2Seq(Module):
    """Encoder–decoder with the encoder's final state as the decoder's initial state.

    Parameters
    ----------
    vocab_size : source vocabulary size (and the target's, unless ``tgt_vocab_size``)
    embed_dim, hidden_size : E, H (shared by encoder and decoder: the state passes
        straight from one to the other)
    cell : "gru" (default), "lstm" or "rnn"
    num_layers : recurrent layers in each of encoder and decoder
    tgt_vocab_size : target vocabulary size, if different
    rng : seed or Generator for every initial weight

    Notes
    -----
    ``forward(src (B, S), tgt_in (B, T))`` -> logits (B, T, V_tgt) under teacher forcing;
    train with ``sequence_cross_entropy(logits, tgt_out)``.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        cell: str = "gru",
        num_layers: int = 1,
        tgt_vocab_size: int | None = None,
        rng: Any = None,
    ) -> None:
        super().__init__()
        if cell not in _SEQ2SEQ_CELLS:
            raise ValueError(f"Seq2Seq: unknown cell {cell!r}; choose one of {_SEQ2SEQ_CELLS}")
        rng = as_generator(rng)
        self.cell = cell
        self.tgt_vocab_size = vocab_size if tgt_vocab_size is None else tgt_vocab_size
        self.encoder = Encoder(vocab_size, embed_dim, hidden_size, cell, num_layers, rng)
        self.decoder = Decoder(self.tgt_vocab_size, embed_dim, hidden_size, cell, num_layers, rng)

    def encode(self, src: Any) -> State:
        """The context: the encoder's final state."""
        _, context = self.encoder(src)
        return context

    def forward(self, src: Any, tgt_in: Any) -> Tensor:
        """Teacher forcing: the decoder reads the true previous tokens ``tgt_in``."""
        logits, _ = self.decoder(tgt_in, self.encode(src))
        return logits

    def greedy_decode(
        self, src: Any, max_len: int, bos_id: int, eos_id: int | None = None
    ) -> np.ndarray:
        """Decode by feeding back the most likely token: y_t = argmax p(y | y_<t, c).

        Parameters
        ----------
        src : int (B, S)
        max_len : most tokens to produce
        bos_id : the start token fed at step 1
        eos_id : optional end token; a sequence that has produced it is finished (its
            later positions are filled with ``eos_id``), and decoding stops early once
            every sequence has.

        Returns
        -------
        np.ndarray of int64, shape (B, L) with L <= max_len: the produced tokens, BOS
        excluded. Runs in ``eval()`` mode under ``no_grad()``; the mode is restored.
        """
        src = _token_ids("Seq2Seq.greedy_decode", src)
        if max_len < 1:
            raise ValueError(f"Seq2Seq.greedy_decode: max_len must be >= 1, got {max_len}")
        was_training = self.training
        self.eval()
        batch = len(src)
        tokens: list[np.ndarray] = []
        finished = np.zeros(batch, dtype=bool)
        try:
            with no_grad():
                state = self.encode(src)
                previous = np.full((batch, 1), bos_id, dtype=np.int64)
                for _ in range(max_len):
                    logits, state = self.decoder(previous, state)
                    token = logits.data[:, -1].argmax(axis=-1).astype(np.int64)
                    if eos_id is not None:
                        token[finished] = eos_id
                        finished |= token == eos_id
                    tokens.append(token)
                    if eos_id is not None and finished.all():
                        break
                    previous = token[:, None]
        finally:
            self.train(was_training)
        return np.stack(tokens, axis=1)

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}"


# ============================================================== a toy task
def make_reversal_task(
    n: int, length: int, vocab: int = 10, random_state: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reverse strings of digits: ``3 1 4 1 5`` -> ``5 1 4 1 3``.

    Every output token depends on an input token ``length`` steps away in the
    encoder–decoder path, and all of it has to pass through the context.

    Parameters
    ----------
    n : number of examples
    length : digits per string
    vocab : digits are 0 .. vocab - 1; BOS is ``vocab``, so models need
        ``vocab_size = vocab + 1``
    random_state : seed or Generator

    Returns
    -------
    src : int64 (n, length), uniform random digits
    tgt_in : int64 (n, length), BOS followed by the reversed string without its last
        digit (the teacher-forced decoder input)
    tgt_out : int64 (n, length), the reversed string (the targets)
    """
    if n < 1 or length < 1 or vocab < 1:
        raise ValueError(
            f"make_reversal_task: n, length and vocab must be >= 1, got {n}, {length}, {vocab}"
        )
    rng = as_generator(random_state)
    src = rng.integers(0, vocab, (n, length), dtype=np.int64)
    tgt_out = src[:, ::-1].copy()
    bos = np.full((n, 1), vocab, dtype=np.int64)
    tgt_in = np.concatenate([bos, tgt_out[:, :-1]], axis=1)
    return src, tgt_in, tgt_out


def sequence_accuracy(pred: Any, target: Any) -> float:
    """Fraction of sequences whose every token is right (rows of (B, T) arrays)."""
    pred = np.asarray(getattr(pred, "data", pred))
    target = np.asarray(getattr(target, "data", target))
    if pred.shape != target.shape:
        raise ValueError(
            f"sequence_accuracy: predictions {pred.shape} and targets {target.shape} differ"
        )
    return float((pred == target).all(axis=1).mean())
