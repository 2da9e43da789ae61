"""Recurrent cells, functional forms: one step (``rnn_cell``, ...) and one layer over a
sequence (``rnn_sequence``, ...), each fused or as the textbook composite.

Each cell (Elman RNN, LSTM, GRU) is written twice.

* ``*_cell_reference`` -- the equations exactly as the textbook writes them, with
  Tensor ops. Every intermediate is a graph node, so it draws, it passes
  ``gradcheck``/``gradgradcheck`` and it is differentiable to any order.
  (:mod:`nn.functional.recurrent_reference`)
* ``RNNCellOp``, ``LSTMCellOp``, ``GRUCellOp`` -- one ``Function`` that runs the cell
  over a *whole sequence* in NumPy, forward and backward (backpropagation through
  time). One node for T steps instead of ~20 T nodes is what makes training fast;
  T = 1 is a single cell step. (:mod:`nn.functional.recurrent_fused`, with the per-step
  NumPy math in :mod:`nn.functional.recurrent_kernels`)

This module holds the functional API on top of the two and re-exports both, so
``nn.functional.recurrent`` stays the one import for everything recurrent.
"""

from __future__ import annotations

from autograd.ops.join import stack
from autograd.tensor import Tensor

from ._inputs import as_tensor
from .recurrent_fused import GRUCellOp, LSTMCellOp, RNNCellOp
from .recurrent_reference import (
    _check_nonlinearity,
    _unroll,
    check_output_peephole,
    gru_cell_reference,
    lstm_cell_reference,
    rnn_cell_reference,
)

__all__ = [
    "rnn_cell",
    "lstm_cell",
    "gru_cell",
    "rnn_cell_reference",
    "lstm_cell_reference",
    "gru_cell_reference",
    "rnn_sequence",
    "lstm_sequence",
    "gru_sequence",
    "RNNCellOp",
    "LSTMCellOp",
    "GRUCellOp",
]


def _biases(b_ih: Tensor | None, b_hh: Tensor | None) -> tuple:
    if (b_ih is None) != (b_hh is None):
        raise ValueError("pass both b_ih and b_hh, or neither")
    return () if b_ih is None else (b_ih, b_hh)


def rnn_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """One fused Elman step (shapes and formula as :func:`rnn_cell_reference`)."""
    _check_nonlinearity(nonlinearity)
    input, hx = as_tensor(input, "rnn_cell"), as_tensor(hx, "rnn_cell", "hx")
    return RNNCellOp.apply(input, hx, w_ih, w_hh, *_biases(b_ih, b_hh), nonlinearity=nonlinearity)


def lstm_cell(
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
    """One fused LSTM step -> (h', c') (shapes and ``output_peephole`` as
    :func:`lstm_cell_reference`)."""
    check_output_peephole("lstm_cell", output_peephole, peephole is not None)
    input = as_tensor(input, "lstm_cell")
    h, c = as_tensor(hx[0], "lstm_cell", "h"), as_tensor(hx[1], "lstm_cell", "c")
    biases = _biases(b_ih, b_hh)
    extra = biases + (() if peephole is None else (peephole,))
    packed = LSTMCellOp.apply(
        input,
        h,
        c,
        w_ih,
        w_hh,
        *extra,
        bias=bool(biases),
        peephole=peephole is not None,
        output_peephole=output_peephole,
    )
    return packed[0], packed[1]


def gru_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One fused GRU step (shapes and formula as :func:`gru_cell_reference`)."""
    input, hx = as_tensor(input, "gru_cell"), as_tensor(hx, "gru_cell", "hx")
    return GRUCellOp.apply(input, hx, w_ih, w_hh, *_biases(b_ih, b_hh))


def rnn_sequence(
    input: Tensor,
    h0: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
    reverse: bool = False,
    fused: bool = True,
) -> tuple[Tensor, Tensor]:
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
    output = RNNCellOp.apply(
        input, h0, w_ih, w_hh, *_biases(b_ih, b_hh), nonlinearity=nonlinearity, reverse=reverse
    )
    return output, output[0 if reverse else -1]


def lstm_sequence(
    input: Tensor,
    hx: tuple[Tensor, Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    peephole: Tensor | None = None,
    reverse: bool = False,
    fused: bool = True,
    *,
    output_peephole: str = "current",
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """One LSTM layer, one direction: input (T, B, I), hx = (h0, c0) each (B, H) ->
    (output (T, B, H), (h_n, c_n)). See :func:`rnn_sequence` for ``reverse``/``fused``
    and :func:`lstm_cell_reference` for ``output_peephole``."""
    check_output_peephole("lstm_sequence", output_peephole, peephole is not None)
    if not fused:

        def step(x: Tensor, s: tuple) -> tuple:
            return lstm_cell_reference(
                x, s, w_ih, w_hh, b_ih, b_hh, peephole, output_peephole=output_peephole
            )

        outputs, (h_n, c_n) = _unroll(step, input, tuple(hx), reverse)
        return stack(outputs), (h_n, c_n)
    h0, c0 = hx
    biases = _biases(b_ih, b_hh)
    extra = biases + (() if peephole is None else (peephole,))
    packed = LSTMCellOp.apply(
        input,
        h0,
        c0,
        w_ih,
        w_hh,
        *extra,
        bias=bool(biases),
        peephole=peephole is not None,
        reverse=reverse,
        output_peephole=output_peephole,
    )
    steps = input.shape[0]
    return packed[:steps], (packed[0 if reverse else steps - 1], packed[steps])


def gru_sequence(
    input: Tensor,
    h0: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    reverse: bool = False,
    fused: bool = True,
) -> tuple[Tensor, Tensor]:
    """One GRU layer, one direction: input (T, B, I), h0 (B, H) -> (output, h_n)."""
    if not fused:

        def step(x: Tensor, s: tuple) -> tuple:
            return (gru_cell_reference(x, s[0], w_ih, w_hh, b_ih, b_hh),)

        outputs, (h_n,) = _unroll(step, input, (h0,), reverse)
        return stack(outputs), h_n
    output = GRUCellOp.apply(input, h0, w_ih, w_hh, *_biases(b_ih, b_hh), reverse=reverse)
    return output, output[0 if reverse else -1]
