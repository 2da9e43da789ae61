"""The plain LSTM (no peephole) over a whole sequence in NumPy: forward and BPTT.

This is the inner loop of ``LSTMCellOp`` (:mod:`nn.functional.recurrent_fused`) when
the cell has no peephole -- PyTorch's ``nn.LSTM``, and the workload the speed targets
measure. The per-step kernels in :mod:`nn.functional.recurrent_kernels` (still used by
the peephole LSTM) make ~30 small NumPy calls per step, forward and backward, each with
a fixed cost of a microsecond or two. Here every piece of work that does not depend on
the recurrence is moved out of the loop and done once for all T steps:

* forward: x_t W_ih^T + b for all t is one matrix product before the loop (as before);
* backward: the local slopes (sigma' = s (1 - s), tanh' = 1 - tanh^2) and each gate's
  partner in the chain rule are products of saved forward values, so they are computed
  for all T at once; the loop keeps only the truly recurrent part -- 7 elementwise ops
  and one (batched) matrix product per step instead of ~18;
* the weight gradients sum_t delta_t^T h_{t-1}, sum_t delta_t^T x_t are one matrix
  product each after the loop.

Measured at the benchmark's sizes (T 35, B 32, H 128, float32, one BLAS thread), the
forward loop went from ~3.6 to ~2.8 ms and the backward loop with its per-step products
from ~4.5 to ~2.6 ms; about half of what is left is the matrix products themselves. The
rest of the gain on a training step came from not allocating the multi-MB arrays afresh
every step (:mod:`autograd.array_cache`).

Layout. The gates are kept gate-major, (4, T, B, H): gate k of step t is one
contiguous (B, H) block. NumPy's elementwise ops run several times slower on the column
slices of a (B, 4H) row block (one inner-loop call per row), so that layout matters
more here than the per-step matrix products, which run as 4 batched (B, H) x (H, H)
products at the same speed as one (B, H) x (H, 4H). The gates are not in PyTorch's
order i, f, g, o but in **o, i, f, g**: then the three sigmoid gates (o, i, f) are one
block (one sigmoid call per step), and the three gates that receive dL/dc (i, f, g:
c = f c_prev + i g) are one block too, while o alone receives dL/dh. The weights are
reordered on the way in (a copy of W, small next to the activations) and the weight
gradients on the way out.

Equations (sigma = logistic sigmoid, * elementwise), per step t::

    [a_o a_i a_f a_g] = x_t W_ih^T + b_ih + b_hh + h_{t-1} W_hh^T
    o, i, f = sigma(a_o, a_i, a_f);   g = tanh(a_g)
    c_t = f * c_{t-1} + i * g;        h_t = o * tanh(c_t)

Backward, with dh_t = dL/dh_t (output gradient + recurrent part) and dc_t = dL/dc_t::

    dc_t   += dh_t * o * (1 - tanh(c_t)^2)                  (K_t, precomputed)
    da_o    = dh_t * tanh(c_t) * o (1 - o)                   (coefficient precomputed)
    da_i    = dc_t * g * i (1 - i);  da_f = dc_t * c_{t-1} * f (1 - f)
    da_g    = dc_t * i * (1 - g^2)                           (coefficients precomputed)
    dc_{t-1} = dc_t * f;   dh_{t-1} = da_t W_hh               (the recurrence)
"""

from __future__ import annotations

import numpy as np

from autograd import array_cache

__all__ = [
    "OIFG",
    "lstm_forward",
    "lstm_backward",
    "to_oifg",
    "from_oifg",
    "weight_blocks",
    "negate_sigmoid_blocks",
]

# row blocks of PyTorch's (i, f, g, o) weights taken in the order o, i, f, g ...
OIFG = (3, 0, 1, 2)
# ... and back: block k of PyTorch's order sits at position _BACK[k] of ours
_BACK = (1, 2, 3, 0)


