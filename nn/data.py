"""Data handling: datasets, mini-batch loaders and the usual preprocessing.

PyTorch's names and arguments (``Dataset``, ``TensorDataset``, ``DataLoader``), plus the
small preprocessing tools a first course needs (``Standardizer``, ``train_test_split``,
``one_hot``) so nothing here depends on scikit-learn.

What a batch looks like
-----------------------
A ``DataLoader`` yields one tuple per mini-batch with one entry per dataset field:

* floating data becomes an :class:`autograd.Tensor` of the **default float dtype**
  (float32 unless ``autograd.set_default_dtype`` says otherwise). Parameters are created
  in that dtype; a float64 input would silently turn every product with them into
  float64, which doubles the work and hands float64 gradients to float32 weights.
* integer data (class labels) stays a NumPy ``int64`` array -- exactly what
  ``F.cross_entropy`` and ``F.nll_loss`` take (a Tensor would turn it into floats).
* boolean data stays a NumPy ``bool`` array.

Example::

    X, y = make_moons(200, noise=0.1, random_state=0)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, generator=0)
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)   # xb: Tensor (32, 2), yb: int64 (32,)
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.tensor import Tensor

__all__ = [
    "Dataset",
    "TensorDataset",
    "DataLoader",
    "default_collate",
    "Standardizer",
    "train_test_split",
    "one_hot",
]

Seed = int | np.random.Generator | None


def _as_array(data: Any) -> np.ndarray:
    """A NumPy view of array-likes and Tensors (a Tensor keeps its own dtype here)."""
    if isinstance(data, Tensor):
        return data.data
    if hasattr(data, "detach") and hasattr(data, "numpy"):  # a torch.Tensor
        return data.detach().cpu().numpy()
    return np.asarray(data)


def _rng(generator: Seed) -> np.random.Generator:
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(generator)


def to_batch_field(array: np.ndarray, float_dtype: np.dtype | None = None) -> Any:
    """Apply the batch policy (module docstring) to one field of a batch."""
    kind = array.dtype.kind
    if kind == "f":
        dtype = float_dtype if float_dtype is not None else get_default_dtype()
        return Tensor(array if array.dtype == dtype else array.astype(dtype))
    if kind in "iu":
        return array if array.dtype == np.int64 else array.astype(np.int64)
    return array


# ---------------------------------------------------------------- datasets
class Dataset(ABC):
    """A map-style dataset: ``len(ds)`` samples, ``ds[i]`` is sample ``i``.

    Subclasses implement ``__len__`` and ``__getitem__``; a sample is usually a tuple
    ``(input, target)`` of NumPy arrays or numbers, which :func:`default_collate` stacks
    into a batch.
    """

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __getitem__(self, index: int) -> Any: ...


class TensorDataset(Dataset):
    """Samples are the rows of equally long arrays: ``ds[i] == (a[i], b[i], ...)``.

    Parameters
    ----------
    *arrays : NumPy arrays, Tensors or nested lists, each of shape (N, ...)
        Stored as NumPy arrays (a Tensor's ``.data`` is shared, not copied).

    Raises
    ------
    ValueError
        If no array is given or the first dimensions differ.
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: give at least one array, e.g. TensorDataset(X, y)")
        converted = tuple(_as_array(a) for a in arrays)
        for i, a in enumerate(converted):
            if a.ndim == 0:
                raise ValueError(
                    f"TensorDataset: array {i} is a scalar; every array needs a first "
                    "(sample) dimension"
                )
        lengths = [len(a) for a in converted]
        if len(set(lengths)) > 1:
            raise ValueError(
                f"TensorDataset: all arrays need the same number of samples (first "
                f"dimension), got lengths {lengths}"
            )
        self.arrays: tuple[np.ndarray, ...] = converted

    @property
    def tensors(self) -> tuple[np.ndarray, ...]:
        """PyTorch's name for the stored arrays."""
        return self.arrays

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self.arrays)
        return f"TensorDataset({shapes})"


