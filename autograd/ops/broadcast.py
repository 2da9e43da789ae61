"""``unbroadcast``: the chain rule's answer to NumPy broadcasting.

Broadcasting repeats an operand along new or size-1 axes; each repeated copy receives
its own share of the output gradient, so the operand's gradient is the SUM over exactly
those axes:

    y = f(a, b) with a of shape (3, 1) broadcast to (3, 4)  =>  dL/da = Σ_j dL/dy[:, j]

Every broadcasting op (arithmetic, selections, matmul, indexing) sends its input
gradients through here. Written with Tensor ops, so it is differentiable again.
"""

from __future__ import annotations

from typing import Any

__all__ = ["unbroadcast"]


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)
