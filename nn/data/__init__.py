"""``nn.data``: datasets, mini-batch loaders, preprocessing and sequence batching.

``dataset`` (``Dataset``, ``TensorDataset``, ``Subset``, ``random_split``), ``loader``
(``DataLoader``, ``default_collate`` and the batch policy), ``preprocessing``
(``Standardizer``, ``train_test_split``, ``one_hot``), ``sequence`` (``SequenceLoader``,
``detach_state`` for truncated BPTT) and ``datasets`` (``make_moons``, ``load_digits``,
the bundled text corpus; also importable as ``nn.datasets``).
"""

from . import datasets
from .dataset import Dataset, Subset, TensorDataset, random_split
from .loader import DataLoader, default_collate, to_batch_field
from .preprocessing import Standardizer, one_hot, train_test_split
from .sequence import SequenceLoader, detach_state

__all__ = [
    "Dataset",
    "TensorDataset",
    "DataLoader",
    "default_collate",
    "to_batch_field",
    "Subset",
    "random_split",
    "Standardizer",
    "train_test_split",
    "one_hot",
    "SequenceLoader",
    "detach_state",
    "datasets",
]
