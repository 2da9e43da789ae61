"""Layers (``nn.Module`` subclasses)."""

from .activation import LeakyReLU, LogSoftmax, Maxout, PReLU, ReLU, Sigmoid, Softmax, Tanh
from .dropout import Dropout
from .linear import MLP, Flatten, Identity, Linear
from .normalization import BatchNorm1d, BatchNorm2d

__all__ = [
    "Linear", "Identity", "Flatten", "MLP", "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax", "Maxout", "Dropout", "BatchNorm1d", "BatchNorm2d",
]
