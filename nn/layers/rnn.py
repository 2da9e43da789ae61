"""Recurrent layers over whole sequences: ``RNN``, ``LSTM``, ``GRU`` (PyTorch's
arguments, parameter names, shapes and initialisation, so state dicts load into
``torch.nn.LSTM`` and back).

Each layer of each direction is one fused node that runs the whole sequence in NumPy
(``nn.functional.recurrent``). ``fused=False`` unrolls the textbook cell step by step
with plain Tensor ops instead -- slower, but every gate of every step is a node you can
draw, and it is differentiable to any order without the fused ops' fallback.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.ops.join import concatenate, stack
from autograd.random import as_generator
from autograd.tensor import Tensor

from ..functional import recurrent as R
from ..functional._inputs import check_int, check_probability
from ..functional.activation import dropout as _dropout
from ..module import Module
from .rnn_cells import (
    as_float_tensor,
    check_nonlinearity,
    check_sizes,
    uniform_parameter,
)

__all__ = ["RNN", "LSTM", "GRU", "RNNBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Stacked, optionally bidirectional recurrent layers (the shared machinery).

    Parameters (per layer ``k`` and direction; the backward direction's names end in
    ``_reverse``): ``weight_ih_l{k}`` (G H, I_k), ``weight_hh_l{k}`` (G H, H),
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G H,), where I_0 = input_size and later layers
    read the previous layer's output (H, or 2H when bidirectional); with an LSTM
    peephole also ``weight_peephole_l{k}`` (3, H). All ~ U(-1/sqrt(H), 1/sqrt(H)).
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        peephole: bool = False,
        dtype: Any = None,
        rng: Any = None,
        fused: bool = True,
        output_peephole: str = "current",
    ) -> None:
        super().__init__()
        name = type(self).__name__
        check_sizes(name, input_size, hidden_size)
        R.check_output_peephole(name, output_peephole, peephole)
        check_int(name, "num_layers", num_layers, 1)
        check_probability(name, "dropout", dropout)
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout={dropout} acts between layers, so with num_layers=1 it does "
                "nothing",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias = int(num_layers), bias
        self.batch_first, self.dropout = batch_first, float(dropout)
        self.bidirectional, self.peephole, self.fused = bidirectional, peephole, fused
        self.output_peephole = output_peephole
        self.rng = as_generator(rng)
        self._make_parameters(dtype or get_default_dtype())

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _make_parameters(self, dtype: Any) -> None:
        """Registered in PyTorch's order, so ``parameters()`` lines up with torch's too."""
        rows, hidden = _GATES[self.mode] * self.hidden_size, self.hidden_size
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else hidden * self.num_directions
            for suffix in self._suffixes(layer):
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (rows, width)),
                    ("weight_hh", (rows, hidden)),
                ]
                if self.bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                if self.peephole:
                    shapes += [("weight_peephole", (3, hidden))]
                for kind, shape in shapes:
                    setattr(self, kind + suffix, uniform_parameter(shape, hidden, dtype, self.rng))

    def _suffixes(self, layer: int) -> list[str]:
        return [f"_l{layer}", f"_l{layer}_reverse"][: self.num_directions]

    def _weights(self, suffix: str) -> dict[str, Any]:
        get = self._parameters.get
        return {
            kind: get(kind + suffix)
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_peephole")
        }

    def flatten_parameters(self) -> None:
        """No-op (PyTorch needs it for cuDNN); here so ported code runs unchanged."""

    # ------------------------------------------------------------------ input checks
    def _check_input(self, input: Any) -> tuple[Tensor, bool]:
        """-> (input as (T, B, I), whether it had a batch axis)."""
        name = type(self).__name__
        x = as_float_tensor(name, input, "input")
        layout = "(batch, seq, input_size)" if self.batch_first else "(seq, batch, input_size)"
        if x.ndim not in (2, 3):
            raise ValueError(
                f"{name}: expected input of shape {layout} or, unbatched, (seq, input_size); "
                f"got shape {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: input has {x.shape[-1]} features (shape {x.shape}) but "
                f"input_size={self.input_size}"
            )
        if 0 in x.shape:
            raise ValueError(f"{name}: empty input of shape {x.shape}")
        if x.ndim == 2:
            return x.unsqueeze(1), False
        return (x.swapaxes(0, 1) if self.batch_first else x), True

    def _check_state(self, state: Any, x: Tensor, batched: bool, what: str) -> Tensor:
        """(L D, B, H) -- (L D, H) for an unbatched input -- or zeros when None."""
        name = type(self).__name__
        layers = self.num_layers * self.num_directions
        if state is None:
            return Tensor(np.zeros((layers, x.shape[1], self.hidden_size), dtype=x.dtype))
        if isinstance(state, (tuple, list)):
            raise TypeError(f"{name}: {what} must be one Tensor, got a {type(state).__name__}")
        state = as_float_tensor(name, state, what)
        expected = (layers, x.shape[1], self.hidden_size) if batched else (layers, self.hidden_size)
        if state.shape != expected:
            meaning = "num_layers * num_directions, " + ("batch, " if batched else "")
            raise ValueError(
                f"{name}: {what} has shape {state.shape}, expected {expected} "
                f"({meaning}hidden_size)"
            )
        return state if batched else state.unsqueeze(1)

    # ------------------------------------------------------------------ running
    def _run_direction(self, x: Tensor, state: tuple, suffix: str, reverse: bool) -> tuple:
        """One layer, one direction: (output (T, B, H), final state tuple)."""
        w = self._weights(suffix)
        args = (w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"])
        if self.mode == "LSTM":
            out, final = R.lstm_sequence(
                x,
                state,
                *args,
                peephole=w["weight_peephole"],
                reverse=reverse,
                fused=self.fused,
                output_peephole=self.output_peephole,
            )
            return out, final
        if self.mode == "GRU":
            out, h_n = R.gru_sequence(x, state[0], *args, reverse=reverse, fused=self.fused)
        else:
            nonlinearity = "relu" if self.mode == "RNN_RELU" else "tanh"
            out, h_n = R.rnn_sequence(
                x, state[0], *args, nonlinearity=nonlinearity, reverse=reverse, fused=self.fused
            )
        return out, (h_n,)

    def _run(self, x: Tensor, states: tuple[Tensor, ...]) -> tuple[Tensor, tuple]:
        """All layers and directions. ``states``: (L D, B, H) Tensors -> (output, finals)."""
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self._suffixes(layer)):
                index = layer * self.num_directions + direction
                out, final = self._run_direction(
                    x, tuple(s[index] for s in states), suffix, reverse=direction == 1
                )
                outputs.append(out)
                for store, value in zip(finals, final):
                    store.append(value)
            x = outputs[0] if len(outputs) == 1 else concatenate(outputs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True, self.rng)
        return x, tuple(stack(f) for f in finals)

    def _restore_layout(self, output: Tensor, finals: tuple, batched: bool) -> tuple:
        if not batched:
            return output.squeeze(1), tuple(f.squeeze(1) for f in finals)
        if self.batch_first:
            output = output.swapaxes(0, 1)
        return output, finals

    def extra_repr(self) -> str:
        parts = [f"{self.input_size}, {self.hidden_size}"]
        if self.num_layers != 1:
            parts.append(f"num_layers={self.num_layers}")
        if self.mode == "RNN_RELU":
            parts.append("nonlinearity='relu'")
        for name, default in (
            ("bias", True),
            ("batch_first", False),
            ("dropout", 0.0),
            ("bidirectional", False),
            ("peephole", False),
            ("fused", True),
            ("output_peephole", "current"),
        ):
            if getattr(self, name) != default:
                parts.append(f"{name}={getattr(self, name)!r}")
        return ", ".join(parts)


class RNN(RNNBase):
    """Elman RNN over a sequence, for each layer: h_t = f(x_t W_ih^T + b_ih + h_{t-1}
    W_hh^T + b_hh), f = tanh or relu.

    Parameters (PyTorch's order: ``nonlinearity`` is the 4th positional argument)
    ----------
    input_size, hidden_size, num_layers : int
    nonlinearity : "tanh" or "relu"
    bias : bool
    batch_first : input/output as (B, T, .) instead of (T, B, .); states are unaffected.
    dropout : dropout on each layer's output except the last, in training mode only.
    bidirectional : also run each layer from the last step to the first.
    dtype, rng : parameter dtype; seed or Generator for the initial values and dropout.
    fused : fused NumPy recurrence (True) or the unrolled Tensor-op reference.

    ``forward(input, hx=None)``: input (T, B, I) (or (B, T, I), or unbatched (T, I)),
    hx (L D, B, H) or zeros -> (output (T, B, D H), h_n (L D, B, H)), D = 2 if
    bidirectional else 1. ``output`` holds the last layer's states at every step.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        dtype: Any = None,
        rng: Any = None,
        fused: bool = True,
    ) -> None:
        check_nonlinearity("RNN", nonlinearity)
        mode = "RNN_RELU" if nonlinearity == "relu" else "RNN_TANH"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            rng=rng,
            fused=fused,
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, batched = self._check_input(input)
        h0 = self._check_state(hx, x, batched, "hx")
        output, (h_n,) = self._restore_layout(*self._run(x, (h0,)), batched)
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory over a sequence (PyTorch's ``nn.LSTM``; gates i, f, g, o).

    For each layer and step (sigma = logistic sigmoid, * elementwise)::

        i_t = sigma(x_t W_ii^T + b_ii + h_{t-1} W_hi^T + b_hi [+ p_i * c_{t-1}])
        f_t = sigma(x_t W_if^T + b_if + h_{t-1} W_hf^T + b_hf [+ p_f * c_{t-1}])
        g_t = tanh(x_t W_ig^T + b_ig + h_{t-1} W_hg^T + b_hg)
        c_t = f_t * c_{t-1} + i_t * g_t
        o_t = sigma(x_t W_io^T + b_io + h_{t-1} W_ho^T + b_ho [+ p_o * c_t])
        h_t = o_t * tanh(c_t)

    The bracketed peephole terms (``peephole=True``; cell-to-gate connections, an
    extension PyTorch lacks) add ``weight_peephole_l{k}`` of shape (3, H) = rows p_i,
    p_f, p_o per layer and direction. The input and forget gates peek at the old cell
    c_{t-1}; the output gate at the *new* cell c_t (Gers et al., the default,
    ``output_peephole="current"``) or, as on the seminar's slide, at the old one
    (``output_peephole="previous"``: o_t = sigma(... + p_o * c_{t-1})).

    Parameters: as :class:`RNN` without ``nonlinearity``, plus ``peephole`` and
    ``output_peephole`` ("current" or "previous"; only with ``peephole=True``).

    ``forward(input, hx=None)``: hx = (h_0, c_0), each (L D, B, H), or zeros ->
    (output (T, B, D H), (h_n, c_n)) with h_n, c_n (L D, B, H).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        peephole: bool = False,
        dtype: Any = None,
        rng: Any = None,
        fused: bool = True,
        output_peephole: str = "current",
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            peephole=peephole,
            dtype=dtype,
            rng=rng,
            fused=fused,
            output_peephole=output_peephole,
        )

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        x, batched = self._check_input(input)
        if hx is None:
            hx = (None, None)
        elif not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError("LSTM: hx must be a pair (h_0, c_0)")
        h0 = self._check_state(hx[0], x, batched, "h_0")
        c0 = self._check_state(hx[1], x, batched, "c_0")
        output, (h_n, c_n) = self._restore_layout(*self._run(x, (h0, c0)), batched)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit over a sequence (PyTorch's ``nn.GRU``; gates r, z, n)::

        r_t = sigma(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
        z_t = sigma(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
        n_t = tanh(x_t W_in^T + b_in + r_t * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    (The textbook's h^t = z h^(t-1) + (1 - z) h~^t, with h~ = n.) Parameters, input and
    output as :class:`RNN` (without ``nonlinearity``).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        dtype: Any = None,
        rng: Any = None,
        fused: bool = True,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            rng=rng,
            fused=fused,
        )

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, batched = self._check_input(input)
        h0 = self._check_state(hx, x, batched, "hx")
        output, (h_n,) = self._restore_layout(*self._run(x, (h0,)), batched)
        return output, h_n
