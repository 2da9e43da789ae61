"""deltagrad's engine: nodes, the shared backward driver, grad mode and gradient checks."""

from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .graph import (
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    topological_order,
)
from .value import Value

__all__ = [
    "Value",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "topological_order",
    "gradcheck",
    "numerical_grad",
    "GradcheckError",
]
