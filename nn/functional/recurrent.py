"""Recurrent cells: the textbook composite form and the fused fast form.

Each cell (Elman RNN, LSTM, GRU) is written twice.

* ``*_cell_reference`` -- the equations exactly as the textbook writes them, with
  Tensor ops. Every intermediate is a graph node, so it draws, it passes
  ``gradcheck``/``gradgradcheck`` and it is differentiable to any order.
* ``RNNCellOp``, ``LSTMCellOp``, ``GRUCellOp`` -- one ``Function`` that runs the cell
  over a *whole sequence* in NumPy, forward and backward (backpropagation through
  time). One node for T steps instead of ~20 T nodes is what makes training fast;
  T = 1 is a single cell step.

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

from autograd.function import Function
from autograd.graph import grad as _autograd_grad
from autograd.graph import is_grad_enabled
from autograd.ops.join import stack
from autograd.tensor import Tensor

__all__ = [
    "rnn_cell", "lstm_cell", "gru_cell",
    "rnn_cell_reference", "lstm_cell_reference", "gru_cell_reference",
    "rnn_sequence", "lstm_sequence", "gru_sequence",
    "RNNCellOp", "LSTMCellOp", "GRUCellOp",
]

_NONLINEARITIES = ("tanh", "relu")


# ============================================================== NumPy kernels (one step)
def _sigmoid_(a: np.ndarray) -> None:
    """sigma(a) in place, as (1 + tanh(a / 2)) / 2: the same number as 1 / (1 + e^-a),
    but e^-a overflows for a << 0 and tanh never does."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5


def _rnn_step(pre: np.ndarray, h: np.ndarray, w_hh_t: np.ndarray, relu: bool,
              h_new: np.ndarray) -> None:
    """h' = f(pre + h W_hh^T), written into ``h_new``; ``pre`` = x W_ih^T + b_ih + b_hh."""
    u = pre + h @ w_hh_t
    if relu:
        np.maximum(u, 0.0, out=h_new)
    else:
        np.tanh(u, out=h_new)


def _rnn_step_backward(dh: np.ndarray, h_new: np.ndarray, relu: bool) -> np.ndarray:
    """delta = dL/du = dL/dh' * f'(u), with f' read off the output: tanh' = 1 - h'^2,
    relu' = [h' > 0]."""
    if relu:
        return dh * (h_new > 0)
    return dh * (1.0 - h_new * h_new)


