"""Stateless forms of the layers, and the losses (``import nn.functional as F``)."""

from autograd.ops.elementwise import leaky_relu, relu, sigmoid, tanh

from .activation import dropout, log_softmax, maxout, prelu, softmax
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
    sum_squared_error,
)
from .normalization import batch_norm

__all__ = [
    "linear", "relu", "tanh", "sigmoid", "leaky_relu", "prelu", "maxout", "softmax",
    "log_softmax", "dropout", "batch_norm",
    "mse_loss", "sum_squared_error", "l1_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
]
