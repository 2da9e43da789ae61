"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler``).

``base`` (``LRScheduler``: the recipe and the checks), ``schedules`` (``LinearDecay``,
``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``) and ``plateau``
(``ReduceLROnPlateau``).
"""

from .base import LRScheduler
from .plateau import ReduceLROnPlateau
from .schedules import CosineAnnealingLR, ExponentialLR, LinearDecay, StepLR

__all__ = [
    "LRScheduler",
    "LinearDecay",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
]