def _gate_major(a: np.ndarray, gate_count: int) -> np.ndarray:
    """View (..., B, G H) as (..., G, B, H): gate k of every sample, no copy.

    The ops keep their gates gate-major, (G, B, H), so that ``i, f, g, o = gates``
    unpacks contiguous blocks: NumPy's elementwise ops run 2-3x slower on the strided
    column slices of a (B, G H) array. The backward writes its deltas through this view
    straight into the (T, B, G H) layout that the weight products want.
    """
    *lead, batch, width = a.shape
    return a.reshape(*lead, batch, gate_count, width // gate_count).swapaxes(-2, -3)


def _weight_blocks(w: np.ndarray, gate_count: int) -> np.ndarray:
    """(G H, K) -> (G, K, H) with v @ blocks[k] = v W_k^T: one batched matrix product
    gives every gate's part already gate-major."""
    rows = w.shape[0] // gate_count
    return np.ascontiguousarray(w.reshape(gate_count, rows, w.shape[1]).transpose(0, 2, 1))


def _lstm_step(gates: np.ndarray, h: np.ndarray, c: np.ndarray, w_blocks: np.ndarray,
               peephole: np.ndarray | None, c_new: np.ndarray, tanh_c: np.ndarray,
               h_new: np.ndarray) -> None:
    """One LSTM step, in place.

    ``gates`` (4, B, H) holds the input part of the pre-activations (x W_ih^T + b_ih +
    b_hh) on entry and the activations i, f, g, o on exit; ``c_new``, ``tanh_c`` and
    ``h_new`` (B, H) receive c_t, tanh(c_t) and h_t.
    """
    gates += np.matmul(h, w_blocks)  # the step's one matrix product, all four gates
    i, f, g, o = gates
    if peephole is not None:  # the input and forget gates look at c_{t-1}
        i += peephole[0] * c
        f += peephole[1] * c
    _sigmoid_(gates[:2])
    np.tanh(g, out=g)
    np.multiply(f, c, out=c_new)  # c_t = f * c_{t-1} + i * g
    c_new += i * g
    if peephole is not None:  # the output gate looks at the new c_t
        o += peephole[2] * c_new
    _sigmoid_(o)
    np.tanh(c_new, out=tanh_c)
    np.multiply(o, tanh_c, out=h_new)  # h_t = o * tanh(c_t)


def _lstm_step_backward(dh: np.ndarray, dc: np.ndarray, gates: np.ndarray,
                        c_prev: np.ndarray, c_new: np.ndarray, tanh_c: np.ndarray,
                        peephole: np.ndarray | None, dgates: np.ndarray,
                        dpeephole: np.ndarray | None) -> np.ndarray:
    """Backward of :func:`_lstm_step`: the chain rule line by line, last line first.

    ``dh``, ``dc`` are dL/dh_t, dL/dc_t (from the output and from step t+1). Writes
    dL/d(pre-activations) into ``dgates`` (4, B, H), adds the peephole gradient into
    ``dpeephole`` (3, H) and returns dL/dc_{t-1}. (dL/dh_{t-1} = dgates W_hh is left to
    the caller, which batches the weight products.)
    """
    i, f, g, o = gates
    # slope of each activation at its pre-activation: sigma' = sigma (1 - sigma) for
    # i, f, o and tanh' = 1 - tanh^2 for g
    slope = gates * (1.0 - gates)
    np.multiply(g, g, out=slope[2])
    np.subtract(1.0, slope[2], out=slope[2])
    up = np.empty_like(gates)  # dL/d(activation) for i, f, g, o
    # h = o * tanh(c):  dL/do = dh tanh(c),  dL/dc += dh o (1 - tanh^2 c)
    np.multiply(dh, tanh_c, out=up[3])
    dc = dc + dh * o * (1.0 - tanh_c * tanh_c)
    if peephole is not None:  # a_o = ... + p_o * c_t
        da_o = up[3] * slope[3]
        dc += da_o * peephole[2]
        dpeephole[2] += (da_o * c_new).sum(axis=0)
    # c = f * c_prev + i * g
    np.multiply(dc, g, out=up[0])
    np.multiply(dc, c_prev, out=up[1])
    np.multiply(dc, i, out=up[2])
    np.multiply(up, slope, out=dgates)  # through the activations, all gates at once
    dc_prev = dc * f
    if peephole is not None:  # a_i = ... + p_i * c_prev, a_f = ... + p_f * c_prev
        dc_prev += dgates[0] * peephole[0] + dgates[1] * peephole[1]
        dpeephole[0] += (dgates[0] * c_prev).sum(axis=0)
        dpeephole[1] += (dgates[1] * c_prev).sum(axis=0)
    return dc_prev


def _gru_step(gates: np.ndarray, h: np.ndarray, w_blocks: np.ndarray, b_hh: np.ndarray | None,
              hw_n: np.ndarray, h_new: np.ndarray) -> None:
    """One GRU step, in place.

    ``gates`` (3, B, H) holds x W_ih^T + b_ih on entry and r, z, n on exit; ``b_hh`` is
    (3, 1, H); ``hw_n`` receives h W_hn^T + b_hn (the backward needs it), ``h_new`` h_t.
    """
    hw = np.matmul(h, w_blocks)
    if b_hh is not None:
        hw += b_hh
    rz = gates[:2]
    rz += hw[:2]
    _sigmoid_(rz)
    r, z, n = gates
    hw_n[...] = hw[2]
    n += r * hw_n  # the reset gate scales the hidden part only (PyTorch's form)
    np.tanh(n, out=n)
    np.subtract(h, n, out=h_new)  # h_t = (1 - z) n + z h = n + z (h - n)
    h_new *= z
    h_new += n


def _gru_step_backward(dh: np.ndarray, gates: np.ndarray, h_prev: np.ndarray,
                       hw_n: np.ndarray, dgates_x: np.ndarray, dgates_h: np.ndarray) -> np.ndarray:
    """Backward of :func:`_gru_step`. Writes dL/d(x-part pre-activations) into ``dgates_x``
    and dL/d(h W_hh^T + b_hh) into ``dgates_h`` (both (3, B, H)); returns the part of
    dL/dh_{t-1} that skips the weights (dh z); the caller adds dgates_h W_hh."""
    r, z, n = gates
    d = np.empty_like(gates)
    # h_t = n + z (h - n):  dL/dn = dh (1 - z),  dL/dz = dh (h - n)
    np.multiply(dh, 1.0 - z, out=d[2])
    d[2] *= 1.0 - n * n  # through tanh onto a_n
    np.subtract(h_prev, n, out=d[1])
    d[1] *= dh
    d[1] *= z * (1.0 - z)  # through sigma onto a_z
    # a_n = x_n + r * hw_n:  dL/dr = dL/da_n hw_n,  dL/dhw_n = dL/da_n r
    np.multiply(d[2], hw_n, out=d[0])
    d[0] *= r * (1.0 - r)
    dgates_x[...] = d
    d[2] *= r
    dgates_h[...] = d  # r and z see the x-part and the h-part alike
    return dh * z


# ============================================================== fused ops
def _as_tensor(array: np.ndarray | None) -> Tensor | None:
    return None if array is None else Tensor._constant(array)


def _time_order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, a.shape[-1])


