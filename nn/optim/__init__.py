"""Optimizers (最適化), gradient clipping and learning-rate schedules.

Every optimizer follows PyTorch's update rule exactly by default (same argument names,
defaults and ε placement); the docstrings give the formulas and how they map onto the
textbook forms. Two keyword options give the textbook's own rules: ``SGD(...,
momentum_form="textbook")`` (Δw = μΔw − (1 − μ)η∇E) and ``RMSProp``/``AdaGrad(...,
eps_inside_sqrt=True)`` (g/√(v + ε)). PyTorch's spellings ``Adagrad``, ``RMSprop`` and
``Adadelta`` are aliases.

>>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)   # doctest: +SKIP
>>> for x, t in loader:                                   # doctest: +SKIP
...     opt.zero_grad()
...     loss_fn(model(x), t).backward()
...     clip_grad_norm_(model.parameters(), max_norm=1.0)
...     opt.step()
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .adaptive import AdaDelta, Adadelta, AdaGrad, Adagrad, RMSProp, RMSprop
from .clip import clip_grad_norm_, clip_grad_value_
from .lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearDecay,
    LRScheduler,
    ReduceLROnPlateau,
    StepLR,
)
from .optimizer import Optimizer
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "AdaGrad",
    "Adagrad",
    "RMSProp",
    "RMSprop",
    "AdaDelta",
    "Adadelta",
    "Adam",
    "AdamW",
    "clip_grad_norm_",
    "clip_grad_value_",
    "lr_scheduler",
    "LRScheduler",
    "LinearDecay",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
]
