"""NumPy kernels for one step of the fused recurrent ops, forward and backward, in place.

These are the inner loops of ``RNNCellOp``, ``LSTMCellOp`` and ``GRUCellOp``
(:mod:`nn.functional.recurrent_fused`): plain arrays in, plain arrays out, no Tensors
and no graph. Each step function writes its results into buffers the caller owns, so
the loop over time allocates as little as possible; each backward is the step's chain
rule written out line by line.
"""

from __future__ import annotations

import numpy as np

from autograd.ops.elementwise import stable_sigmoid


def _sigmoid_(a: np.ndarray) -> None:
    """sigma(a) = 1 / (1 + e^-a) in place, accurate in both tails (see
    ``autograd.ops.elementwise.stable_sigmoid``; the tanh form used before lost the
    digits of sigma(a) for a << 0)."""
    stable_sigmoid(a, out=a)


def _rnn_step(
    pre: np.ndarray, h: np.ndarray, w_hh_t: np.ndarray, relu: bool, h_new: np.ndarray
) -> None:
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


def _lstm_step(
    gates: np.ndarray,
    h: np.ndarray,
    c: np.ndarray,
    w_blocks: np.ndarray,
    peephole: np.ndarray | None,
    c_new: np.ndarray,
    tanh_c: np.ndarray,
    h_new: np.ndarray,
    output_reads_previous: bool = False,
) -> None:
    """One LSTM step, in place.

    ``gates`` (4, B, H) holds the input part of the pre-activations (x W_ih^T + b_ih +
    b_hh) on entry and the activations i, f, g, o on exit; ``c_new``, ``tanh_c`` and
    ``h_new`` (B, H) receive c_t, tanh(c_t) and h_t. ``output_reads_previous``: the
    output gate's peephole reads c_{t-1} (the seminar's slide) instead of c_t.
    """
    gates += np.matmul(h, w_blocks)  # the step's one matrix product, all four gates
    i, f, g, o = gates
    if peephole is not None:  # the input and forget gates look at c_{t-1}
        i += peephole[0] * c
        f += peephole[1] * c
        if output_reads_previous:  # the seminar's variant: o looks at c_{t-1} too
            o += peephole[2] * c
    _sigmoid_(gates[:2])
    np.tanh(g, out=g)
    np.multiply(f, c, out=c_new)  # c_t = f * c_{t-1} + i * g
    c_new += i * g
    if peephole is not None and not output_reads_previous:  # o looks at the new c_t
        o += peephole[2] * c_new
    _sigmoid_(o)
    np.tanh(c_new, out=tanh_c)
    np.multiply(o, tanh_c, out=h_new)  # h_t = o * tanh(c_t)


def _lstm_step_backward(
    dh: np.ndarray,
    dc: np.ndarray,
    gates: np.ndarray,
    c_prev: np.ndarray,
    c_new: np.ndarray,
    tanh_c: np.ndarray,
    peephole: np.ndarray | None,
    dgates: np.ndarray,
    dpeephole: np.ndarray | None,
    output_reads_previous: bool = False,
) -> np.ndarray:
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
    if peephole is not None:  # a_o = ... + p_o * c_t  (or p_o * c_{t-1}, below)
        assert dpeephole is not None, "a peephole LSTM step accumulates dpeephole"
        da_o = up[3] * slope[3]
        if not output_reads_previous:
            dc += da_o * peephole[2]
            dpeephole[2] += (da_o * c_new).sum(axis=0)
    # c = f * c_prev + i * g
    np.multiply(dc, g, out=up[0])
    np.multiply(dc, c_prev, out=up[1])
    np.multiply(dc, i, out=up[2])
    np.multiply(up, slope, out=dgates)  # through the activations, all gates at once
    dc_prev = dc * f
    if peephole is not None:  # a_i = ... + p_i * c_prev, a_f = ... + p_f * c_prev
        assert dpeephole is not None
        dc_prev += dgates[0] * peephole[0] + dgates[1] * peephole[1]
        dpeephole[0] += (dgates[0] * c_prev).sum(axis=0)
        dpeephole[1] += (dgates[1] * c_prev).sum(axis=0)
        if output_reads_previous:  # a_o = ... + p_o * c_{t-1}
            dc_prev += da_o * peephole[2]
            dpeephole[2] += (da_o * c_prev).sum(axis=0)
    return dc_prev


def _gru_step(
    gates: np.ndarray,
    h: np.ndarray,
    w_blocks: np.ndarray,
    b_hh: np.ndarray | None,
    hw_n: np.ndarray,
    h_new: np.ndarray,
) -> None:
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


def _gru_step_backward(
    dh: np.ndarray,
    gates: np.ndarray,
    h_prev: np.ndarray,
    hw_n: np.ndarray,
    dgates_x: np.ndarray,
    dgates_h: np.ndarray,
) -> np.ndarray:
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
