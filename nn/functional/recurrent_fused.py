"""The fused recurrent ops: ``RNNCellOp``, ``LSTMCellOp``, ``GRUCellOp``.

Each is one ``Function`` that runs the cell over a *whole sequence* in NumPy, forward
and backward (backpropagation through time). One node for T steps instead of ~20 T
nodes is what makes training fast; T = 1 is a single cell step. The per-step NumPy
math lives in :mod:`nn.functional.recurrent_kernels`; the textbook form of each cell,
in :mod:`nn.functional.recurrent_reference`.

The fused ops split each gate's pre-activation into an input part, x W_ih^T + b, and a
hidden part, h W_hh^T. The input part does not depend on the previous state, so it is
computed for all time steps with one matrix product before the loop; inside the loop
each step costs one matrix product (all gates at once) plus elementwise NumPy. The
weight gradients sum_t delta_t^T h_{t-1} and sum_t delta_t^T x_t are likewise one
matrix product each after the backward loop. Gate order and formulas are PyTorch's, so
weights move between the two unchanged.

Derivatives and create_graph
----------------------------
The fused backward computes the deltas in NumPy. When the backward pass is itself
recorded (``backward(create_graph=True)``), a fused op falls back to its composite form:
it rebuilds its output from its inputs with the reference Tensor ops and lets autograd
differentiate that, so second derivatives are exact. That fallback also re-walks the
graph *upstream* of the op (the engine has no way to stop a walk early), so it is slow;
for higher-order work prefer the modules' ``fused=False``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograd import array_cache
from autograd.function import Function
from autograd.graph import grad as _autograd_grad
from autograd.graph import is_grad_enabled
from autograd.rules import DerivativeRule
from autograd.tensor import Tensor

from .recurrent_kernels import (
    _gate_major,
    _gru_step,
    _gru_step_backward,
    _lstm_step,
    _lstm_step_backward,
    _rnn_step,
    _rnn_step_backward,
    _weight_blocks,
)
from .recurrent_lstm import (
    from_oifg,
    lstm_backward,
    lstm_forward,
    negate_sigmoid_blocks,
    to_oifg,
    weight_blocks,
)
from .recurrent_reference import (
    _packed_reference,
    _time_order,
    check_output_peephole,
    gru_cell_reference,
    lstm_cell_reference,
    rnn_cell_reference,
)

__all__ = ["RNNCellOp", "LSTMCellOp", "GRUCellOp"]


def _as_tensor(array: np.ndarray | None) -> Tensor | None:
    return None if array is None else Tensor._constant(array)


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, a.shape[-1])


def _input_gates(
    x: np.ndarray,
    w_ih: np.ndarray,
    bias: np.ndarray | None,
    gate_count: int,
    dtype: np.dtype,
) -> np.ndarray:
    """x_t W_ih^T + bias for every step t at once: (T, B, I) -> (G, T, B, H), gate-major.

    None of it depends on the recurrence, so it is one (batched) matrix product before
    the loop instead of T small ones inside it. The array is reused by a later step once
    the op that saves it is gone (:mod:`autograd.array_cache`).
    """
    steps, batch, _ = x.shape
    hidden = w_ih.shape[0] // gate_count
    gates = array_cache.empty((gate_count, steps * batch, hidden), dtype)
    np.matmul(
        _flat(x).astype(dtype, copy=False),
        _weight_blocks(w_ih, gate_count).astype(dtype, copy=False),
        out=gates,
    )
    if bias is not None:
        gates += bias.reshape(gate_count, 1, -1)
    return gates.reshape(gate_count, steps, batch, hidden)


def _weight_grads(
    dgates: np.ndarray, h0: np.ndarray, hs: np.ndarray, reverse: bool, out: np.ndarray | None = None
) -> np.ndarray:
    """dL/dW_hh = sum_t delta_t^T h_{t-1}, the sum over steps done by one big matrix product
    instead of T small ones.

    ``dgates`` (T, B, G H) holds the deltas in time order and ``hs`` (T, B, H) the states;
    step t read h_{t-1} = hs[t - 1] (hs[t + 1] when ``reverse``), the first step h0.
    One (G H, (T - 1) B) x ((T - 1) B, H) product is large enough for OpenBLAS to split
    over its threads, which G separate (H, (T - 1) B) x ((T - 1) B, H) products are not
    (at the benchmark's sizes, 0.8 against 1.6 ms on two cores). Written into ``out``
    (G H, H) if given.
    """
    if reverse:
        later, first, prev = dgates[:-1], dgates[-1], hs[1:]
    else:
        later, first, prev = dgates[1:], dgates[0], hs[:-1]
    grads = np.matmul(_flat(later).T, _flat(prev), out=out)
    if h0.any():  # (the usual h0 = 0 adds nothing: one product fewer)
        grads += first.T @ h0
    return grads


def _composite_vjp(fn: Function, gy: Tensor, reference: Callable[..., Tensor]) -> tuple:
    """Backward under ``create_graph``: rebuild the op's output with differentiable Tensor
    ops and let autograd take the vector-Jacobian product, recording it."""
    inputs = fn.inputs
    out = reference(*inputs)
    wanted: list[Tensor] = []
    for t, need in zip(inputs, fn.needs_input_grad):
        if need and not any(t is w for w in wanted):
            wanted.append(t)
    grads = dict(
        zip(
            map(id, wanted),
            _autograd_grad(out, wanted, grad_outputs=gy, create_graph=True, allow_unused=True),
        )
    )
    result = []
    for t, need in zip(inputs, fn.needs_input_grad):
        # an input passed twice (h0 is c0) gets its total gradient once
        result.append(grads.pop(id(t), None) if need else None)
    return tuple(result)


def _check_shapes(
    x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, gate_count: int
) -> None:
    """``Function.apply`` prepends the op name and the input shapes to these messages."""
    hidden = w_hh.shape[-1]
    if w_hh.ndim != 2 or w_hh.shape[0] != gate_count * hidden:
        raise ValueError(f"weight_hh must be ({gate_count} H, H), got {w_hh.shape}")
    if x.ndim not in (2, 3) or 0 in x.shape:
        raise ValueError(f"input must be a non-empty (T, B, I) or (B, I), got {x.shape}")
    if w_ih.shape != (gate_count * hidden, x.shape[-1]):
        raise ValueError(
            f"weight_ih must be ({gate_count} H, I) = {(gate_count * hidden, x.shape[-1])} "
            f"for input of shape {x.shape}, got {w_ih.shape}"
        )
    if h0.shape != (x.shape[-2], hidden):
        raise ValueError(
            f"state has shape {h0.shape}, expected (batch, hidden) = {(x.shape[-2], hidden)}"
        )


class _Recurrence(Function):
    """What the three fused ops share: input layout, the input-side gradients.

    Inputs are ``(x, h0[, c0], w_ih, w_hh[, b_ih, b_hh][, peephole])``; x is (T, B, I)
    for a sequence or (B, I) for a single step (then the output drops the time axis).
    """

    gate_count = 1
    state_count = 1  # h0 (and c0 for the LSTM) come right after x

    def _prepare(
        self, x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, reverse: bool
    ) -> tuple[np.ndarray, np.dtype]:
        _check_shapes(x, h0, w_ih, w_hh, self.gate_count)
        self.single, self.reverse = x.ndim == 2, reverse
        return (x[None] if self.single else x), np.result_type(x, h0, w_ih, w_hh)

    def _input_side(self, dgates_x: np.ndarray, with_bias: bool) -> list:
        """dL/dx = delta W_ih, dL/dW_ih = sum over (t, b) of delta^T x, dL/db_ih = sum delta,
        each as one matrix product (or sum) over all steps."""
        x, w_ih = self.inputs[0]._data, self.inputs[1 + self.state_count]._data
        flat = _flat(dgates_x)
        need = self.needs_input_grad
        dx = (flat @ w_ih).reshape(x.shape) if need[0] else None
        dw_ih = flat.T @ _flat(x) if need[1 + self.state_count] else None
        db_ih = flat.sum(axis=0) if with_bias else None
        return [dx, dw_ih, db_ih]


class RNNCellOp(_Recurrence):
    """Elman RNN over a sequence, one node:  h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    Inputs ``(x, h0, w_ih, w_hh[, b_ih, b_hh])``: x (T, B, I) or one step (B, I); h0 (B, H);
    w_ih (H, I); w_hh (H, H); biases (H,). Output: h_1..h_T, (T, B, H) (or h_1, (B, H)),
    in time order even with ``reverse=True`` (then step t reads h_{t+1}).

    Backward (BPTT):  delta_t = (dL/dh_t + delta_{t+1} W_hh) * f'(u_t); the weight
    gradients sum_t delta_t^T h_{t-1} and sum_t delta_t^T x_t are one matrix product
    each, after the loop. Under create_graph: composite fallback (module docstring).
    """

    op = "rnn"
    # backprop through time: δ_t = (gy_t + δ_{t+1}·W_hh)·f′(u_t), f′ of the cell's gates
    rule = DerivativeRule.of(
        "gx h0 W_hh b_hh", "δ_t (BPTT)", "δ_1·{2}", "Σ_t δ_tᵀ·h_{{t−1}}", "Σ_t δ_t"
    )

    def forward(
        self,
        x: np.ndarray,
        h0: np.ndarray,
        w_ih: np.ndarray,
        w_hh: np.ndarray,
        *biases: np.ndarray,
        nonlinearity: str = "tanh",
        reverse: bool = False,
    ) -> np.ndarray:
        xs, dtype = self._prepare(x, h0, w_ih, w_hh, reverse)
        pre = _input_gates(xs, w_ih, biases[0] + biases[1] if biases else None, 1, dtype)[0]
        self.relu, self.bias = nonlinearity == "relu", bool(biases)
        hs = np.empty_like(pre)
        h, w_t = h0, np.ascontiguousarray(w_hh.T)  # (BLAS is slower on a transposed view)
        for t in _time_order(len(pre), reverse):
            _rnn_step(pre[t], h, w_t, self.relu, hs[t])
            h = hs[t]
        self.hs = hs
        return hs[0] if self.single else hs

    def backward(self, gy: Tensor) -> tuple:
        if is_grad_enabled():
            return _composite_vjp(self, gy, self._reference)
        gy_seq = gy._data[None] if self.single else gy._data
        h0, w_hh = self.inputs[1]._data, self.inputs[3]._data  # (arrays, not .data views)
        deltas = array_cache.empty(self.hs.shape, self.hs.dtype)
        dh = np.zeros_like(h0)
        order = _time_order(len(self.hs), self.reverse)
        for k in reversed(range(len(order))):
            t = order[k]
            deltas[t] = _rnn_step_backward(dh + gy_seq[t], self.hs[t], self.relu)
            if k > 0 or self.needs_input_grad[1]:
                dh = deltas[t] @ w_hh
        dx, dw_ih, db = self._input_side(deltas, self.bias)
        grads = [dx, dh, dw_ih, _weight_grads(deltas, h0, self.hs, self.reverse)]
        grads += [db, db.copy()] if self.bias else []  # b_ih and b_hh: same value, own arrays
        return tuple(_as_tensor(g) for g in grads)

    def _reference(
        self, x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, *biases: Tensor
    ) -> Tensor:
        nonlinearity = "relu" if self.relu else "tanh"
        b_ih, b_hh = biases if biases else (None, None)

        def step(x_t: Tensor, state: tuple) -> tuple:
            return (rnn_cell_reference(x_t, state[0], w_ih, w_hh, b_ih, b_hh, nonlinearity),)

        return _packed_reference(step, x, (h0,), self.reverse, self.single)


class LSTMCellOp(_Recurrence):
    """LSTM over a sequence, one node (PyTorch's gate order i, f, g, o).

    Inputs ``(x, h0, c0, w_ih, w_hh[, b_ih, b_hh][, peephole])``: x (T, B, I) or one step
    (B, I); h0, c0 (B, H); w_ih (4H, I); w_hh (4H, H); biases (4H,); peephole (3, H) =
    rows p_i, p_f, p_o. Equations (sigma = logistic sigmoid, * elementwise)::

        a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, split into a_i, a_f, a_g, a_o
        i = sigma(a_i + p_i * c_{t-1})     (the p terms only with a peephole)
        f = sigma(a_f + p_f * c_{t-1})
        g = tanh(a_g)
        c_t = f * c_{t-1} + i * g
        o = sigma(a_o + p_o * c_t)         (c_{t-1} with output_peephole="previous")
        h_t = o * tanh(c_t)

    Output: ``(T + 1, B, H)`` = h_1..h_T in time order followed by c_T (the engine's ops
    have one output, so the final cell state rides along as ``out[T]``). One step:
    (2, B, H) = (h_1, c_1). Under create_graph: composite fallback.
    """

    op = "lstm"
    rule = DerivativeRule.of(
        "gx h0 c0 W_hh b_hh p",
        "gate deltas δ_t (BPTT)",
        "δ_1·{3}",
        "cell gradient · f_1",
        "Σ_t δ_tᵀ·h_{{t−1}}",
        "Σ_t δ_t",
        "Σ_t δ_t·c (peephole)",
    )
    gate_count, state_count = 4, 2

    def forward(
        self,
        x: np.ndarray,
        h0: np.ndarray,
        c0: np.ndarray,
        w_ih: np.ndarray,
        w_hh: np.ndarray,
        *extra: np.ndarray,
        bias: bool = True,
        peephole: bool = False,
        reverse: bool = False,
        output_peephole: str = "current",
    ) -> np.ndarray:
        xs, dtype = self._prepare(x, h0, w_ih, w_hh, reverse)
        if c0.shape != h0.shape:
            raise ValueError(f"c0 has shape {c0.shape} but h0 has {h0.shape}")
        check_output_peephole("lstm", output_peephole, peephole)
        self.bias, self.peephole = bias, peephole
        self.output_peephole = output_peephole
        self.o_prev = prev = output_peephole == "previous"
        if not peephole:  # PyTorch's LSTM: the leaner whole-sequence loop
            return self._forward_plain(
                xs, h0, c0, w_ih, w_hh, extra[0] + extra[1] if bias else None, dtype
            )
        p = extra[-1]
        gates = _input_gates(xs, w_ih, extra[0] + extra[1] if bias else None, 4, dtype)
        steps, batch, hidden = gates.shape[1:]
        out = np.empty((steps + 1, batch, hidden), dtype=dtype)
        cells = np.empty((steps + 1, batch, hidden), dtype=dtype)  # in processing order
        tanh_c = np.empty((steps, batch, hidden), dtype=dtype)
        cells[0] = c0
        h, w_blocks = h0, _weight_blocks(w_hh, 4)
        for k, t in enumerate(_time_order(steps, reverse)):
            _lstm_step(gates[:, t], h, cells[k], w_blocks, p, cells[k + 1], tanh_c[t], out[t], prev)
            h = out[t]
        out[steps] = cells[steps]
        self.gates, self.cells, self.tanh_c, self.out = gates, cells, tanh_c, out
        return out

    def _forward_plain(
        self,
        xs: np.ndarray,
        h0: np.ndarray,
        c0: np.ndarray,
        w_ih: np.ndarray,
        w_hh: np.ndarray,
        bias: np.ndarray | None,
        dtype: np.dtype,
    ) -> np.ndarray:
        """No peephole: :func:`~nn.functional.recurrent_lstm.lstm_forward`, gate-major in
        o-i-f-g order (that module's docstring says why)."""
        steps, batch, features = xs.shape
        hidden = w_hh.shape[1]
        # x_t W_k^T + b_k for every step and gate: 4 matrix products (T B, I + 1) x (I + 1, H)
        # of [x_t 1] and [W_k^T; b_k] -- the bias add folded into the product (one pass
        # over the (4, T, B, H) gates fewer), and in the backward dL/db = delta^T 1 comes
        # out of dL/dW_ih's product as its last column
        cols = features + (bias is not None)
        x_aug = np.empty((steps * batch, cols), dtype=dtype)  # kept for dL/dW_ih
        np.copyto(x_aug[:, :features].reshape(steps, batch, features), xs)
        w_ih_blocks = array_cache.empty((4, cols, hidden), dtype)
        weight_blocks(w_ih, w_ih_blocks[:, :features])
        if bias is not None:
            x_aug[:, features] = 1.0
            w_ih_blocks[:, features] = to_oifg(bias).reshape(4, hidden)
        self.x_aug = x_aug
        gates = array_cache.empty((4, steps, batch, hidden), dtype)
        # (o, i, f blocks negated: lstm_forward then gets -a for its sigmoids)
        negate_sigmoid_blocks(w_ih_blocks)
        np.matmul(x_aug, w_ih_blocks, out=gates.reshape(4, steps * batch, hidden))
        w_hh_blocks = negate_sigmoid_blocks(
            weight_blocks(w_hh, array_cache.empty((4, hidden, hidden), dtype))
        )
        out, self.cells, self.tanh_c = lstm_forward(
            gates, h0, c0, w_hh_blocks, _time_order(steps, self.reverse)
        )
        self.gates, self.out = gates, out
        # (gates, cells, tanh_c: array_cache arrays, reused once this op's graph is gone)
        return out

    def _backward_plain(self, gy: np.ndarray) -> tuple:
        x, h0 = self.inputs[0]._data, self.inputs[1]._data
        w_ih, w_hh = self.inputs[3]._data, self.inputs[4]._data
        need = self.needs_input_grad
        _, steps, batch, hidden = self.gates.shape
        # the blocks W_k (H, K) of each weight, o-i-f-g order: dL/dh_{t-1} = sum_k d_k W_k
        w_hh_oifg = to_oifg(w_hh, array_cache.empty(w_hh.shape, w_hh.dtype))
        dgates, dh0, dc0 = lstm_backward(
            gy,
            self.gates,
            self.cells,
            self.tanh_c,
            w_hh_oifg.reshape(4, hidden, hidden),
            _time_order(steps, self.reverse),
            need[1],
        )
        # The deltas row by row, (T, B, 4H) -- the layout of x_t W_ih^T -- one copy of
        # ~0.1 ms: then each weight gradient is one matrix product with 4H rows, which
        # OpenBLAS splits over its threads, instead of 4 products with H rows that it runs
        # on one (dL/dW_hh 0.8 instead of 1.6 ms at the benchmark's sizes on two cores)
        rows = array_cache.empty((steps, batch, 4 * hidden), dgates.dtype)
        np.copyto(rows.reshape(steps, batch, 4, hidden), dgates.transpose(1, 2, 0, 3))
        flat = _flat(rows)  # (T B, 4H): delta of gate k at (t, b) in columns k H ..
        dx = dw_ih = dw_hh = None
        if need[0]:  # dL/dx = delta W_ih, W_ih's rows in o-i-f-g order
            dx = (flat @ to_oifg(w_ih)).reshape(x.shape)
        features = w_ih.shape[1]
        need_b = self.bias and (need[5] or need[6])
        if need[3] or need_b:  # delta^T [x 1] = [dL/dW_ih  dL/db], (4H, I [+1])
            dw_aug = flat.T @ self.x_aug
            if need[3]:
                dw_ih = from_oifg(dw_aug[:, :features])
        if need[4]:  # dL/dW_hh = sum_t delta_t^T h_{t-1}
            # (the product is a temporary: from_oifg copies it into the gradient)
            grads_oifg = array_cache.empty((4 * hidden, hidden), rows.dtype)
            dw_hh = from_oifg(_weight_grads(rows, h0, self.out[:steps], self.reverse, grads_oifg))
        grads = [dx, dh0, dc0, dw_ih, dw_hh]
        if need_b:
            db = from_oifg(dw_aug[:, features])
            grads += [db, db.copy()]  # b_ih and b_hh: same value, own arrays
        elif self.bias:  # frozen biases: no product for them
            grads += [None, None]
        return tuple(_as_tensor(g) for g in grads)

    def backward(self, gy: Tensor) -> tuple:
        if is_grad_enabled():
            return _composite_vjp(self, gy, self._reference)
        if not self.peephole:
            return self._backward_plain(gy._data)
        g_out = gy._data  # the upstream gradient of the packed output, as an array
        h0, w_hh = self.inputs[1]._data, self.inputs[4]._data
        peephole = self.inputs[-1]._data
        _, steps, batch, hidden = self.gates.shape
        dgates = np.empty((steps, batch, 4 * hidden), dtype=self.gates.dtype)  # x's layout
        dpeep = np.zeros_like(peephole) if self.peephole else None
        dh, dc = np.zeros_like(h0), g_out[steps]
        order = _time_order(steps, self.reverse)
        for k in reversed(range(steps)):
            t = order[k]
            dh = dh + g_out[t]
            dc = _lstm_step_backward(
                dh,
                dc,
                self.gates[:, t],
                self.cells[k],
                self.cells[k + 1],
                self.tanh_c[t],
                peephole,
                _gate_major(dgates[t], 4),
                dpeep,
                self.o_prev,
            )
            if k > 0 or self.needs_input_grad[1]:
                dh = dgates[t] @ w_hh
        dx, dw_ih, db = self._input_side(dgates, self.bias)
        grads = [dx, dh, dc, dw_ih, _weight_grads(dgates, h0, self.out[:steps], self.reverse)]
        grads += [db, db.copy()] if self.bias else []  # b_ih and b_hh: same value, own arrays
        grads += [dpeep] if self.peephole else []
        return tuple(_as_tensor(g) for g in grads)

    def _reference(
        self, x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor, *extra: Tensor
    ) -> Tensor:
        b_ih, b_hh = extra[:2] if self.bias else (None, None)
        peephole = extra[-1] if self.peephole else None

        def step(x_t: Tensor, state: tuple) -> tuple:
            return lstm_cell_reference(
                x_t, state, w_ih, w_hh, b_ih, b_hh, peephole, output_peephole=self.output_peephole
            )

        return _packed_reference(step, x, (h0, c0), self.reverse, self.single)


class GRUCellOp(_Recurrence):
    """GRU over a sequence, one node (PyTorch's gate order r, z, n and form)::

        r = sigma(x W_ir^T + b_ir + h W_hr^T + b_hr)
        z = sigma(x W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
        h' = (1 - z) * n + z * h

    Inputs ``(x, h0, w_ih, w_hh[, b_ih, b_hh])``: x (T, B, I) or one step (B, I); h0
    (B, H); w_ih (3H, I); w_hh (3H, H); biases (3H,) -- b_hh stays apart from b_ih
    because b_hn sits inside the reset product. Output h_1..h_T (T, B, H) or h_1 (B, H).
    Under create_graph: composite fallback.
    """

    op = "gru"
    rule = DerivativeRule.of(
        "gx h0 W_hh b_hh",
        "gate deltas δ_t (BPTT)",
        "δ_1·{2} + gy·z_1",
        "Σ_t δ_tᵀ·h_{{t−1}}",
        "Σ_t δ_t",
    )
    gate_count = 3

    def forward(
        self,
        x: np.ndarray,
        h0: np.ndarray,
        w_ih: np.ndarray,
        w_hh: np.ndarray,
        *biases: np.ndarray,
        reverse: bool = False,
    ) -> np.ndarray:
        xs, dtype = self._prepare(x, h0, w_ih, w_hh, reverse)
        self.bias = bool(biases)
        gates = _input_gates(xs, w_ih, biases[0] if biases else None, 3, dtype)
        b_hh = biases[1].reshape(3, 1, -1) if biases else None
        steps, batch, hidden = gates.shape[1:]
        hs = np.empty((steps, batch, hidden), dtype=dtype)
        hw_n = array_cache.empty(hs.shape, dtype)
        h, w_blocks = h0, _weight_blocks(w_hh, 3)
        for t in _time_order(steps, reverse):
            _gru_step(gates[:, t], h, w_blocks, b_hh, hw_n[t], hs[t])
            h = hs[t]
        self.gates, self.hw_n, self.hs = gates, hw_n, hs
        return hs[0] if self.single else hs

    def backward(self, gy: Tensor) -> tuple:
        if is_grad_enabled():
            return _composite_vjp(self, gy, self._reference)
        gy_seq = gy._data[None] if self.single else gy._data
        h0, w_hh = self.inputs[1]._data, self.inputs[3]._data  # (arrays, not .data views)
        _, steps, batch, hidden = self.gates.shape
        dgates_x = array_cache.empty((steps, batch, 3 * hidden), self.gates.dtype)
        dgates_h = array_cache.empty((steps, batch, 3 * hidden), self.gates.dtype)
        dh = np.zeros_like(h0)
        order = _time_order(steps, self.reverse)
        for k in reversed(range(steps)):
            t = order[k]
            h_prev = self.hs[order[k - 1]] if k > 0 else h0
            dh = dh + gy_seq[t]
            dh_skip = _gru_step_backward(
                dh,
                self.gates[:, t],
                h_prev,
                self.hw_n[t],
                _gate_major(dgates_x[t], 3),
                _gate_major(dgates_h[t], 3),
            )
            dh = dh_skip + dgates_h[t] @ w_hh if (k > 0 or self.needs_input_grad[1]) else dh_skip
        dx, dw_ih, db_ih = self._input_side(dgates_x, self.bias)
        grads = [dx, dh, dw_ih, _weight_grads(dgates_h, h0, self.hs, self.reverse)]
        grads += [db_ih, _flat(dgates_h).sum(axis=0)] if self.bias else []
        return tuple(_as_tensor(g) for g in grads)

    def _reference(
        self, x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, *biases: Tensor
    ) -> Tensor:
        def step(x_t: Tensor, state: tuple) -> tuple:
            return (gru_cell_reference(x_t, state[0], w_ih, w_hh, *biases),)

        return _packed_reference(step, x, (h0,), self.reverse, self.single)
