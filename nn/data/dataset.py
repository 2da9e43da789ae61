"""Data handling: datasets and mini-batch loaders.

PyTorch's names and arguments (``Dataset``, ``TensorDataset``, ``DataLoader``, ``Subset``,
``random_split``). The small preprocessing tools a first course needs (``Standardizer``,
``train_test_split``, ``one_hot``) live in :mod:`nn.preprocessing` and are re-exported
here, so nothing in ``nn`` depends on scikit-learn.

What a batch looks like
-----------------------
A ``DataLoader`` yields one tuple per mini-batch with one entry per dataset field:

* floating data becomes an :class:`autograd.Tensor` of the **default float dtype**
  (float32 unless ``autograd.set_default_dtype`` says otherwise). Parameters are created
  in that dtype; a float64 input would silently turn every product with them into
  float64, which doubles the work and hands float64 gradients to float32 weights.
* integer data (class labels) becomes an ``int64`` Tensor (outside the graph), as in
  PyTorch -- what ``F.cross_entropy`` and ``F.nll_loss`` take as class indices.
* boolean data becomes a ``bool`` Tensor.

Example::

    X, y = make_moons(200, noise=0.1, random_state=0)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, generator=0)
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)   # xb: float32 (32, 2), yb: int64 (32,)
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.tensor import Tensor

from .data_inputs import Seed, _as_array, _rng

# Re-exports (the redundant ``name as name`` marks them as intended): the preprocessing
# tools were defined in this module before nn.preprocessing existed, and callers still
# import them -- and may reach their private helpers -- as nn.data.*.
from .preprocessing import Standardizer as Standardizer
from .preprocessing import _split_counts as _split_counts
from .preprocessing import _stratified_test_index as _stratified_test_index
from .preprocessing import one_hot as one_hot
from .preprocessing import train_test_split as train_test_split

__all__ = [
    "Dataset",
    "TensorDataset",
    "DataLoader",
    "default_collate",
    "Subset",
    "random_split",
    "Standardizer",
    "train_test_split",
    "one_hot",
]


def to_batch_field(array: np.ndarray, float_dtype: np.dtype | None = None) -> Any:
    """Apply the batch policy (module docstring) to one field of a batch."""
    kind = array.dtype.kind
    if kind == "f":
        dtype = float_dtype if float_dtype is not None else get_default_dtype()
        return Tensor(array if array.dtype == dtype else array.astype(dtype))
    if kind in "iu":
        return Tensor._constant(array if array.dtype == np.int64 else array.astype(np.int64))
    return Tensor._constant(np.asarray(array))


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

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        # Tensors, as PyTorch's TensorDataset gives (ds[0][0].to(device) works); they
        # share memory with the stored arrays and hold no graph
        return tuple(Tensor._constant(np.asarray(a[index])) for a in self.arrays)

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
        Source of the shuffling order; None draws from the default stream
        (``autograd.manual_seed``). A seed makes the whole sequence of epochs
        reproducible; the generator is created once, so successive epochs still differ.
    collate_fn : callable, optional
        ``collate_fn(list_of_samples) -> batch``; defaults to :func:`default_collate`.
        Giving one turns the TensorDataset fast path off.
    num_workers, pin_memory, timeout, worker_init_fn, multiprocessing_context,
    prefetch_factor, persistent_workers, pin_memory_device, in_order
        PyTorch's multi-process and device-memory options, accepted so PyTorch code runs
        unchanged. deltagrad always loads in the calling process, in order, into CPU
        memory: ``num_workers > 0`` warns once (``worker_init_fn`` is then never called),
        and the rest are checked the way PyTorch checks them (e.g. ``prefetch_factor``
        and ``persistent_workers`` need ``num_workers > 0``).
    sampler, batch_sampler
        Not supported (``NotImplementedError``): use ``shuffle`` and ``batch_size``, or
        wrap the dataset in a :class:`Subset` for a fixed selection.

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
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], Any] | None = None,
        multiprocessing_context: Any = None,
        generator: Seed = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
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
        _check_torch_only_arguments(
            sampler, batch_sampler, num_workers, timeout, worker_init_fn,
            multiprocessing_context, prefetch_factor, persistent_workers,
        )
        # accepted for PyTorch compatibility; in-process loading makes them no-ops
        self.num_workers, self.pin_memory, self.timeout = int(num_workers), pin_memory, timeout
        self.worker_init_fn, self.prefetch_factor = worker_init_fn, prefetch_factor
        self.persistent_workers, self.pin_memory_device = persistent_workers, pin_memory_device
        self.multiprocessing_context, self.in_order = multiprocessing_context, in_order
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


# ---------------------------------------------------------------- PyTorch-only arguments
_WORKERS_WARNED = False  # num_workers > 0 warns once per process, not once per loader


def _check_torch_only_arguments(
    sampler: Any,
    batch_sampler: Any,
    num_workers: Any,
    timeout: Any,
    worker_init_fn: Any,
    multiprocessing_context: Any,
    prefetch_factor: Any,
    persistent_workers: Any,
) -> None:
    """Validate DataLoader's multi-process options as PyTorch does; warn that deltagrad
    loads in-process. Raises before the loader is built, so nothing half-exists."""
    global _WORKERS_WARNED
    for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value is not None:
            raise NotImplementedError(
                f"DataLoader: {name} is not supported; use shuffle=True/False and "
                "batch_size, or select samples with nn.data.Subset(dataset, indices)"
            )
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)):
        raise TypeError(f"DataLoader: num_workers must be an int, got {type(num_workers).__name__}")
    if num_workers < 0:
        raise ValueError(f"DataLoader: num_workers must be >= 0, got {num_workers}")
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout must be >= 0, got {timeout}")
    if num_workers == 0:
        if prefetch_factor is not None:
            raise ValueError(
                "DataLoader: prefetch_factor only applies with num_workers > 0 (as in "
                "PyTorch); drop it"
            )
        if persistent_workers:
            raise ValueError(
                "DataLoader: persistent_workers=True needs num_workers > 0 (as in PyTorch); "
                "drop it"
            )
        if multiprocessing_context is not None:
            raise ValueError(
                "DataLoader: multiprocessing_context only applies with num_workers > 0 (as "
                "in PyTorch); drop it"
            )
        return
    if prefetch_factor is not None and prefetch_factor < 1:
        raise ValueError(f"DataLoader: prefetch_factor must be >= 1, got {prefetch_factor}")
    if not _WORKERS_WARNED:
        _WORKERS_WARNED = True
        note = " and worker_init_fn is never called" if worker_init_fn is not None else ""
        warnings.warn(
            f"DataLoader: num_workers={num_workers} -- deltagrad loads batches in-process "
            f"(no worker processes{note}); the batches are the same as with num_workers=0",
            UserWarning,
            stacklevel=3,
        )


# ---------------------------------------------------------------- splitting a dataset
class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (PyTorch's ``Subset``).

    ``subset[i] == dataset[indices[i]]``; a list of positions gives
    ``dataset[[indices[i] for i in positions]]``.
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __repr__(self) -> str:
        return f"Subset({type(self.dataset).__name__}, {len(self)} of {len(self.dataset)})"


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: Seed = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s (PyTorch's rule).

    Parameters
    ----------
    dataset : Dataset
    lengths : sequence of ints summing to ``len(dataset)``, or of fractions summing to 1
        Fractions become floor(n * f) samples each, and the n - sum(floor) left over
        go one at a time to the splits in order (round robin), as in PyTorch >= 1.13.
    generator : int, np.random.Generator or None
        Source of the random permutation (a seed makes the split reproducible).

    Returns
    -------
    list of Subset, one per length, together covering every sample exactly once.
    """
    n = len(dataset)
    values = list(lengths)
    if not values:
        raise ValueError("random_split: give at least one length")
    total = sum(values)
    if math.isclose(total, 1.0) and total <= 1:  # fractions (PyTorch reads [1] as 100%)
        counts = []
        for i, fraction in enumerate(values):
            if not 0.0 <= fraction <= 1.0:
                raise ValueError(f"random_split: fraction {fraction} at index {i} is not in [0, 1]")
            counts.append(math.floor(n * fraction))
        for i in range(n - sum(counts)):  # the remainder, round robin
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"random_split: split {i} is empty ({values[i]} of {n} samples)",
                    UserWarning,
                    stacklevel=2,
                )
    else:
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(
                    f"random_split: lengths must be non-negative ints summing to "
                    f"len(dataset) = {n}, or fractions summing to 1; got {v!r} at index {i}"
                )
        counts = [int(v) for v in values]
    if sum(counts) != n:
        raise ValueError(
            f"random_split: the lengths {values} sum to {sum(counts)}, but the dataset has "
            f"{n} samples; make them add up to {n} or pass fractions summing to 1"
        )
    order = _rng(generator).permutation(n).tolist()
    splits, start = [], 0
    for count in counts:
        splits.append(Subset(dataset, order[start : start + count]))
        start += count
    return splits
