"""Stateless forms of the layers, and the losses (``import nn.functional as F``)."""

from autograd.ops.elementwise import logsigmoid, relu, sigmoid, softplus, tanh

from .activation import dropout, dropout2d, leaky_relu, log_softmax, maxout, prelu, softmax
from .conv import conv2d, conv_transpose2d
from .embedding import embedding
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
    sequence_cross_entropy,
    sum_squared_error,
)
from .normalization import batch_norm, local_contrast_norm, local_response_norm
from .pooling import adaptive_avg_pool2d, avg_pool2d, lp_pool2d, max_pool2d
from .recurrent import gru_cell, lstm_cell, rnn_cell

__all__ = [
    "linear",
    "relu",
    "tanh",
    "sigmoid",
    "softplus",
    "logsigmoid",
    "leaky_relu",
    "prelu",
    "maxout",
    "softmax",
    "log_softmax",
    "dropout",
    "dropout2d",
    "batch_norm",
    "local_response_norm",
    "local_contrast_norm",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "lp_pool2d",
    "adaptive_avg_pool2d",
    "embedding",
    "rnn_cell",
    "lstm_cell",
    "gru_cell",
    "mse_loss",
    "sum_squared_error",
    "l1_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "sequence_cross_entropy",
]
