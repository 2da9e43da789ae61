"""deltagrad's engine: ``Value`` and ``Tensor`` nodes, the shared backward driver,
grad mode, Tensor ops and gradient checks."""

from . import device  # noqa: F401  (attaches Tensor.to / .cpu() / .device)
from .anomaly import AnomalyError, detect_anomaly
from .creation import (
    arange,
    eye,
    full,
    full_like,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .dtype import get_default_dtype, set_default_dtype
from .function import Function
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .graph import (
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    topological_order,
)
from .ops.arithmetic import unbroadcast
from .ops.elementwise import (
    abs,
    clip,
    cos,
    exp,
    leaky_relu,
    log,
    maximum,
    minimum,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
    where,
)
from .ops.indexing import getitem
from .ops.join import concatenate, pad, split, stack
from .ops.matmul import matmul
from .ops.reduction import argmax, argmin, logsumexp, max, mean, min, sum, var
from .ops.shape import (
    astype,
    broadcast_to,
    flatten,
    permute,
    reshape,
    squeeze,
    swapaxes,
    transpose,
    unsqueeze,
)
from .serialization import load, save
from .tensor import Tensor
from .tensor_check import gradgradcheck
from .value import Value

__all__ = [
    "Value", "Tensor", "Function",
    "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "topological_order", "detect_anomaly", "AnomalyError",
    "gradcheck", "gradgradcheck", "numerical_grad", "GradcheckError",
    "get_default_dtype", "set_default_dtype",
    "tensor", "zeros", "ones", "full", "eye", "arange", "randn", "rand",
    "zeros_like", "ones_like", "full_like", "randn_like", "rand_like",
    "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu",
    "maximum", "minimum", "clip", "where",
    "sum", "mean", "max", "min", "var", "logsumexp", "argmax", "argmin",
    "reshape", "transpose", "permute", "swapaxes", "broadcast_to", "squeeze", "unsqueeze",
    "flatten", "astype", "getitem", "concatenate", "stack", "split", "pad", "matmul",
    "unbroadcast",
    "save", "load",
]
