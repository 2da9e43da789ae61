"""Textbook recurrent cells (Elman RNN, LSTM, GRU) written with plain Tensor ops.

Every intermediate is a graph node, so these draw, pass ``gradcheck``/``gradgradcheck``
and are differentiable to any order. They are the ``fused=False`` path of the layers and
the composite fallback the fused ops (:mod:`nn.functional.recurrent_fused`) rebuild
under ``create_graph``; :mod:`nn.functional.recurrent` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd.ops.join import stack
from autograd.tensor import Tensor

_NONLINEARITIES = ("tanh", "relu")


def _check_nonlinearity(nonlinearity: str) -> None:
    if nonlinearity not in _NONLINEARITIES:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}; choose 'tanh' or 'relu'")


def _time_order(steps: int, reverse: bool) -> range:
    """Step indices in processing order (here because the fused ops walk time the same
    way and already import this module for their composite fallback)."""
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """x W^T + b with plain Tensor ops (the reference path avoids every fused op)."""
    y = x @ w.T
    return y if b is None else y + b


def rnn_cell_reference(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """Elman cell with plain Tensor ops (the textbook's u^t = W_in x^t + W z^(t-1) + b,
    z^t = f(u^t), in row-vector form)::

        h' = f(x W_ih^T + b_ih + h W_hh^T + b_hh),   f = tanh or relu

    Shapes: input (B, I), hx (B, H), w_ih (H, I), w_hh (H, H), biases (H,) -> (B, H).
    """
    _check_nonlinearity(nonlinearity)
    u = _affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)
    return u.relu() if nonlinearity == "relu" else u.tanh()


def check_output_peephole(name: str, output_peephole: object, has_peephole: bool) -> None:
    """``output_peephole`` is "current" (o reads c_t) or "previous" (o reads c_{t-1})."""
    if output_peephole not in ("current", "previous"):
        raise ValueError(
            f"{name}: output_peephole={output_peephole!r} is not an option; use 'current' "
            "(the output gate reads the new cell c_t) or 'previous' (it reads c_{t-1}, the "
            "seminar's slide)"
        )
    if output_peephole == "previous" and not has_peephole:
        raise ValueError(
            f"{name}: output_peephole='previous' chooses what the output gate's peephole "
            "reads, but there is no peephole; pass peephole=True (or a peephole weight)"
        )


def lstm_cell_reference(
    input: Tensor,
    hx: tuple[Tensor, Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    peephole: Tensor | None = None,
    *,
    output_peephole: str = "current",
) -> tuple[Tensor, Tensor]:
    """LSTM cell with plain Tensor ops, gate by gate (equations in :class:`LSTMCellOp`;
    the textbook's s^t = g_I f(u^t) + g_F s^(t-1), z^t = g_O f(s^t) with f = tanh).

    Shapes: input (B, I), hx = (h, c) each (B, H), w_ih (4H, I), w_hh (4H, H), biases
    (4H,), peephole (3, H) -> (h', c'). ``output_peephole``: the output gate's peephole
    reads the new cell c' (``"current"``) or the old one c (``"previous"``, the
    seminar's slide: s^(t-1)).
    """
    check_output_peephole("lstm_cell_reference", output_peephole, peephole is not None)
    h, c = hx
    a_i, a_f, a_g, a_o = (_affine(input, w_ih, b_ih) + _affine(h, w_hh, b_hh)).chunk(4, dim=-1)
    if peephole is not None:
        a_i = a_i + peephole[0] * c
        a_f = a_f + peephole[1] * c
    i = a_i.sigmoid()  # input gate
    f = a_f.sigmoid()  # forget gate
    g = a_g.tanh()  # candidate cell content
    c_new = f * c + i * g  # memory cell: keep part of the old, write part of the new
    if peephole is not None:
        a_o = a_o + peephole[2] * (c_new if output_peephole == "current" else c)
    o = a_o.sigmoid()  # output gate
    return o * c_new.tanh(), c_new


def gru_cell_reference(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """GRU cell with plain Tensor ops (equations in :class:`GRUCellOp`).

    h' = (1 - z) n + z h is the textbook's h^t = z h^(t-1) + (1 - z) h~^t with the
    candidate h~ = n: the same formula, terms swapped. Shapes: input (B, I), hx (B, H),
    w_ih (3H, I), w_hh (3H, H), biases (3H,) -> (B, H).
    """
    x_r, x_z, x_n = _affine(input, w_ih, b_ih).chunk(3, dim=-1)
    h_r, h_z, h_n = _affine(hx, w_hh, b_hh).chunk(3, dim=-1)
    r = (x_r + h_r).sigmoid()  # reset gate
    z = (x_z + h_z).sigmoid()  # update gate
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


def _packed_reference(step: Step, x: Tensor, state: tuple, reverse: bool, single: bool) -> Tensor:
    """The unrolled reference packed exactly like the fused op's output."""
    outputs, state = _unroll(step, x.unsqueeze(0) if single else x, state, reverse)
    if len(state) == 2:  # the LSTM's c_T rides along after the hidden states
        outputs.append(state[1])
    return outputs[0] if single and len(outputs) == 1 else stack(outputs)
