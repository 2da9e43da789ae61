"""deltagrad's neural-network package, built only on ``autograd``.

``nn.Module``/``nn.Parameter``, layers, ``nn.functional`` (``F``), ``nn.init``,
``nn.optim``, data loading and the training loop; ``nn.scalar`` is the micrograd-style
network made of scalar ``Value`` nodes.
"""

from . import data, datasets, functional, init, optim, rtrl, scalar, seq2seq, sequence, train, utils
from .ensemble import Bagging
from .layers import *  # noqa: F403  (the layer classes, listed in layers.__all__)
from .layers import __all__ as _layer_names
from .module import Module, ModuleList, Sequential
from .optim import clip_grad_norm_, clip_grad_value_
from .parameter import Parameter
from .seq2seq import Decoder, Encoder, Seq2Seq
from .sequence import CharRNN, SequenceLoader, detach_state

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "functional", "init", "optim",
    "clip_grad_norm_", "clip_grad_value_", "utils", "data", "datasets", "train", "Bagging",
    "rtrl", "scalar",
    "sequence", "seq2seq", "SequenceLoader", "CharRNN", "detach_state", "Seq2Seq", "Encoder",
    "Decoder", *_layer_names,
]
