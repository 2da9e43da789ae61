"""Preprocessing a first course needs: ``Standardizer``, ``train_test_split``, ``one_hot``.

Written here so nothing in ``nn`` depends on scikit-learn; the names and arguments
follow scikit-learn (``Standardizer`` is its ``StandardScaler``). All three are
re-exported by :mod:`nn.data`, so ``from nn.data import Standardizer`` works too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.random import as_generator
from autograd.tensor import Tensor

from .inputs import Seed, _as_array

__all__ = ["Standardizer", "train_test_split", "one_hot"]


class Standardizer:
    """Input standardisation: x' = (x - mu) / sigma, feature by feature.

    ``mu`` and ``sigma`` are the mean and (population, ``ddof=0``) standard deviation of
    the *training* data over axis 0; a constant feature (sigma = 0) gets sigma = 1 so
    it maps to 0 instead of dividing by zero. Fit on the training set only and apply
    the same transform to validation/test data -- statistics taken from the test set
    leak information about it into the model.

    Attributes
    ----------
    mean_, std_ : np.ndarray of shape X.shape[1:]
        Set by :meth:`fit`. ``std_`` already has the zero-variance fix applied.

    Examples
    --------
    >>> X_train, X_test = np.array([[0.0, 1.0], [2.0, 1.0]]), np.array([[4.0, 1.0]])
    >>> scaler = Standardizer().fit(X_train)
    >>> scaler.transform(X_test).tolist()
    [[3.0, 0.0]]
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    @staticmethod
    def _float(X: Any) -> np.ndarray:
        X = _as_array(X)
        return X if X.dtype.kind == "f" else X.astype(np.float64)

    def fit(self, X: Any) -> Standardizer:
        """Learn per-feature mean and std from X of shape (N, ...); returns self."""
        X = self._float(X)
        if X.ndim == 0 or len(X) == 0:
            raise ValueError(f"Standardizer.fit: need at least one sample, got shape {X.shape}")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.std_ = np.where(std == 0, 1.0, std).astype(X.dtype)
        return self

    def _check(self, name: str, X: np.ndarray) -> None:
        if self.mean_ is None:
            raise ValueError(f"Standardizer.{name}: call fit(X_train) first")
        if X.shape[1:] != self.mean_.shape:
            raise ValueError(
                f"Standardizer.{name}: fitted on samples of shape {self.mean_.shape}, got "
                f"data of shape {X.shape} (samples of shape {X.shape[1:]})"
            )

    def transform(self, X: Any) -> np.ndarray:
        """(X - mean_) / std_, a new array with X's float dtype."""
        X = self._float(X)
        self._check("transform", X)
        return ((X - self.mean_) / self.std_).astype(X.dtype, copy=False)

    def fit_transform(self, X: Any) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Undo :meth:`transform`: Z * std_ + mean_."""
        Z = self._float(Z)
        self._check("inverse_transform", Z)
        return (Z * self.std_ + self.mean_).astype(Z.dtype, copy=False)

    def __repr__(self) -> str:
        state = "unfitted" if self.mean_ is None else f"features={self.mean_.shape}"
        return f"Standardizer({state})"


def _split_counts(n: int, test_size: float | int) -> int:
    if isinstance(test_size, bool):
        raise TypeError("train_test_split: test_size must be a float in (0, 1) or an int")
    if isinstance(test_size, (int, np.integer)):
        n_test = int(test_size)
    elif isinstance(test_size, (float, np.floating)):
        if not 0.0 < test_size < 1.0:
            raise ValueError(
                f"train_test_split: a float test_size is a fraction in (0, 1), got {test_size}"
            )
        n_test = math.ceil(test_size * n)  # scikit-learn's rounding for the test part
    else:
        raise TypeError(
            f"train_test_split: test_size must be a float or an int, got {type(test_size).__name__}"
        )
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"train_test_split: with {n} samples and test_size={test_size} the split would "
            f"leave {n_test} test and {n - n_test} training samples; both need at least one"
        )
    return n_test


def _stratified_test_index(labels: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Pick n_test indices so each class keeps (as closely as integers allow) its share."""
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    n = len(labels)
    ideal = counts * (n_test / n)
    take = np.floor(ideal).astype(np.int64)
    # largest remainder: hand the leftover test slots to the classes rounded down most
    # (random tie-break so no class is favoured systematically)
    leftover = n_test - int(take.sum())
    if leftover:
        noise = rng.random(len(classes)) * 1e-9
        take[np.argsort(-(ideal - take) - noise)[:leftover]] += 1
    picked = []
    for c in range(len(classes)):
        members = np.flatnonzero(inverse == c)
        picked.append(rng.permutation(members)[: take[c]])
    return np.concatenate(picked)