def _input_gates(x: np.ndarray, w_ih: np.ndarray, bias: np.ndarray | None, gate_count: int,
                 dtype: np.dtype) -> np.ndarray:
    """x_t W_ih^T + bias for every step t at once: (T, B, I) -> (G, T, B, H), gate-major.

    None of it depends on the recurrence, so it is one (batched) matrix product before
    the loop instead of T small ones inside it.
    """
    steps, batch, _ = x.shape
    gates = np.matmul(_flat(x), _weight_blocks(w_ih, gate_count)).astype(dtype, copy=False)
    if bias is not None:
        gates += bias.reshape(gate_count, 1, -1)
    return gates.reshape(gate_count, steps, batch, -1)


def _weight_grads(dgates: np.ndarray, h0: np.ndarray, hs: np.ndarray, reverse: bool) -> np.ndarray:
    """dL/dW_hh = sum_t delta_t^T h_{t-1}, the sum over steps done by one big matrix product
    instead of T small ones.

    ``dgates`` (T, B, G H) holds the deltas in time order and ``hs`` (T, B, H) the states;
    step t read h_{t-1} = hs[t - 1] (hs[t + 1] when ``reverse``), the first step h0.
    """
    if reverse:
        return _flat(dgates[:-1]).T @ _flat(hs[1:]) + dgates[-1].T @ h0
    return _flat(dgates[1:]).T @ _flat(hs[:-1]) + dgates[0].T @ h0


def _composite_vjp(fn: Function, gy: Tensor, reference: Callable[..., Tensor]) -> tuple:
    """Backward under ``create_graph``: rebuild the op's output with differentiable Tensor
    ops and let autograd take the vector-Jacobian product, recording it."""
    inputs = fn.inputs
    out = reference(*inputs)
    wanted = []
    for t, need in zip(inputs, fn.needs_input_grad):
        if need and not any(t is w for w in wanted):
            wanted.append(t)
    grads = dict(zip(map(id, wanted), _autograd_grad(
        out, wanted, grad_outputs=gy, create_graph=True, allow_unused=True)))
    result = []
    for t, need in zip(inputs, fn.needs_input_grad):
        # an input passed twice (h0 is c0) gets its total gradient once
        result.append(grads.pop(id(t), None) if need else None)
    return tuple(result)


