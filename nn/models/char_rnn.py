"""Truncated backpropagation through time (打ち切り型BPTT) over one long sequence.

Full BPTT over a text of 30,000 characters would unroll 30,000 steps into one graph.
Truncated BPTT cuts the stream into chunks of ``seq_len`` steps and

* **carries the state forward** -- chunk k + 1 starts from the hidden state in which
  chunk k ended, so the network still *sees* arbitrarily long context;
* **stops the gradient at the chunk boundary** -- the state is *detached* (same values,
  no history) before it enters the next chunk, so each backward pass runs through at
  most ``seq_len`` steps and the memory per update is bounded.

The gradient is therefore an approximation: dependencies longer than ``seq_len`` steps
are used in the forward pass but never credited in the backward pass.

The pattern
-----------
::

    loader = SequenceLoader(vocab.encode(text), seq_len=64, batch_size=32)
    model = CharRNN(len(vocab), embed_dim=32, hidden_size=128, cell="lstm")
    optimizer = Adam(model.parameters(), lr=3e-3)
    for epoch in range(10):
        state = None                                  # the streams start again
        for x, t in loader:                           # x, t: int64 (B, T), t = x shifted
            logits, state = model(x, state)           # (B, T, V); state (h, c)
            loss = sequence_cross_entropy(logits, t)
            optimizer.zero_grad()
            loss.backward()                           # through this chunk only ...
            clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            state = detach_state(state)               # ... because of this line

which is exactly ``fit_truncated_bptt(model, sequence_cross_entropy, optimizer, loader,
epochs=10, clip_grad_norm=1.0)``. Without the ``detach_state`` line every backward
would reach back to the first chunk (and fail or crawl); with ``state = None`` instead
the model would forget its context at every boundary.

Why the streams are laid out side by side: row b of every batch continues row b of the
previous batch (:class:`SequenceLoader`), so the state of row b is the right starting
state for the next chunk of row b -- shuffling would break that.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from autograd.graph import no_grad
from autograd.random import as_generator
from autograd.tensor import Tensor

from .data import to_batch_field
from .functional.loss import cross_entropy
from .layers.embedding import Embedding
from .layers.linear import Linear
from .layers.rnn import GRU, LSTM, RNN
from .module import Module
from .optim import clip_grad_norm_
from .train.history import History

__all__ = [
    "SequenceLoader",
    "detach_state",
    "sequence_cross_entropy",
    "fit_truncated_bptt",
    "evaluate_truncated",
    "recurrent_layer",
    "CharRNN",
    "generate",
]

State = Any  # None, a Tensor (RNN/GRU) or a tuple of Tensors (LSTM's (h, c))


# ============================================================== data: parallel streams
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

    def __init__(self, data: Any, seq_len: int, batch_size: int, batch_first: bool = True,
                 drop_last: bool = False) -> None:
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


# ============================================================== cutting the graph
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
        f"detach_state: expected None, a Tensor or a tuple of Tensors, got "
        f"{type(state).__name__}"
    )


# ============================================================== loss over every step
def sequence_cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """Mean cross-entropy over every step of every sequence.

    Parameters
    ----------
    logits : Tensor (B, T, V) (or (T, B, V): any layout, as long as targets match)
    targets : int array (B, T)

    Returns
    -------
    Tensor, scalar: -1/(B T) sum_(b,t) log softmax(u_bt)[d_bt]; its delta is
    (softmax(u_bt) - onehot(d_bt)) / (B T).
    """
    t = np.asarray(getattr(targets, "data", targets))
    if logits.ndim < 2 or logits.shape[:-1] != t.shape:
        raise ValueError(
            f"sequence_cross_entropy: logits of shape {logits.shape} need targets of shape "
            f"{logits.shape[:-1]}, got {t.shape}"
        )
    return cross_entropy(logits.reshape(-1, logits.shape[-1]), t.reshape(-1))


# ============================================================== training and evaluation
def _count(target: Any) -> int:
    """How many predictions a chunk's mean loss averages over (for weighted means)."""
    return int(np.prod(np.shape(getattr(target, "data", target))[:2]))


def _train_epoch(model: Module, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any,
                 loader: Iterable[Any], clip_params: list | None,
                 clip_grad_norm: float | None) -> float:
    """One pass over the streams with the state carried and detached; mean loss."""
    model.train()
    state: State = None  # every pass starts the streams from the beginning
    total, count = 0.0, 0
    for x, t in loader:
        output, state = model(x, state)
        loss = loss_fn(output, t)
        optimizer.zero_grad()
        loss.backward()
        if clip_params is not None:
            clip_grad_norm_(clip_params, clip_grad_norm)
        optimizer.step()
        state = detach_state(state)  # keep the values, forget how they were computed
        n = _count(t)
        total += loss.item() * n
        count += n
    if count == 0:
        raise ValueError("fit_truncated_bptt: the loader produced no chunks")
    return total / count


