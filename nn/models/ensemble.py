"""Bagging (bootstrap aggregating): average models trained on bootstrap samples.

Why it helps: if each of M models makes an error e_m with variance sigma^2 and the
errors are independent, their average has error variance

    Var[(1/M) sum_m e_m] = sigma^2 / M.

Bootstrap samples (N draws *with replacement* from the N training points; each model
sees about 63% of the distinct points) and different initial weights decorrelate the
errors, but not completely: with pairwise correlation rho the variance is
rho sigma^2 + (1 - rho) sigma^2 / M, so bagging removes the part of the error that
varies from model to model and leaves the shared part (the bias) alone. For squared
error the ensemble can never be worse than its average member:
(mean_m y_m - d)^2 <= mean_m (y_m - d)^2 (Jensen).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.random import as_generator

from ..data.dataset import TensorDataset
from ..data.loader import DataLoader
from ..module import Module
from ..train import History, fit, predict

__all__ = ["Bagging"]

_AVERAGES = ("auto", "probs", "logits", "outputs")


def _softmax_np(z: np.ndarray) -> np.ndarray:
    """Softmax over axis 1 (the class axis of (N, C, ...) outputs); subtracting the max
    first keeps exp() from overflowing without changing the result."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Bagging:
    """An ensemble of ``n_models`` copies of a network, each trained on its own bootstrap
    sample; predictions are averaged.

    Parameters
    ----------
    make_model : callable () -> Module
        Builds a fresh, untrained model; called once per member, so members start from
        different random weights unless ``make_model`` fixes the seed.
    n_models : int
        M, the number of members.
    random_state : int, Generator or None
        Drives the bootstrap draws and the members' batch order.

    Attributes
    ----------
    models : list[Module]
        The trained members (filled by :meth:`fit`).
    bootstrap_indices : list[np.ndarray]
        Member m was trained on rows ``bootstrap_indices[m]`` (N indices, with repeats).
    histories : list[History]
    classification : bool or None
        Set by :meth:`fit`: True when the targets were integer class labels.

    Example::

        bag = Bagging(lambda: nn.MLP([2, 32, 2]), n_models=5, random_state=0)
        bag.fit(X, y, F.cross_entropy, lambda p: Adam(p, lr=1e-2), epochs=50)
        proba = bag.predict(X_test)          # (N, 2): mean of the members' softmax
    """

    def __init__(
        self,
        make_model: Callable[[], Module],
        n_models: int = 5,
        random_state: Any = None,
    ) -> None:
        if isinstance(make_model, Module) or not callable(make_model):
            raise TypeError(
                "Bagging: make_model must be a function that builds a new model, e.g. "
                "lambda: nn.MLP([2, 32, 2]) -- not a model instance"
            )
        if n_models < 1:
            raise ValueError(f"Bagging: n_models must be >= 1, got {n_models}")
        self.make_model = make_model
        self.n_models = int(n_models)
        self.rng = as_generator(random_state)
        self.models: list[Module] = []
        self.bootstrap_indices: list[np.ndarray] = []
        self.histories: list[History] = []
        self.classification: bool | None = None

    def fit(
        self,
        X: Any,
        y: Any,
        loss_fn: Callable[[Any, Any], Any],
        make_optimizer: Callable[[Any], Any],
        epochs: int = 10,
        batch_size: int = 32,
        progress: bool = False,
        **fit_kwargs: Any,
    ) -> Bagging:
        """Train M fresh models, member m on a bootstrap sample of (X, y).

        Parameters
        ----------
        X : array of shape (N, ...)
        y : array of shape (N, ...)
            Integer class labels (classification) or float targets (regression).
        loss_fn : callable, e.g. ``F.cross_entropy`` or ``F.mse_loss``
        make_optimizer : callable params -> Optimizer, e.g. ``lambda p: Adam(p, lr=1e-3)``
        epochs, batch_size : int
        progress : bool
            Progress bars (one per member).
        **fit_kwargs
            Passed on to :func:`nn.train.fit` (``scheduler``, ``callbacks``, ...).

        Returns
        -------
        self
        """
        X_arr = np.asarray(getattr(X, "data", X))
        y_arr = np.asarray(getattr(y, "data", y))
        if len(X_arr) != len(y_arr):
            raise ValueError(f"Bagging.fit: X has {len(X_arr)} samples but y has {len(y_arr)}")
        n = len(X_arr)
        self.classification = y_arr.dtype.kind in "iu"
        self.models, self.bootstrap_indices, self.histories = [], [], []
        for _ in range(self.n_models):
            idx = self.rng.integers(0, n, size=n)  # N draws with replacement
            loader = DataLoader(
                TensorDataset(X_arr[idx], y_arr[idx]),
                batch_size=batch_size,
                shuffle=True,
                generator=self.rng,
            )
            model = self.make_model()
            history = fit(
                model,
                loss_fn,
                make_optimizer(model.parameters()),
                loader,
                epochs=epochs,
                progress=progress,
                **fit_kwargs,
            )
            self.models.append(model)
            self.bootstrap_indices.append(idx)
            self.histories.append(history)
        return self

    def _check_fitted(self) -> None:
        if not self.models:
            raise ValueError("Bagging: call fit(X, y, ...) before predicting")

    def predict_all(self, X: Any, batch_size: int = 256) -> np.ndarray:
        """Every member's raw output: an array of shape (M, N, ...)."""
        self._check_fitted()
        return np.stack([predict(model, X, batch_size=batch_size) for model in self.models])

    def predict(self, X: Any, average: str = "auto", batch_size: int = 256) -> np.ndarray:
        """The ensemble prediction for X.

        Parameters
        ----------
        X : array of shape (N, ...)
        average : "auto", "probs", "logits" or "outputs"
            * ``"probs"``: softmax each member's outputs over axis 1, then take the mean
              -- a "soft vote"; the result is a probability distribution per sample.
            * ``"logits"`` / ``"outputs"``: the plain mean of the raw outputs. For
              regression this is the bagged prediction; for a classifier averaging
              logits is a (renormalised) geometric mean of the members' probabilities.
            * ``"auto"`` (default): ``"probs"`` if :meth:`fit` saw integer class labels,
              else ``"outputs"``.
        batch_size : int

        Returns
        -------
        np.ndarray
            (N, C) probabilities for ``"probs"``, otherwise the members' output shape.
        """
        if average not in _AVERAGES:
            raise ValueError(
                f"Bagging.predict: average must be one of {_AVERAGES}, got {average!r}"
            )
        outputs = self.predict_all(X, batch_size=batch_size)
        if average == "auto":
            average = "probs" if self.classification else "outputs"
        if average == "probs":
            if outputs.ndim < 3 or outputs.shape[2] < 2:
                raise ValueError(
                    "Bagging.predict: average='probs' needs class scores of shape (N, C) "
                    "with C >= 2; "
                    f"the members output shape {outputs.shape[1:]}"
                )
            return np.mean([_softmax_np(o) for o in outputs], axis=0)
        return outputs.mean(axis=0)

    def predict_proba(self, X: Any, batch_size: int = 256) -> np.ndarray:
        """Mean of the members' softmax probabilities, shape (N, C)."""
        return self.predict(X, average="probs", batch_size=batch_size)

    def __len__(self) -> int:
        return len(self.models)

    def __repr__(self) -> str:
        state = f"{len(self.models)} trained" if self.models else "not fitted"
        return f"Bagging(n_models={self.n_models}, {state})"