def _check_shapes(x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                  gate_count: int) -> None:
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

    def _prepare(self, x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                 reverse: bool) -> tuple[np.ndarray, np.dtype]:
        _check_shapes(x, h0, w_ih, w_hh, self.gate_count)
        self.single, self.reverse = x.ndim == 2, reverse
        return (x[None] if self.single else x), np.result_type(x, h0, w_ih, w_hh)

    def _input_side(self, dgates_x: np.ndarray, with_bias: bool) -> list:
        """dL/dx = delta W_ih, dL/dW_ih = sum over (t, b) of delta^T x, dL/db_ih = sum delta,
        each as one matrix product (or sum) over all steps."""
        x, w_ih = self.inputs[0].data, self.inputs[1 + self.state_count].data
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

    def forward(self, x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                *biases: np.ndarray, nonlinearity: str = "tanh",
                reverse: bool = False) -> np.ndarray:
        xs, dtype = self._prepare(x, h0, w_ih, w_hh, reverse)
        pre = _input_gates(xs, w_ih, biases[0] + biases[1] if biases else None, 1, dtype)[0]
        self.relu, self.bias = nonlinearity == "relu", bool(biases)
        hs = np.empty_like(pre)
        h, w_t = h0, w_hh.T
        for t in _time_order(len(pre), reverse):
            _rnn_step(pre[t], h, w_t, self.relu, hs[t])
            h = hs[t]
        self.hs = hs
        return hs[0] if self.single else hs

    def backward(self, gy: Tensor) -> tuple:
        if is_grad_enabled():
            return _composite_vjp(self, gy, self._reference)
        gy_seq = gy.data[None] if self.single else gy.data
        h0, w_hh = self.inputs[1].data, self.inputs[3].data
        deltas = np.empty_like(self.hs)
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

    def _reference(self, x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor,
                   *biases: Tensor) -> Tensor:
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
        o = sigma(a_o + p_o * c_t)
        h_t = o * tanh(c_t)

    Output: ``(T + 1, B, H)`` = h_1..h_T in time order followed by c_T (the engine's ops
    have one output, so the final cell state rides along as ``out[T]``). One step:
    (2, B, H) = (h_1, c_1). Under create_graph: composite fallback.
    """

    op = "lstm"
    gate_count, state_count = 4, 2

    def forward(self, x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_ih: np.ndarray,
                w_hh: np.ndarray, *extra: np.ndarray, bias: bool = True, peephole: bool = False,
                reverse: bool = False) -> np.ndarray:
        xs, dtype = self._prepare(x, h0, w_ih, w_hh, reverse)
        if c0.shape != h0.shape:
            raise ValueError(f"c0 has shape {c0.shape} but h0 has {h0.shape}")
        self.bias, self.peephole = bias, peephole
        p = extra[-1] if peephole else None
        gates = _input_gates(xs, w_ih, extra[0] + extra[1] if bias else None, 4, dtype)
        steps, batch, hidden = gates.shape[1:]
        out = np.empty((steps + 1, batch, hidden), dtype=dtype)
        cells = np.empty((steps + 1, batch, hidden), dtype=dtype)  # in processing order
        tanh_c = np.empty((steps, batch, hidden), dtype=dtype)
        cells[0] = c0
        h, w_blocks = h0, _weight_blocks(w_hh, 4)
        for k, t in enumerate(_time_order(steps, reverse)):
            _lstm_step(gates[:, t], h, cells[k], w_blocks, p, cells[k + 1], tanh_c[t], out[t])
            h = out[t]
        out[steps] = cells[steps]
        self.gates, self.cells, self.tanh_c, self.out = gates, cells, tanh_c, out
        return out

    def backward(self, gy: Tensor) -> tuple:
        if is_grad_enabled():
            return _composite_vjp(self, gy, self._reference)
        gy = gy.data
        h0, w_hh = self.inputs[1].data, self.inputs[4].data
        peephole = self.inputs[-1].data if self.peephole else None
        _, steps, batch, hidden = self.gates.shape
        dgates = np.empty((steps, batch, 4 * hidden), dtype=self.gates.dtype)  # x's layout
        dpeep = np.zeros_like(peephole) if self.peephole else None
        dh, dc = np.zeros_like(h0), gy[steps]
        order = _time_order(steps, self.reverse)
        for k in reversed(range(steps)):
            t = order[k]
            dh = dh + gy[t]
            dc = _lstm_step_backward(dh, dc, self.gates[:, t], self.cells[k], self.cells[k + 1],
                                     self.tanh_c[t], peephole, _gate_major(dgates[t], 4), dpeep)
            if k > 0 or self.needs_input_grad[1]:
                dh = dgates[t] @ w_hh
        dx, dw_ih, db = self._input_side(dgates, self.bias)
        grads = [dx, dh, dc, dw_ih, _weight_grads(dgates, h0, self.out[:steps], self.reverse)]
        grads += [db, db.copy()] if self.bias else []  # b_ih and b_hh: same value, own arrays
        grads += [dpeep] if self.peephole else []
        return tuple(_as_tensor(g) for g in grads)

    def _reference(self, x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor,
                   *extra: Tensor) -> Tensor:
        biases = extra[:2] if self.bias else (None, None)
        peephole = extra[-1] if self.peephole else None

        def step(x_t: Tensor, state: tuple) -> tuple:
            return lstm_cell_reference(x_t, state, w_ih, w_hh, *biases, peephole)

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
    gate_count = 3

    def forward(self, x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
                *biases: np.ndarray, reverse: bool = False) -> np.ndarray:
        xs, dtype = self._prepare(x, h0, w_ih, w_hh, reverse)
        self.bias = bool(biases)
        gates = _input_gates(xs, w_ih, biases[0] if biases else None, 3, dtype)
        b_hh = biases[1].reshape(3, 1, -1) if biases else None
        steps, batch, hidden = gates.shape[1:]
        hs = np.empty((steps, batch, hidden), dtype=dtype)
        hw_n = np.empty_like(hs)
        h, w_blocks = h0, _weight_blocks(w_hh, 3)
        for t in _time_order(steps, reverse):
            _gru_step(gates[:, t], h, w_blocks, b_hh, hw_n[t], hs[t])
            h = hs[t]
        self.gates, self.hw_n, self.hs = gates, hw_n, hs
        return hs[0] if self.single else hs

    def backward(self, gy: Tensor) -> tuple:
        if is_grad_enabled():
            return _composite_vjp(self, gy, self._reference)
        gy_seq = gy.data[None] if self.single else gy.data
        h0, w_hh = self.inputs[1].data, self.inputs[3].data
        _, steps, batch, hidden = self.gates.shape
        dgates_x = np.empty((steps, batch, 3 * hidden), dtype=self.gates.dtype)
        dgates_h = np.empty_like(dgates_x)
        dh = np.zeros_like(h0)
        order = _time_order(steps, self.reverse)
        for k in reversed(range(steps)):
            t = order[k]
            h_prev = self.hs[order[k - 1]] if k > 0 else h0
            dh = dh + gy_seq[t]
            dh_skip = _gru_step_backward(dh, self.gates[:, t], h_prev, self.hw_n[t],
                                         _gate_major(dgates_x[t], 3), _gate_major(dgates_h[t], 3))
            dh = dh_skip + dgates_h[t] @ w_hh if (k > 0 or self.needs_input_grad[1]) else dh_skip
        dx, dw_ih, db_ih = self._input_side(dgates_x, self.bias)
        grads = [dx, dh, dw_ih, _weight_grads(dgates_h, h0, self.hs, self.reverse)]
        grads += [db_ih, _flat(dgates_h).sum(axis=0)] if self.bias else []
        return tuple(_as_tensor(g) for g in grads)

    def _reference(self, x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor,
                   *biases: Tensor) -> Tensor:
        def step(x_t: Tensor, state: tuple) -> tuple:
            return (gru_cell_reference(x_t, state[0], w_ih, w_hh, *biases),)

        return _packed_reference(step, x, (h0,), self.reverse, self.single)


# ============================================================== composite reference
def _affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """x W^T + b with plain Tensor ops (the reference path avoids every fused op)."""
    y = x @ w.T
    return y if b is None else y + b


def rnn_cell_reference(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                       b_ih: Tensor | None = None, b_hh: Tensor | None = None,
                       nonlinearity: str = "tanh") -> Tensor:
    """Elman cell with plain Tensor ops (the textbook's u^t = W_in x^t + W z^(t-1) + b,
    z^t = f(u^t), in row-vector form)::

        h' = f(x W_ih^T + b_ih + h W_hh^T + b_hh),   f = tanh or relu

    Shapes: input (B, I), hx (B, H), w_ih (H, I), w_hh (H, H), biases (H,) -> (B, H).
    """
    _check_nonlinearity(nonlinearity)
    u = _affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)
    return u.relu() if nonlinearity == "relu" else u.tanh()


def lstm_cell_reference(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,
                        b_ih: Tensor | None = None, b_hh: Tensor | None = None,
                        peephole: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """LSTM cell with plain Tensor ops, gate by gate (equations in :class:`LSTMCellOp`;
    the textbook's s^t = g_I f(u^t) + g_F s^(t-1), z^t = g_O f(s^t) with f = tanh).

    Shapes: input (B, I), hx = (h, c) each (B, H), w_ih (4H, I), w_hh (4H, H), biases
    (4H,), peephole (3, H) -> (h', c').
    """
    h, c = hx
    a_i, a_f, a_g, a_o = (_affine(input, w_ih, b_ih) + _affine(h, w_hh, b_hh)).split(4, axis=-1)
    if peephole is not None:
        a_i = a_i + peephole[0] * c
        a_f = a_f + peephole[1] * c
    i = a_i.sigmoid()           # input gate
    f = a_f.sigmoid()           # forget gate
    g = a_g.tanh()              # candidate cell content
    c_new = f * c + i * g       # memory cell: keep part of the old, write part of the new
    if peephole is not None:
        a_o = a_o + peephole[2] * c_new
    o = a_o.sigmoid()           # output gate
    return o * c_new.tanh(), c_new


def gru_cell_reference(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                       b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """GRU cell with plain Tensor ops (equations in :class:`GRUCellOp`).

    h' = (1 - z) n + z h is the textbook's h^t = z h^(t-1) + (1 - z) h~^t with the
    candidate h~ = n: the same formula, terms swapped. Shapes: input (B, I), hx (B, H),
    w_ih (3H, I), w_hh (3H, H), biases (3H,) -> (B, H).
    """
    x_r, x_z, x_n = _affine(input, w_ih, b_ih).split(3, axis=-1)
    h_r, h_z, h_n = _affine(hx, w_hh, b_hh).split(3, axis=-1)
    r = (x_r + h_r).sigmoid()   # reset gate
    z = (x_z + h_z).sigmoid()   # update gate
    n = (x_n + r * h_n).tanh()  # candidate state
    return (1.0 - z) * n + z * hx


Step = Callable[[Tensor, tuple], tuple]


def _unroll(step: Step, x: Tensor, state: tuple, reverse: bool) -> tuple[list, tuple]:
    """Apply ``step`` along the time axis; -> (outputs in time order, final state)."""
    outputs: list = [None] * x.shape[0]
    for t in _time_order(x.shape[0], reverse):
        state = step(x[t], state)
        outputs[t] = state[0]
    return outputs, state


def _packed_reference(step: Step, x: Tensor, state: tuple, reverse: bool,
                      single: bool) -> Tensor:
    """The unrolled reference packed exactly like the fused op's output."""
    outputs, state = _unroll(step, x.unsqueeze(0) if single else x, state, reverse)
    if len(state) == 2:  # the LSTM's c_T rides along after the hidden states
        outputs.append(state[1])
    return outputs[0] if single and len(outputs) == 1 else stack(outputs)


# ============================================================== functional forms
def _check_nonlinearity(nonlinearity: str) -> None:
    if nonlinearity not in _NONLINEARITIES:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}; choose 'tanh' or 'relu'")


