"""Mini-batches: ``DataLoader``, ``default_collate`` and the batch policy.

PyTorch's names and arguments. The datasets they read live in :mod:`nn.data.dataset`.

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
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.random import as_generator
from autograd.tensor import Tensor

from .dataset import TensorDataset
from .inputs import Seed, _as_array

__all__ = ["DataLoader", "default_collate", "to_batch_field"]


def to_batch_field(array: np.ndarray, float_dtype: np.dtype | None = None) -> Any:
    """Apply the batch policy (module docstring) to one field of a batch."""
    kind = array.dtype.kind
    if kind == "f":
        dtype = float_dtype if float_dtype is not None else get_default_dtype()
        return Tensor(array if array.dtype == dtype else array.astype(dtype))
    if kind in "iu":
        return Tensor._constant(array if array.dtype == np.int64 else array.astype(np.int64))
    return Tensor._constant(np.asarray(array))


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
    fields: Iterator[Sequence[Any]]
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
            sampler,
            batch_sampler,
            num_workers,
            timeout,
            worker_init_fn,
            multiprocessing_context,
            prefetch_factor,
            persistent_workers,
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
        self.generator = as_generator(generator)
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
                "DataLoader: persistent_workers=True needs num_workers > 0 (as in PyTorch); drop it"
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
