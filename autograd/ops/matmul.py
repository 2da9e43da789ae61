"""Matrix product with NumPy's ``matmul`` rules: batched, broadcasting, 1-D operands.

For Y = A B:  dL/dA = dL/dY B^T  and  dL/dB = A^T dL/dY  (per batch element), then
summed over any batch axes that broadcasting added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..function import Function
from ..rules import DerivativeRule
from .broadcast import unbroadcast

if TYPE_CHECKING:  # for annotations only: tensor.py imports this module
    from ..tensor import Tensor

__all__ = ["matmul", "mm"]


class MatMul(Function):
    op = "matmul"
    rule = DerivativeRule.of("a b", "gy·{1}ᵀ", "{0}ᵀ·gy")

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul needs at least 1-D operands; use * for scalars")
        ka = a.shape[-1]
        kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if ka != kb:
            raise ValueError(
                f"shapes {a.shape} and {b.shape} are not aligned: the last axis of the "
                f"first ({ka}) must equal the {'only' if b.ndim == 1 else 'second-to-last'}"
                f" axis of the second ({kb})"
            )
        self.save(a, b)
        return a @ b

    def backward(self, gy: Any) -> tuple:
        a, b = self.saved_tensors
        # Lift 1-D operands to matrices so one formula serves every case.
        a2 = a.reshape(1, a.shape[0]) if a.ndim == 1 else a
        b2 = b.reshape(b.shape[0], 1) if b.ndim == 1 else b
        if a.ndim == 1 and b.ndim == 1:
            g2 = gy.reshape(1, 1)
        elif a.ndim == 1:
            g2 = gy.unsqueeze(-2)
        elif b.ndim == 1:
            g2 = gy.unsqueeze(-1)
        else:
            g2 = gy
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = g2 @ b2.swapaxes(-1, -2)
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            gb = a2.swapaxes(-1, -2) @ g2
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul.apply(a, b)


mm = matmul  # PyTorch's name for the 2-D case (here: the same batched matmul)


class MatmulMethods:
    """Tensor's ``@`` and ``matmul``/``mm`` (``Tensor`` inherits them)."""

    __slots__ = ()

    matmul = mm = __matmul__ = matmul

    def __rmatmul__(self, other: Any) -> Any:
        return MatMul.apply(other, self)