def _biases(b_ih: Tensor | None, b_hh: Tensor | None) -> tuple:
    if (b_ih is None) != (b_hh is None):
        raise ValueError("pass both b_ih and b_hh, or neither")
    return () if b_ih is None else (b_ih, b_hh)


def rnn_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None,
             nonlinearity: str = "tanh") -> Tensor:
    """One fused Elman step (shapes and formula as :func:`rnn_cell_reference`)."""
    _check_nonlinearity(nonlinearity)
    return RNNCellOp.apply(input, hx, w_ih, w_hh, *_biases(b_ih, b_hh),
                           nonlinearity=nonlinearity)


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None,
              peephole: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One fused LSTM step -> (h', c') (shapes as :func:`lstm_cell_reference`)."""
    h, c = hx
    biases = _biases(b_ih, b_hh)
    extra = biases + (() if peephole is None else (peephole,))
    packed = LSTMCellOp.apply(input, h, c, w_ih, w_hh, *extra, bias=bool(biases),
                              peephole=peephole is not None)
    return packed[0], packed[1]


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One fused GRU step (shapes and formula as :func:`gru_cell_reference`)."""
    return GRUCellOp.apply(input, hx, w_ih, w_hh, *_biases(b_ih, b_hh))


def rnn_sequence(input: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor,
                 b_ih: Tensor | None = None, b_hh: Tensor | None = None,
                 nonlinearity: str = "tanh", reverse: bool = False,
                 fused: bool = True) -> tuple[Tensor, Tensor]:
    """One Elman layer, one direction, over a sequence.

    input (T, B, I), h0 (B, H) -> (output (T, B, H), h_n (B, H)). ``reverse`` runs from
    the last step to the first (the backward half of a bidirectional layer); outputs
    stay in time order. ``fused=False`` loops :func:`rnn_cell_reference` instead.
    """
    _check_nonlinearity(nonlinearity)
    if not fused:
        def step(x: Tensor, s: tuple) -> tuple:
            return (rnn_cell_reference(x, s[0], w_ih, w_hh, b_ih, b_hh, nonlinearity),)

        outputs, (h_n,) = _unroll(step, input, (h0,), reverse)
        return stack(outputs), h_n
    output = RNNCellOp.apply(input, h0, w_ih, w_hh, *_biases(b_ih, b_hh),
                             nonlinearity=nonlinearity, reverse=reverse)
    return output, output[0 if reverse else -1]


