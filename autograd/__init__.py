"""deltagrad's engine: ``Value`` and ``Tensor`` nodes, the shared backward driver,
grad mode, Tensor ops and gradient checks."""

from . import (
    devices,  # noqa: F401  (attaches Tensor.to / .cpu() / .device)
    random,
)
from .anomaly import AnomalyError, detect_anomaly
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .devices import device

# PyTorch's dtype names ``bool``/``float``/``int`` shadow the builtins in this namespace
from .dtype import bool_ as bool
from .dtype import (
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .dtype import float32 as float
from .dtype import int32 as int
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
from .ops.join import cat, chunk, concatenate, pad, split, stack
from .ops.matmul import matmul
from .ops.matmul import matmul as mm
from .ops.reduction import (
    amax,
    amin,
    argmax,
    argmin,
    gather,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    sort,
    std,
    sum,
    topk,
    var,
)
from .ops.shape import (
    astype,
    broadcast_to,
    diag,
    flatten,
    narrow,
    permute,
    reshape,
    squeeze,
    swapaxes,
    t,
    transpose,
    unsqueeze,
    view,
)
from .random import Generator, default_generator, get_rng_state, manual_seed, seed, set_rng_state
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
    "float16", "half", "float32", "float", "float64", "double",
    "int8", "uint8", "int16", "short", "int32", "int", "int64", "long", "bool",
    "sort", "softmax", "log_softmax", "mm", "diag",
    "random", "Generator", "device", "manual_seed", "seed", "default_generator",
    "get_rng_state", "set_rng_state",
    "tensor", "from_numpy", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
    "randn", "rand", "randint", "randperm",
    "zeros_like", "ones_like", "empty_like", "full_like", "randn_like", "rand_like",
    "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu",
    "maximum", "minimum", "clip", "where",
    "sum", "mean", "max", "min", "amax", "amin", "var", "std", "logsumexp",
    "argmax", "argmin", "topk", "gather",
    "reshape", "view", "transpose", "t", "permute", "swapaxes", "narrow", "broadcast_to",
    "squeeze", "unsqueeze", "flatten", "astype", "getitem",
    "cat", "concatenate", "stack", "split", "chunk", "pad", "matmul",
    "unbroadcast",
    "save", "load",
]
