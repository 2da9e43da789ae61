"""deltagrad's engine: ``Value`` and ``Tensor`` nodes, the shared backward driver,
grad mode, Tensor ops and gradient checks."""

from typing import TYPE_CHECKING

from . import creation as _creation
from . import (
    inplace,  # noqa: F401  (autograd.inplace: add_, x[i] = v, ... as InplaceMethods)
    ops,  # noqa: F401  (autograd.ops: the op modules, imported by name below)
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
from .ops import broadcast as _broadcast_ops
from .ops import elementwise as _elementwise_ops
from .ops import gather as _gather_ops
from .ops import indexing as _indexing_ops
from .ops import join as _join_ops
from .ops import matmul as _matmul_ops
from .ops import reduction as _reduction_ops
from .ops import shape as _shape_ops
from .ops.broadcast import *  # noqa: F403  (each op module's __all__ is its exports)
from .ops.elementwise import *  # noqa: F403
from .ops.gather import *  # noqa: F403
from .ops.indexing import *  # noqa: F403
from .ops.join import *  # noqa: F403
from .ops.matmul import *  # noqa: F403
from .ops.reduction import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .random import Generator, default_generator, get_rng_state, manual_seed, seed, set_rng_state
from .serialization import load, save
from .tensor import Tensor
from .tensor_check import gradgradcheck
from .value import Value

# ``autograd.tensor`` is the factory function (as ``torch.tensor``), not the module
# autograd/tensor.py that importing ``Tensor`` above also binds under that name.
tensor = _creation.tensor

__all__ = [
    "Value",
    "Tensor",
    "Function",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "topological_order",
    "detect_anomaly",
    "AnomalyError",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
    "GradcheckError",
    "get_default_dtype",
    "set_default_dtype",
    "float16",
    "half",
    "float32",
    "float",
    "float64",
    "double",
    "int8",
    "uint8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "bool",
    "random",
    "Generator",
    "device",
    "manual_seed",
    "seed",
    "default_generator",
    "get_rng_state",
    "set_rng_state",
    "tensor",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "eye",
    "arange",
    "linspace",
    "randn",
    "rand",
    "randint",
    "randperm",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "randn_like",
    "rand_like",
    "save",
    "load",
]
# The ops: each op module lists its public functions in its own ``__all__``, so a new op
# is exported by its module alone.
# (one line a module, not a loop, so type checkers and the docs read the exports statically)
__all__ += _broadcast_ops.__all__
__all__ += _elementwise_ops.__all__
__all__ += _gather_ops.__all__
__all__ += _indexing_ops.__all__
__all__ += _join_ops.__all__
__all__ += _matmul_ops.__all__
__all__ += _reduction_ops.__all__
__all__ += _shape_ops.__all__


# ``__version__`` is looked up on first use (module ``__getattr__``, PEP 562); type checkers
# see only the declaration -- a module ``__getattr__`` would make them accept any
# misspelled name, e.g. ``autograd.tensr``.
if TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        """``autograd.__version__``, read on first use (see :mod:`autograd.version`): the
        import itself then reads no file and imports no TOML parser."""
        if name == "__version__":
            from .version import read_version

            globals()["__version__"] = value = read_version()
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