def lstm_sequence(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None,
                  peephole: Tensor | None = None, reverse: bool = False,
                  fused: bool = True) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """One LSTM layer, one direction: input (T, B, I), hx = (h0, c0) each (B, H) ->
    (output (T, B, H), (h_n, c_n)). See :func:`rnn_sequence` for ``reverse``/``fused``."""
    if not fused:
        def step(x: Tensor, s: tuple) -> tuple:
            return lstm_cell_reference(x, s, w_ih, w_hh, b_ih, b_hh, peephole)

        outputs, (h_n, c_n) = _unroll(step, input, tuple(hx), reverse)
        return stack(outputs), (h_n, c_n)
    h0, c0 = hx
    biases = _biases(b_ih, b_hh)
    extra = biases + (() if peephole is None else (peephole,))
    packed = LSTMCellOp.apply(input, h0, c0, w_ih, w_hh, *extra, bias=bool(biases),
                              peephole=peephole is not None, reverse=reverse)
    steps = input.shape[0]
    return packed[:steps], (packed[0 if reverse else steps - 1], packed[steps])


def gru_sequence(input: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor,
                 b_ih: Tensor | None = None, b_hh: Tensor | None = None,
                 reverse: bool = False, fused: bool = True) -> tuple[Tensor, Tensor]:
    """One GRU layer, one direction: input (T, B, I), h0 (B, H) -> (output, h_n)."""
    if not fused:
        def step(x: Tensor, s: tuple) -> tuple:
            return (gru_cell_reference(x, s[0], w_ih, w_hh, b_ih, b_hh),)

        outputs, (h_n,) = _unroll(step, input, (h0,), reverse)
        return stack(outputs), h_n
    output = GRUCellOp.apply(input, h0, w_ih, w_hh, *_biases(b_ih, b_hh), reverse=reverse)
    return output, output[0 if reverse else -1]