def to_oifg(w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(4H, ...) in PyTorch's gate order -> (4H, ...) in o, i, f, g order (a copy, into
    ``out`` if given)."""
    blocks = w.reshape(4, w.shape[0] // 4, *w.shape[1:])
    if out is None:
        return blocks[list(OIFG)].reshape(w.shape)
    np.take(blocks, OIFG, axis=0, out=out.reshape(blocks.shape))
    return out


def from_oifg(w: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_oifg` (used for the gradients). A fresh array that is no
    view, so the engine can hand it to a leaf's ``.grad`` without another copy."""
    out = array_cache.empty(w.shape, w.dtype)
    rows = w.shape[0] // 4
    np.take(w.reshape(4, rows, *w.shape[1:]), _BACK, axis=0, out=out.reshape(4, rows, *w.shape[1:]))
    return out


def weight_blocks(w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(4H, K) in PyTorch's order -> (4, K, H) in o-i-f-g order, blocks[k] = W_k^T, so that
    ``np.matmul(v, blocks)`` gives every gate's v W_k^T, gate-major. Contiguous (BLAS
    runs the small per-step products ~1.5x faster than on a transposed view); written
    into ``out`` if given."""
    rows = w.shape[0] // 4
    if out is None:
        out = np.empty((4, w.shape[1], rows), dtype=w.dtype)
    for k, block in enumerate(OIFG):
        out[k] = w[block * rows : (block + 1) * rows].T
    return out


def negate_sigmoid_blocks(blocks: np.ndarray) -> np.ndarray:
    """Negate, in place, the o, i, f blocks of gate-major ``blocks`` (4, ...) in o-i-f-g
    order (weights from :func:`weight_blocks` or a bias from :func:`to_oifg`).

    Why: with -W and -b for the sigmoid gates, x W^T + b + h W_hh^T comes out as -a for
    them, which is what sigma(a) = 1 / (1 + e^-a) needs -- the forward loop saves one
    NumPy call per step. Negation is exact in floating point, so the results are bit for
    bit the same as negating a inside the loop. Returns ``blocks``.
    """
    np.negative(blocks[:3], out=blocks[:3])
    return blocks


def lstm_forward(
    gates: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_hh_blocks: np.ndarray, order: range
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the recurrence, in place in ``gates``.

    gates (4, T, B, H): x_t W_ih^T + b in o-i-f-g order on entry, **negated** for the three
    sigmoid gates o, i, f (see :func:`negate_sigmoid_blocks`); the activations o, i, f, g
    on exit. h0, c0 (B, H); w_hh_blocks (4, H, H) = :func:`weight_blocks` of W_hh, its
    blocks o, i, f negated the same way;
    ``order``: step indices in processing order. Returns ``out`` (T + 1, B, H) = h_1..h_T
    in time order then c_T (the op's packed output), ``cells`` (T + 1, B, H) = c_0..c_T
    in processing order, ``tanh_c`` (T, B, H) = tanh(c_t) in time order. All three come
    from :mod:`autograd.array_cache`: reused by a later call once nothing holds them.
    """
    _, steps, batch, hidden = gates.shape
    out = array_cache.empty((steps + 1, batch, hidden), gates.dtype)
    cells = array_cache.empty(out.shape, gates.dtype)
    tanh_c = array_cache.empty((steps, batch, hidden), gates.dtype)
    hw = np.empty((4, batch, hidden), dtype=gates.dtype)  # h W_hh^T, reused every step
    ig = np.empty((batch, hidden), dtype=gates.dtype)  # i * g, reused every step
    cells[0] = c0
    h = h0
    # sigma(a) = 1 / (1 + e^-a) (autograd.maths.stable_sigmoid, inlined): e^-a overflows
    # to inf for a << 0, which gives the right limit 0, so the flags are off for the loop.
    # The sigmoid blocks arrive as -a (weights and bias negated once, outside the loop),
    # so the step needs no np.negative call: 35 fewer calls of a training step.
    with np.errstate(over="ignore", under="ignore"):
        for k, t in enumerate(order):
            a = gates[:, t]
            np.matmul(h, w_hh_blocks, out=hw)  # the step's matrix product, all four gates
            a += hw
            s = a[:3]  # -a_o, -a_i, -a_f
            np.exp(s, out=s)
            s += 1.0
            np.reciprocal(s, out=s)
            o, i, f, g = a
            np.tanh(g, out=g)
            c = cells[k + 1]
            np.multiply(f, cells[k], out=c)  # c_t = f * c_{t-1} + i * g
            np.multiply(i, g, out=ig)
            c += ig
            np.tanh(c, out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=out[t])  # h_t = o * tanh(c_t)
            h = out[t]
    out[steps] = cells[steps]
    return out, cells, tanh_c