def evaluate_truncated(model: Module, loss_fn: Callable[[Any, Any], Tensor],
                       loader: Iterable[Any]) -> float:
    """Mean loss over a stream loader with the state carried across chunks.

    Runs in ``eval()`` mode under ``no_grad()`` (nothing to detach: no graph is built)
    and restores the model's mode. For a language model, ``math.exp`` of the result is
    the perplexity.
    """
    was_training = model.training
    model.eval()
    state: State = None
    total, count = 0.0, 0
    try:
        with no_grad():
            for x, t in loader:
                output, state = model(x, state)
                n = _count(t)
                total += loss_fn(output, t).item() * n
                count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate_truncated: the loader produced no chunks")
    return total / count


def fit_truncated_bptt(model: Module, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any,
                       loader: Iterable[Any], epochs: int = 1,
                       clip_grad_norm: float | None = None,
                       val_loader: Iterable[Any] | None = None, scheduler: Any = None,
                       callbacks: Iterable[Callable[[int, dict, Module], Any]] = ()) -> History:
    """Train a stateful sequence model with truncated BPTT (the module docstring's loop).

    Parameters
    ----------
    model : Module called as ``output, state = model(x, state)``; ``state=None`` means
        "start from zeros".
    loss_fn : ``loss_fn(output, targets) -> scalar Tensor`` (mean over the chunk), e.g.
        :func:`sequence_cross_entropy`.
    optimizer : nn.optim optimizer over ``model.parameters()``
    loader : iterable of (x, targets) chunks in stream order, e.g. :class:`SequenceLoader`
    epochs : passes over the data; the state restarts from None at each pass.
    clip_grad_norm : rescale the gradients to at most this joint L2 norm before each step
        (recurrent nets' exploding gradients).
    val_loader : evaluated after each epoch with :func:`evaluate_truncated`.
    scheduler : ``scheduler.step()`` after each epoch.
    callbacks : functions ``f(epoch, logs, model)``; a True return stops training.

    Returns
    -------
    History
        ``train_loss`` (mean over every predicted step of the epoch, measured while
        training), ``val_loss``, ``lr``.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit_truncated_bptt: epochs must be a non-negative int, got {epochs!r}")
    clip_params = list(model.parameters()) if clip_grad_norm is not None else None
    history = History()
    for epoch in range(int(epochs)):
        logs = {"train_loss": _train_epoch(model, loss_fn, optimizer, loader, clip_params,
                                           clip_grad_norm)}
        if val_loader is not None:
            logs["val_loss"] = evaluate_truncated(model, loss_fn, val_loader)
        groups = getattr(optimizer, "param_groups", None)
        if groups:
            logs["lr"] = float(groups[0]["lr"])
        if scheduler is not None:
            scheduler.step()
        history.record(epoch, logs)
        stop = any([bool(cb(epoch, logs, model)) for cb in callbacks])
        if not math.isfinite(logs["train_loss"]):
            warnings.warn(
                f"fit_truncated_bptt: training loss is {logs['train_loss']} at epoch {epoch}; "
                "stopping. Lower the learning rate or set clip_grad_norm.",
                RuntimeWarning, stacklevel=2)
            stop = True
        if stop:
            history.stopped_epoch = epoch
            break
    history.best_epoch = history._default_best()
    return history


# ============================================================== a character language model
_CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def recurrent_layer(cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
                    dropout: float = 0.0, rng: Any = None) -> Module:
    """``nn.RNN``/``nn.LSTM``/``nn.GRU`` by name, always ``batch_first=True``."""
    if cell not in _CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(_CELLS)}")
    return _CELLS[cell](input_size, hidden_size, num_layers, batch_first=True,
                        dropout=dropout, rng=rng)


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

    ``forward(x, state=None)``: x int (B, T) -> (logits (B, T, V), state), the state
    in the recurrent layer's form ((L, B, H), or a pair of those for an LSTM).
    """

    def __init__(self, vocab_size: int, embed_dim: int = 32, hidden_size: int = 128,
                 cell: str = "lstm", num_layers: int = 1, dropout: float = 0.0,
                 rng: Any = None) -> None:
        super().__init__()
        rng = as_generator(rng)
        self.cell = cell
        self.embedding = Embedding(vocab_size, embed_dim, rng=rng)
        self.rnn = recurrent_layer(cell, embed_dim, hidden_size, num_layers, dropout, rng)
        self.head = Linear(hidden_size, vocab_size, rng=rng)

    def forward(self, x: Any, state: State = None) -> tuple[Tensor, State]:
        out, state = self.rnn(self.embedding(x), state)
        return self.head(out), state


def generate(model: Module, prompt: Any, length: int, temperature: float = 1.0,
             random_state: Any = None) -> np.ndarray:
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
        raise ValueError(f"generate: prompt must be a non-empty 1-D integer array, got "
                         f"{prompt.dtype} of shape {prompt.shape}")
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
