"""Datasets: ``Dataset``, ``TensorDataset``, ``Subset`` and ``random_split``.

PyTorch's names and arguments. :mod:`nn.data.loader` turns a dataset into mini-batches.
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.random import as_generator
from autograd.tensor import Tensor

from .inputs import Seed, _as_array

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split"]


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
    order = as_generator(generator).permutation(n).tolist()
    splits, start = [], 0
    for count in counts:
        splits.append(Subset(dataset, order[start : start + count]))
        start += count
    return splits