def train_test_split(
    *arrays: Any,
    test_size: float | int = 0.25,
    shuffle: bool = True,
    random_state: Seed = None,
    stratify: Any = None,
) -> list[Any]:
    """Split arrays into random train and test parts (scikit-learn's function).

    Parameters
    ----------
    *arrays : arrays or Tensors with the same first dimension N
    test_size : float in (0, 1) or int
        Fraction (rounded up) or number of test samples.
    shuffle : bool
        If False the last ``n_test`` samples are the test set (for time series).
    random_state : int, Generator or None
    stratify : array of shape (N,), optional
        Class labels; each class then has (nearly) the same share in both parts.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]``, each the type it came in as (NumPy
        array, or Tensor for a Tensor).
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    data = [_as_array(a) for a in arrays]
    lengths = [len(a) if a.ndim else 0 for a in data]
    if len(set(lengths)) > 1:
        raise ValueError(
            f"train_test_split: all arrays need the same number of samples, got lengths {lengths}"
        )
    n = lengths[0]
    n_test = _split_counts(n, test_size)
    rng = as_generator(random_state)
    train_idx: np.ndarray | slice  # index arrays, or two slices when nothing is shuffled
    test_idx: np.ndarray | slice
    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        labels = _as_array(stratify)
        if labels.shape != (n,):
            raise ValueError(
                f"train_test_split: stratify must have shape ({n},), got {labels.shape}"
            )
        test_idx = rng.permutation(_stratified_test_index(labels, n_test, rng))
        mask = np.ones(n, dtype=bool)
        mask[test_idx] = False
        train_idx = rng.permutation(np.flatnonzero(mask))
    elif shuffle:
        perm = rng.permutation(n)
        train_idx, test_idx = perm[: n - n_test], perm[n - n_test :]
    else:
        train_idx, test_idx = slice(0, n - n_test), slice(n - n_test, n)

    out: list[Any] = []
    for original, a in zip(arrays, data):
        for idx in (train_idx, test_idx):
            part = a[idx]
            out.append(Tensor(part, dtype=part.dtype) if isinstance(original, Tensor) else part)
    return out


def one_hot(labels: Any, num_classes: int | None = None, dtype: Any = None) -> np.ndarray:
    """One-hot (1-of-K) coding t of integer class labels: t[..., k] = 1 if label == k.

    Parameters
    ----------
    labels : integer array of any shape S
    num_classes : int, optional
        K; defaults to ``labels.max() + 1``.
    dtype : optional
        Defaults to the default float dtype, so the result can serve directly as the
        target t in the textbook cross-entropy E = -sum_k t_k log y_k (PyTorch's
        ``F.one_hot`` returns int64 instead).

    Returns
    -------
    np.ndarray of shape S + (K,)
    """
    y = _as_array(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {y.dtype}")
    if y.size and y.min() < 0:
        raise ValueError(f"one_hot: labels must be >= 0, got {int(y.min())}")
    k = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if num_classes is None and y.size == 0:
        raise ValueError("one_hot: cannot infer num_classes from empty labels; pass it")
    if y.size and y.max() >= k:
        raise ValueError(
            f"one_hot: label {int(y.max())} is out of range for num_classes={k} (valid 0..{k - 1})"
        )
    out = np.zeros(y.shape + (k,), dtype=dtype if dtype is not None else get_default_dtype())
    np.put_along_axis(out, y[..., None].astype(np.intp), 1, axis=-1)
    return out