def default_collate(samples: Sequence[Any]) -> tuple[Any, ...]:
    """Stack a list of samples into one batch, field by field.

    Each sample is a tuple/list of fields (or a single field); field ``k`` of the batch
    is ``np.stack([s[k] for s in samples])`` with the batch policy of the module
    docstring applied (floats -> Tensor, integers -> int64 array). A batch is always a
    tuple, even for single-field samples.
    """
    if not samples:
        raise ValueError("default_collate: cannot collate an empty list of samples")
    first = samples[0]
    if isinstance(first, (tuple, list)):
        fields = zip(*samples)
    else:
        fields = iter([samples])
    return tuple(to_batch_field(np.stack([_as_array(v) for v in field])) for field in fields)


class DataLoader:
    """Iterate over a dataset in mini-batches, optionally reshuffled every epoch.

    Parameters
    ----------
    dataset : Dataset
        Any object with ``__len__`` and ``__getitem__``. A :class:`TensorDataset` takes a
        fast path: each batch is one slice (in order) or one fancy-index (shuffled) per
        array -- no Python loop over samples.
    batch_size : int
        Samples per batch |B|. ``batch_size=1`` is stochastic gradient descent, ``len(ds)``
        full-batch gradient descent.
    shuffle : bool
        Draw a new random order at the start of every epoch (every ``iter(loader)``).
    drop_last : bool
        Skip the final, smaller batch when ``len(ds)`` is not a multiple of
        ``batch_size`` (keeps every batch the same size).
    generator : int, np.random.Generator or None
        Source of the shuffling order. A seed makes the whole sequence of epochs
        reproducible; the generator is created once, so successive epochs still differ.
    collate_fn : callable, optional
        ``collate_fn(list_of_samples) -> batch``; defaults to :func:`default_collate`.
        Giving one turns the TensorDataset fast path off.

    Notes
    -----
    Batches follow the policy in the module docstring: float fields are Tensors of the
    default float dtype, integer fields int64 NumPy arrays. With ``shuffle=False`` the
    float batches of a TensorDataset whose dtype already matches are views of the
    dataset's arrays (no copy).
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Seed = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(
                f"DataLoader: batch_size must be a positive int, got {type(batch_size).__name__}"
            )
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: dataset must have __len__ and __getitem__ (a Dataset), got "
                f"{type(dataset).__name__}; wrap arrays as TensorDataset(X, y)"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = _rng(generator)
        self.collate_fn = collate_fn
        # float arrays converted to the default dtype once, not once per batch
        self._cast_cache: tuple[np.dtype, tuple[np.ndarray, ...]] | None = None

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _fast_arrays(self) -> tuple[np.ndarray, ...]:
        dtype = get_default_dtype()
        if self._cast_cache is None or self._cast_cache[0] != dtype:
            arrays = tuple(
                a.astype(dtype) if a.dtype.kind == "f" and a.dtype != dtype else a
                for a in self.dataset.arrays
            )
            self._cast_cache = (dtype, arrays)
        return self._cast_cache[1]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else None
        stop = (n // self.batch_size) * self.batch_size if self.drop_last else n
        bs = self.batch_size
        if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:
            arrays = self._fast_arrays()
            dtype = get_default_dtype()
            for start in range(0, stop, bs):
                index = slice(start, start + bs) if order is None else order[start : start + bs]
                yield tuple(to_batch_field(a[index], dtype) for a in arrays)
            return
        collate = self.collate_fn or default_collate
        for start in range(0, stop, bs):
            idx = range(start, min(start + bs, n)) if order is None else order[start : start + bs]
            yield collate([self.dataset[int(i)] for i in idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


# ---------------------------------------------------------------- preprocessing
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


def _stratified_test_index(
    labels: np.ndarray, n_test: int, rng: np.random.Generator
) -> np.ndarray:
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
    rng = _rng(random_state)
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
