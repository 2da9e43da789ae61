"""deltagrad's neural-network package, built only on ``autograd``.

``nn.Module``/``nn.Parameter``, the layers, ``nn.functional`` (``F``), ``nn.init`` and
``nn.optim``; ``nn.data`` (datasets, loaders, preprocessing, sequence batching) and
``nn.train`` (the training loops); ``nn.models`` (CharRNN, seq2seq, bagging);
``nn.textbook`` (reference networks with hand-derived gradients); ``nn.scalar`` (the
micrograd-style networks made of scalar ``Value`` nodes).
"""

from .autograd_check import require_deltagrad_autograd

require_deltagrad_autograd()  # a foreign `autograd` (same import name) is named, not obscure

from . import _moved  # noqa: E402

_moved.install()  # old import paths (nn.sequence, nn.rtrl, ...) keep working for a release

from . import data, functional, init, models, optim, scalar, textbook, train, utils  # noqa: E402
from .containers import ModuleList, Sequential  # noqa: E402
from .data import SequenceLoader, datasets, detach_state  # noqa: E402
from .layers import *  # noqa: E402, F403  (the layer classes, listed in layers.__all__)
from .layers import __all__ as _layer_names  # noqa: E402
from .models import Bagging, CharRNN, Decoder, Encoder, Seq2Seq  # noqa: E402
from .module import Module  # noqa: E402
from .optim import clip_grad_norm_, clip_grad_value_  # noqa: E402
from .parameter import Parameter  # noqa: E402

__getattr__ = _moved.module_getattr

__all__ = [
    "Module",
    "Parameter",
    "Sequential",
    "ModuleList",
    "functional",
    "init",
    "optim",
    "clip_grad_norm_",
    "clip_grad_value_",
    "utils",
    "data",
    "datasets",
    "train",
    "models",
    "textbook",
    "scalar",
    "Bagging",
    "SequenceLoader",
    "CharRNN",
    "detach_state",
    "Seq2Seq",
    "Encoder",
    "Decoder",
    *_layer_names,
]
