"""deltagrad's neural-network package, built only on ``autograd``.

``nn.Module``/``nn.Parameter``, layers, ``nn.functional`` (``F``), ``nn.init``,
``nn.optim``, data loading and the training loop; ``nn.scalar`` is the micrograd-style
network made of scalar ``Value`` nodes.
"""

from . import data, datasets, functional, init, optim, train
from .ensemble import Bagging
from .layers import (
    MLP,
    BatchNorm1d,
    BatchNorm2d,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    Maxout,
    PReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .module import Module, ModuleList, Sequential
from .optim import clip_grad_norm_, clip_grad_value_
from .parameter import Parameter

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "functional", "init", "optim",
    "clip_grad_norm_", "clip_grad_value_", "data", "datasets", "train", "Bagging",
    "Linear", "Identity", "Flatten", "MLP", "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax", "Maxout", "Dropout", "BatchNorm1d", "BatchNorm2d",
]