def lstm_backward(
    gy: np.ndarray,
    acts: np.ndarray,
    cells: np.ndarray,
    tanh_c: np.ndarray,
    w_hh: np.ndarray,
    order: range,
    need_h0: bool,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """BPTT through :func:`lstm_forward`.

    gy (T + 1, B, H): dL/d(out), i.e. dL/dh_1..dL/dh_T then dL/dc_T; acts (4, T, B, H),
    cells, tanh_c as saved by the forward; w_hh (4, H, H): the blocks W_k of W_hh in
    o-i-f-g order. Returns ``dgates`` (4, T, B, H) = dL/d(pre-activations) in time order
    (an :mod:`autograd.array_cache` array), dL/dh_0 (None unless
    ``need_h0``) and dL/dc_0.
    """
    _, steps, batch, hidden = acts.shape
    o, i, f, g = acts
    s = acts[:3]
    # c_{t-1} of step t, in time order (cells is in processing order)
    c_prev = cells[:steps] if order.step > 0 else cells[steps - 1 :: -1]
    # coef: dL/da = coef * dh (gate o) or coef * dc (gates i, f, g), for all t at once
    coef = array_cache.empty(acts.shape, acts.dtype)
    np.subtract(1.0, s, out=coef[:3])
    coef[:3] *= s  # sigma' = s (1 - s)
    np.multiply(g, g, out=coef[3])
    np.subtract(1.0, coef[3], out=coef[3])  # tanh' = 1 - g^2
    coef[0] *= tanh_c  # h = o tanh(c): dL/do = dh tanh(c)
    coef[1] *= g  # c = f c_prev + i g: dL/di = dc g,
    coef[2] *= c_prev  # dL/df = dc c_prev,
    coef[3] *= i  # dL/dg = dc i
    # dc_t gets dh_t o (1 - tanh(c_t)^2) through h = o tanh(c)
    k_dh = np.multiply(tanh_c, tanh_c, out=array_cache.empty(tanh_c.shape, tanh_c.dtype))
    np.subtract(1.0, k_dh, out=k_dh)
    k_dh *= o

    dgates = array_cache.empty(acts.shape, acts.dtype)
    dc = gy[steps].copy()
    # dL/dh_t arriving from step t+1 (delta_{t+1} W_hh), summed over the gates straight
    # into this buffer; the last step has none
    dh = np.zeros((batch, hidden), dtype=acts.dtype)
    tmp = np.empty_like(dh)
    hw = np.empty((4, batch, hidden), dtype=acts.dtype)
    for k in range(steps - 1, -1, -1):
        t = order[k]
        dh += gy[t]  # dh_t = dL/dh_t from the output + the recurrent part
        np.multiply(dh, k_dh[t], out=tmp)
        dc += tmp
        d = dgates[:, t]
        np.multiply(dh, coef[0, t], out=d[0])
        np.multiply(dc, coef[1:, t], out=d[1:])  # i, f, g in one call
        dc *= f[t]  # dL/dc_{t-1} = dc_t * f
        if k > 0 or need_h0:  # dL/dh_{t-1} = sum over gates of delta_k W_k
            np.matmul(d, w_hh, out=hw)
            np.sum(hw, axis=0, out=dh)
    return dgates, (dh if need_h0 else None), dc
