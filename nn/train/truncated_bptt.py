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

which is ``fit_truncated_bptt(model, sequence_cross_entropy, optimizer, loader,
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
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd.graph import no_grad
from autograd.tensor import Tensor

from ..data.sequence import State, detach_state
from ..module import Module
from .history import History
from .loop import backward_and_step

__all__ = ["fit_truncated_bptt", "evaluate_truncated"]


def _count(target: Any) -> int:
    """How many predictions a chunk's mean loss averages over (for weighted means)."""
    return int(np.prod(np.shape(getattr(target, "data", target))[:2]))


def _train_epoch(
    model: Module,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    loader: Iterable[Any],
    clip_params: list | None,
    clip_grad_norm: float | None,
    history: History,
) -> float:
    """One pass over the streams with the state carried and detached; mean loss."""
    model.train()
    state: State = None  # every pass starts the streams from the beginning
    total, count = 0.0, 0
    for x, t in loader:
        output, state = model(x, state)
        loss = loss_fn(output, t)
        backward_and_step(loss, optimizer, history, clip_params, clip_grad_norm)
        state = detach_state(state)  # keep the values, forget how they were computed
        n = _count(t)
        total += loss.item() * n
        count += n
    if count == 0:
        raise ValueError("fit_truncated_bptt: the loader produced no chunks")
    return total / count


def evaluate_truncated(
    model: Module, loss_fn: Callable[[Any, Any], Tensor], loader: Iterable[Any]
) -> float:
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


def fit_truncated_bptt(
    model: Module,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    loader: Iterable[Any],
    epochs: int = 1,
    clip_grad_norm: float | None = None,
    val_loader: Iterable[Any] | None = None,
    scheduler: Any = None,
    callbacks: Iterable[Callable[[int, dict, Module], Any]] = (),
) -> History:
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
        logs = {
            "train_loss": _train_epoch(
                model, loss_fn, optimizer, loader, clip_params, clip_grad_norm, history
            )
        }
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
                RuntimeWarning,
                stacklevel=2,
            )
            stop = True
        if stop:
            history.stopped_epoch = epoch
            break
    history.best_epoch = history._default_best()
    return history
