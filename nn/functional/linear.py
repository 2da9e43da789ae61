"""The affine map of a fully connected layer, fused into one op."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import array_cache
from autograd.function import Function
from autograd.graph import is_grad_enabled
from autograd.rules import DerivativeRule
from autograd.tensor import Tensor

from ._inputs import as_tensor


class LinearOp(Function):
    """y = x W^T + b  for x of shape (..., in), W of shape (out, in), b of shape (out,).

    Backward (the textbook's dE/dW = delta z^T, in row-vector form):
        dx = gy W,   dW = gy^T x (summed over the batch),   db = sum of gy over the batch.
    One fused op instead of matmul + transpose + add: fewer nodes to draw and to run.
    """

    op = "linear"
    rule = DerivativeRule.of("x W b", "gy·{1}", "gyᵀ·{0}", "Σ gy over the batch")

    def forward(
        self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None
    ) -> np.ndarray:
        if x.shape[-1] != weight.shape[1]:
            raise ValueError(
                f"input has {x.shape[-1]} features (shape {x.shape}) but the weight expects "
                f"{weight.shape[1]} (weight shape {weight.shape}, i.e. out x in)"
            )
        self.save(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    def backward(self, gy: Tensor) -> tuple:
        if not is_grad_enabled():
            x_data, w_data = self.saved_arrays
            return self._backward_arrays(gy._data, x_data, w_data)
        x, weight = self.saved_tensors
        # create_graph: Tensor ops, so the gradient is itself differentiable
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        gx = gy @ weight if need_x else None
        gw = gb = None
        if need_w or (len(self.inputs) > 2 and self.needs_input_grad[2]):
            g2 = gy.reshape(-1, gy.shape[-1]) if gy.ndim != 2 else gy
            if need_w:
                x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
                gw = g2.T @ x2
            if len(self.inputs) > 2 and self.needs_input_grad[2]:
                gb = g2.sum(axis=0)
        return (gx, gw, gb) if len(self.inputs) > 2 else (gx, gw)

    def _backward_arrays(self, gy: np.ndarray, x: np.ndarray, weight: np.ndarray) -> tuple:
        """The same three products on plain arrays: the usual backward (nothing recorded)
        skips the ~6 Tensor ops and their bookkeeping per layer."""
        need = self.needs_input_grad
        has_bias = len(self.inputs) > 2
        gx = None
        if need[0]:
            # one output feature: gy W is an outer product, (N, 1) x (1, in). Broadcasting
            # gives the same numbers (one product each, no sum) several times faster than
            # a matrix product with inner size 1, which BLAS handles poorly
            # (into an array reused by the next step: see autograd.array_cache)
            out = array_cache.empty((*gy.shape[:-1], weight.shape[1]), np.result_type(gy, weight))
            if weight.shape[0] == 1:
                np.multiply(gy, weight[0], out=out)
            else:
                np.matmul(gy, weight, out=out)
            gx = Tensor._constant(out)
        gy2 = gy.reshape(-1, gy.shape[-1])  # (batch..., out) -> (N, out)
        gw: Tensor | None = None
        if need[1]:
            x2 = x.reshape(-1, x.shape[-1])
            # dL/dW in W's own memory order (a column-major weight someone assigned): then
            # the optimizer's w -= lr g runs over both arrays in the same order
            if weight.flags.f_contiguous and not weight.flags.c_contiguous:
                # (an array of its own, not a view: the engine would copy a view back
                # to row-major before it became a leaf's .grad)
                gw_f = np.empty(weight.shape, np.result_type(gy2, x2), order="F")
                np.matmul(x2.T, gy2, out=gw_f.T)  # (dL/dW)^T = x^T gy, written as gw's memory
                gw = Tensor._constant(gw_f)
            else:
                gw = Tensor._constant(gy2.T @ x2)
        if not has_bias:
            return gx, gw
        gb = Tensor._constant(gy2.sum(axis=0)) if need[2] else None
        return gx, gw, gb


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """``x @ weight.T + bias`` (PyTorch's ``F.linear``).

    Shapes: x (..., in_features), weight (out_features, in_features), bias (out_features,)
    -> (..., out_features).
    """
    x, weight = as_tensor(x, "linear"), as_tensor(weight, "linear", "weight")
    if weight.ndim != 2:
        raise ValueError(
            f"linear: weight must be 2-D (out_features, in_features), got shape "
            f"{weight.shape}; for a single output use weight.reshape(1, -1)"
        )
    if x.ndim == 0:
        raise ValueError(
            f"linear: expected input (..., {weight.shape[1]}) with the features on the last "
            f"axis, got shape {x.shape}; a single sample is x.reshape(1, -1)"
        )
    if bias is None:
        return LinearOp.apply(x, weight)
    return LinearOp.apply(x, weight, bias)
