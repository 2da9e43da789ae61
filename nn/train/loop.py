"""The training loop (``fit``), evaluation (``evaluate``) and batched inference (``predict``).

One epoch of ``fit`` is the mini-batch gradient descent of the textbook written out::

    model.train()
    for x, t in train_loader:          # one mini-batch B
        y = model(x)                   # forward
        E = loss_fn(y, t)              # mean loss over B
        optimizer.zero_grad()          # gradients accumulate, so clear them first
        E.backward()                   # backprop: dE/dw for every parameter
        optimizer.step()               # w <- w - lr * dE/dw (or Adam, ...)

followed by a validation pass in ``eval()`` mode under ``no_grad()``. The batch loop does
nothing else per batch but add up the loss (and training metrics, if asked for), so it
runs at the speed of the hand-written loop. It adds up ``loss.item()`` -- a float -- and
drops each batch's graph before the next forward pass: ``total += loss`` would build one
ever-growing graph that keeps every step's activations alive.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autograd.graph import no_grad
from autograd.tensor import Tensor

from ..data.loader import to_batch_field
from ..optim import clip_grad_norm_
from ..optim.deferred_interrupt import defer_keyboard_interrupt
from ..optim.lr_scheduler import ReduceLROnPlateau
from .callbacks import Callback
from .history import History

__all__ = ["fit", "evaluate", "predict", "backward_and_step"]

MetricFn = Callable[[Any, Any], float]


def _split_batch(batch: Any, where: str) -> tuple[Any, Any]:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        what = f"a {type(batch).__name__}"
        if isinstance(batch, (tuple, list)):
            what += f" of length {len(batch)}"
        raise ValueError(f"{where}: each batch must be a tuple (inputs..., target), got {what}")
    return batch[:-1], batch[-1]


def backward_and_step(
    loss: Tensor,
    optimizer: Any,
    history: History,
    clip_params: list | None = None,
    clip_grad_norm: float | None = None,
) -> None:
    """The training step after the forward pass, written once for every loop in ``nn.train``.

    ``zero_grad`` (gradients accumulate), ``backward`` (dE/dw for every parameter), the
    optional rescaling of the gradients to a joint L2 norm of at most ``clip_grad_norm``,
    and ``optimizer.step()`` (w <- w - lr * dE/dw, or Adam, ...). ``history.steps`` counts
    the update; a Ctrl-C during the update takes effect after it and after the count.
    """
    optimizer.zero_grad()
    loss.backward()
    if clip_params is not None and clip_grad_norm is not None:
        clip_grad_norm_(clip_params, clip_grad_norm)
    with defer_keyboard_interrupt():
        optimizer.step()
        history.steps += 1


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional: training goes on, but say why there is no bar
        warnings.warn(
            "fit(progress=True): no progress bar, because tqdm is not installed; "
            "pip install 'deltagrad[progress]' (or tqdm) to get one",
            UserWarning,
            stacklevel=3,
        )
        return None
    # one bar over epochs, not batches: updating a bar every batch costs time
    return tqdm(total=total, unit="epoch", dynamic_ncols=True)


def _first_lr(optimizer: Any) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    if groups:
        lr = groups[0].get("lr")
        return float(lr) if lr is not None else None
    return None


def _hooks(callbacks: Iterable[Any]) -> list[Any]:
    out = []
    for cb in callbacks:
        if not (isinstance(cb, Callback) or hasattr(cb, "on_epoch_end") or callable(cb)):
            raise TypeError(
                f"fit: callback {cb!r} is neither a Callback (on_epoch_end method) nor a "
                "function f(epoch, logs, model)"
            )
        out.append(cb)
    return out


def _epoch_end(cb: Any, epoch: int, logs: dict[str, float], model: Any) -> bool:
    hook = getattr(cb, "on_epoch_end", None)
    result = hook(epoch, logs, model) if hook is not None else cb(epoch, logs, model)
    return bool(result)


def fit(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    train_loader: Iterable[Any],
    val_loader: Iterable[Any] | None = None,
    epochs: int = 10,
    callbacks: Iterable[Any] = (),
    metrics: Mapping[str, MetricFn] | None = None,
    scheduler: Any = None,
    progress: bool = True,
    clip_grad_norm: float | None = None,
    train_metrics: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``.

    Parameters
    ----------
    model : nn.Module
        Called as ``model(*inputs)`` for each batch ``(inputs..., target)``.
    loss_fn : callable
        ``loss_fn(output, target) -> scalar Tensor``, e.g. ``F.cross_entropy``; it should
        average over the batch (``reduction="mean"``).
    optimizer : nn.optim.Optimizer
    train_loader : iterable of batches
        Usually a :class:`nn.data.DataLoader`; each batch is a tuple whose last entry is
        the target.
    val_loader : iterable of batches, optional
        Evaluated after every epoch (``eval()`` mode, ``no_grad()``).
    epochs : int
    callbacks : iterable
        :class:`Callback` objects (e.g. :class:`EarlyStopping`) or functions
        ``f(epoch, logs, model)``; a True return value stops training.
    metrics : dict name -> fn(output, target) -> float, optional
        E.g. ``{"acc": accuracy}``. Computed on the validation set (logged as
        ``val_<name>``) and, with ``train_metrics``, as a batch-size weighted running
        mean over the training batches (``train_<name>``; training mode, weights still
        moving -- the Keras convention).
    scheduler : learning-rate scheduler, optional
        ``scheduler.step()`` is called once at the end of every epoch;
        a :class:`~nn.optim.lr_scheduler.ReduceLROnPlateau` is stepped with the
        epoch's validation loss (the training loss without a ``val_loader``).
    progress : bool
        Show a tqdm progress bar over epochs with the latest logs. Without tqdm
        installed, training runs without it and a UserWarning says so.
    clip_grad_norm : float, optional
        Rescale the gradients to this joint L2 norm at most before every step
        (``nn.optim.clip_grad_norm_``).
    train_metrics : bool
        Also compute ``metrics`` on the training batches.

    Returns
    -------
    History
        Losses, metrics and learning rate per epoch, plus ``best_epoch``,
        ``stopped_epoch``, ``steps`` (optimizer steps taken) and, after Ctrl-C,
        ``interrupted``/``stopped_batch``.

    Notes
    -----
    Training stops early when a callback returns True, when the epoch's training loss
    is not finite (a warning says so: lower the learning rate or clip gradients), or on
    Ctrl-C (KeyboardInterrupt). Every callback's ``on_train_end`` runs in all three
    cases, so ``EarlyStopping`` still restores the best weights.

    **Ctrl-C returns, it does not raise.** ``fit`` catches the KeyboardInterrupt and
    returns the history so far with ``history.interrupted = True``. The model is then
    after a whole number of optimizer steps, ``history.steps``: a Ctrl-C that arrives
    while the optimizer writes the parameters takes effect once the step is complete;
    one that arrives earlier in the batch (forward, loss, backward) stops it before the
    step begins. ``history.stopped_epoch`` and ``history.stopped_batch`` say where it
    came (``stopped_batch`` is None when it came between batches, e.g. in a callback),
    ``history.stop_reason`` says all of it in words, and ``history.epoch`` lists only
    the epochs that finished. To resume, call ``fit`` again with the same model and
    optimizer. (A callback's ``on_train_end`` still runs: ``EarlyStopping`` with
    ``restore_best=True`` then puts back the best epoch's weights.)

    **No graph outlives its step.** The loss is added up as ``loss.item()`` and metric
    values as floats, and each batch's graph is released before the next forward pass,
    so memory stays flat over any number of steps.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    hooks = _hooks(callbacks)
    metric_fns = dict(metrics or {})
    train_metric_fns = list(metric_fns.items()) if train_metrics else []
    clip_params = list(model.parameters()) if clip_grad_norm is not None else None
    history = History()
    bar = _progress_bar(int(epochs), progress)
    for cb in hooks:
        if hasattr(cb, "on_train_begin"):
            cb.on_train_begin(model)

    epoch, batch_index = -1, None
    try:
        for epoch in range(int(epochs)):
            model.train()
            total, count = 0.0, 0
            metric_sums = [0.0] * len(train_metric_fns)
            for b, batch in enumerate(train_loader):
                batch_index = b  # where a Ctrl-C came, for the history
                inputs, target = _split_batch(batch, "fit")
                output = model(*inputs)
                loss = loss_fn(output, target)
                backward_and_step(loss, optimizer, history, clip_params, clip_grad_norm)
                n = len(target)
                # .item(): a float. `total += loss` would chain every step's graph
                # (and all its activations) into one that lives until fit returns.
                total += loss.item() * n
                count += n
                for i, (_, fn) in enumerate(train_metric_fns):
                    metric_sums[i] += float(fn(output, target)) * n
                del output, loss  # free this step's graph before the next forward pass
            batch_index = None
            if count == 0:
                raise ValueError(
                    "fit: train_loader produced no batches (empty dataset, or drop_last=True "
                    "with batch_size larger than the dataset)"
                )
            logs: dict[str, float] = {"train_loss": total / count}
            for (name, _), s in zip(train_metric_fns, metric_sums):
                logs[f"train_{name}"] = s / count
            if val_loader is not None:
                val = evaluate(model, loss_fn, val_loader, metric_fns)
                logs["val_loss"] = val.pop("loss")
                logs.update({f"val_{name}": value for name, value in val.items()})
            lr = _first_lr(optimizer)
            if lr is not None:
                logs["lr"] = lr
            if scheduler is not None:
                with defer_keyboard_interrupt():  # the step and its effect on the rates
                    if isinstance(scheduler, ReduceLROnPlateau):
                        scheduler.step(logs.get("val_loss", logs["train_loss"]))
                    else:
                        scheduler.step()
            history.record(epoch, logs)

            stop = False
            for cb in hooks:  # every callback sees every epoch, even after one says stop
                if _epoch_end(cb, epoch, logs, model):
                    stop = True
                    if history.stop_reason is None:
                        history.stop_reason = getattr(cb, "stop_reason", None) or (
                            f"callback {type(cb).__name__} stopped training"
                        )
            if not math.isfinite(logs["train_loss"]):
                warnings.warn(
                    f"fit: training loss is {logs['train_loss']} at epoch {epoch}; stopping. "
                    "Lower the learning rate, standardise the inputs or use clip_grad_norm.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                stop = True
                if history.stop_reason is None:
                    history.stop_reason = f"non-finite training loss at epoch {epoch}"
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                bar.update()
            if stop:
                history.stopped_epoch = epoch
                break
    except KeyboardInterrupt:
        history.interrupted = True
        history.stopped_epoch = epoch
        history.stopped_batch = batch_index
        where = f"epoch {epoch}" + (f", batch {batch_index}" if batch_index is not None else "")
        history.stop_reason = (
            f"interrupted (Ctrl-C) in {where}; the model holds the weights after "
            f"{history.steps} optimizer steps (an interrupted step is either complete or "
            "not begun)"
        )
    finally:
        if bar is not None:
            bar.close()

    for cb in hooks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(model, history)
    bests = [cb.best_epoch for cb in hooks if getattr(cb, "best_epoch", None) is not None]
    chosen = bests[0] if bests else None
    history.best_epoch = chosen if chosen is not None else history._default_best()
    return history


def evaluate(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor] | None,
    loader: Iterable[Any],
    metrics: Mapping[str, MetricFn] | None = None,
) -> dict[str, float]:
    """Loss and metrics of ``model`` over a whole data set, without training.

    Runs in ``eval()`` mode (dropout off, batch-norm running statistics) under
    ``no_grad()`` and puts the model back in the mode it was in.

    Parameters
    ----------
    model : nn.Module
    loss_fn : callable or None
        Mean-reduced loss; the result's ``"loss"`` is its batch-size weighted average,
        i.e. the mean over all samples. None: no loss.
    loader : iterable of batches ``(inputs..., target)``
    metrics : dict name -> fn(output, target) -> float, optional
        Each is computed once on all outputs and targets concatenated, so it is exact
        for any metric, not only for averages.

    Returns
    -------
    dict
        ``{"loss": ..., name: ...}``.
    """
    metric_fns = dict(metrics or {})
    was_training = getattr(model, "training", False)
    model.eval()
    total, count = 0.0, 0
    outputs: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    target_is_tensor = False
    try:
        with no_grad():
            for batch in loader:
                inputs, target = _split_batch(batch, "evaluate")
                output = model(*inputs)
                n = len(target)
                if loss_fn is not None:
                    total += loss_fn(output, target).item() * n
                count += n
                if metric_fns:
                    outputs.append(np.asarray(getattr(output, "data", output)))
                    target_is_tensor = isinstance(target, Tensor)
                    targets.append(np.asarray(getattr(target, "data", target)))
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader produced no batches")
    result: dict[str, float] = {}
    if loss_fn is not None:
        result["loss"] = total / count
    if metric_fns:
        out_all = Tensor(np.concatenate(outputs))
        t_all: Any = np.concatenate(targets)
        if target_is_tensor:
            t_all = Tensor(t_all, dtype=t_all.dtype)
        for name, fn in metric_fns.items():
            result[name] = float(fn(out_all, t_all))
    return result


def predict(model: Any, X: Any, batch_size: int = 256) -> np.ndarray:
    """Outputs of ``model`` for every row of ``X``, in ``eval()`` mode under ``no_grad()``.

    Parameters
    ----------
    model : nn.Module
    X : array or Tensor of shape (N, ...)
        Float data is fed as Tensors of the default float dtype, integer data (token
        ids) as int64 arrays -- the DataLoader's batch policy.
    batch_size : int
        Rows per forward pass (bounds the memory, not the result).

    Returns
    -------
    np.ndarray of shape (N, ...)
        The raw outputs (logits for a classifier: take ``argmax(axis=1)`` for labels or
        ``F.softmax`` for probabilities). The model's previous mode is restored.
    """
    if batch_size < 1:
        raise ValueError(f"predict: batch_size must be >= 1, got {batch_size}")
    data = np.asarray(getattr(X, "data", X))
    if data.ndim == 0:
        raise ValueError("predict: X needs a first (sample) dimension")
    was_training = getattr(model, "training", False)
    model.eval()
    chunks = []
    try:
        with no_grad():
            for start in range(0, len(data), batch_size):
                out = model(to_batch_field(data[start : start + batch_size]))
                chunks.append(np.asarray(getattr(out, "data", out)))
    finally:
        model.train(was_training)
    if not chunks:
        raise ValueError("predict: X is empty")
    return np.concatenate(chunks)
