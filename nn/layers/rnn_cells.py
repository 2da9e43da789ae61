"""Single-step recurrent cells: ``RNNCell``, ``LSTMCell``, ``GRUCell`` (PyTorch's names,
shapes, gate order and initialisation).

A cell advances the state by one time step; the caller writes the loop over time::

    cell = nn.LSTMCell(10, 20)
    h, c = None, None
    for x_t in xs:                       # xs: (T, B, 10)
        h, c = cell(x_t, None if h is None else (h, c))

For whole sequences ``nn.LSTM`` etc. are much faster: they run the loop inside one
fused node. Every cell has ``forward_reference``, the same step with plain Tensor ops
(the textbook equations, one graph node per operation), and ``fused=False`` makes that
the default ``forward``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.dtype import get_default_dtype
from autograd.random import as_generator
from autograd.tensor import Tensor

from .. import init
from ..functional import recurrent as R
from ..functional._inputs import as_array, check_int
from ..module import Module
from ..parameter import Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNNCellBase"]


def uniform_parameter(
    shape: tuple[int, ...], hidden_size: int, dtype: Any, rng: np.random.Generator
) -> Parameter:
    """PyTorch's recurrent init: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    param = Parameter(np.empty(shape, dtype=dtype))
    bound = 1.0 / math.sqrt(hidden_size)
    init.uniform_(param, -bound, bound, rng=rng)
    return param


def check_sizes(name: str, input_size: int, hidden_size: int) -> None:
    check_int(name, "input_size", input_size, 1)
    check_int(name, "hidden_size", hidden_size, 1)


def check_nonlinearity(name: str, nonlinearity: str) -> None:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{name}: unknown nonlinearity {nonlinearity!r}; choose 'tanh' or 'relu'")


def as_float_tensor(name: str, x: Any, what: str) -> Tensor:
    """The input rule (``nn.functional._inputs``), then a refusal of integer data: token
    indices must become vectors first."""
    data = x._data if isinstance(x, Tensor) else as_array(x, name, what)
    if data.dtype.kind != "f":
        raise TypeError(
            f"{name}: {what} has dtype {data.dtype}; recurrent layers take float features "
            "(turn token indices into vectors with nn.Embedding first)"
        )
    return x if isinstance(x, Tensor) else Tensor(x)


class RNNCellBase(Module):
    """Parameters and input checks shared by the three cells.

    ``weight_ih`` (G H, I), ``weight_hh`` (G H, H), ``bias_ih``, ``bias_hh`` (G H,) with
    G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n) gates stacked row-wise.
    """

    gate_count = 1

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, *, dtype: Any, rng: Any, fused: bool
    ) -> None:
        super().__init__()
        check_sizes(type(self).__name__, input_size, hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.fused = fused
        dtype = dtype or get_default_dtype()
        rng = as_generator(rng)
        rows = self.gate_count * hidden_size
        self.weight_ih = uniform_parameter((rows, input_size), hidden_size, dtype, rng)
        self.weight_hh = uniform_parameter((rows, hidden_size), hidden_size, dtype, rng)
        if bias:
            self.bias_ih = uniform_parameter((rows,), hidden_size, dtype, rng)
            self.bias_hh = uniform_parameter((rows,), hidden_size, dtype, rng)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def _check_input(self, input: Any) -> tuple[Tensor, bool]:
        """-> (input as (B, I), whether it had a batch axis)."""
        name = type(self).__name__
        x = as_float_tensor(name, input, "input")
        if x.ndim not in (1, 2):
            raise ValueError(
                f"{name}: expected input of shape (batch, input_size) or (input_size,), got "
                f"shape {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: input has {x.shape[-1]} features (shape {x.shape}) but "
                f"input_size={self.input_size}"
            )
        return (x, True) if x.ndim == 2 else (x.unsqueeze(0), False)

    def _check_state(self, state: Any, x: Tensor, batched: bool, what: str) -> Tensor:
        """A given state must be (B, H) -- or (H,) for an unbatched input; None -> zeros."""
        name = type(self).__name__
        if state is None:
            return Tensor(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        if isinstance(state, (tuple, list)):
            raise TypeError(f"{name}: {what} must be one Tensor, got a {type(state).__name__}")
        state = as_float_tensor(name, state, what)
        expected = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        if state.shape != expected:
            raise ValueError(
                f"{name}: {what} has shape {state.shape}, expected {expected} "
                f"({'batch, hidden_size' if batched else 'hidden_size'}) for input of shape "
                f"{x.shape if batched else x.shape[1:]}"
            )
        return state if batched else state.unsqueeze(0)

    def forward(self, input: Any, hx: Any = None) -> Any:
        return self._step(input, hx, self.fused)

    def forward_reference(self, input: Any, hx: Any = None) -> Any:
        """The same step with plain Tensor ops (differentiable to any order, drawable)."""
        return self._step(input, hx, False)

    def _step(self, input: Any, hx: Any, fused: bool) -> Any:
        raise NotImplementedError

    def extra_repr(self) -> str:
        extra = "" if self.bias_ih is not None else ", bias=False"
        return f"{self.input_size}, {self.hidden_size}{extra}"


def _unbatch(t: Tensor, batched: bool) -> Tensor:
    return t if batched else t.squeeze(0)


class RNNCell(RNNCellBase):
    """Elman cell: h' = f(x W_ih^T + b_ih + h W_hh^T + b_hh), f = tanh or relu.

    (The textbook's u^t = W_in x^t + W z^(t-1) + b, z^t = f(u^t) in row-vector form.)

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    nonlinearity : "tanh" or "relu"
    dtype, rng : dtype of the parameters; seed or Generator for the initial values.
    fused : run the fused NumPy step (True) or :meth:`forward_reference`.

    Notes
    -----
    Shapes: input (B, I) or (I,); hx (B, H) or (H,), zeros if omitted -> h' of hx's shape.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        dtype: Any = None,
        rng: Any = None,
        fused: bool = True,
    ) -> None:
        check_nonlinearity("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype=dtype, rng=rng, fused=fused)
        self.nonlinearity = nonlinearity

    def _step(self, input: Any, hx: Any, fused: bool) -> Tensor:
        x, batched = self._check_input(input)
        h = self._check_state(hx, x, batched, "hx")
        cell = R.rnn_cell if fused else R.rnn_cell_reference
        h = cell(
            x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity
        )
        return _unbatch(h, batched)

    def extra_repr(self) -> str:
        extra = "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}"
        return super().extra_repr() + extra


class LSTMCell(RNNCellBase):
    """Long short-term memory cell (PyTorch's gate order i, f, g, o)::

        i = sigma(x W_ii^T + b_ii + h W_hi^T + b_hi [+ p_i * c])   input gate
        f = sigma(x W_if^T + b_if + h W_hf^T + b_hf [+ p_f * c])   forget gate
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)                candidate
        c' = f * c + i * g                                          memory cell
        o = sigma(x W_io^T + b_io + h W_ho^T + b_ho [+ p_o * c'])  output gate (*)
        h' = o * tanh(c')

    The bracketed terms are peephole connections (``peephole=True``, an extension
    PyTorch lacks): ``weight_peephole`` (3, H) holds rows p_i, p_f, p_o, initialised like
    the other weights. (*) The output gate reads the new cell c' by default
    (``output_peephole="current"``); ``output_peephole="previous"`` makes it read the old
    cell c, as the seminar's slide does (s^(t-1)). ``weight_ih`` is W_ii, W_if, W_ig, W_io stacked
    (4H, I); ``weight_hh`` likewise (4H, H).

    Shapes: input (B, I) or (I,); hx = (h, c), each (B, H) or (H,), zeros if omitted ->
    (h', c').
    """

    gate_count = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        peephole: bool = False,
        dtype: Any = None,
        rng: Any = None,
        fused: bool = True,
        output_peephole: str = "current",
    ) -> None:
        R.check_output_peephole("LSTMCell", output_peephole, peephole)
        rng = as_generator(rng)
        super().__init__(input_size, hidden_size, bias, dtype=dtype, rng=rng, fused=fused)
        self.peephole, self.output_peephole = peephole, output_peephole
        if peephole:
            self.weight_peephole = uniform_parameter(
                (3, hidden_size), hidden_size, self.weight_hh.dtype, rng
            )
        else:
            self.register_parameter("weight_peephole", None)

    def _step(self, input: Any, hx: Any, fused: bool) -> tuple[Tensor, Tensor]:
        x, batched = self._check_input(input)
        if hx is None:
            hx = (None, None)
        elif not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError("LSTMCell: hx must be a pair (h, c)")
        h = self._check_state(hx[0], x, batched, "h")
        c = self._check_state(hx[1], x, batched, "c")
        cell = R.lstm_cell if fused else R.lstm_cell_reference
        h, c = cell(
            x,
            (h, c),
            self.weight_ih,
            self.weight_hh,
            self.bias_ih,
            self.bias_hh,
            self.weight_peephole,
            output_peephole=self.output_peephole,
        )
        return _unbatch(h, batched), _unbatch(c, batched)

    def extra_repr(self) -> str:
        extra = ", peephole=True" if self.peephole else ""
        if self.output_peephole != "current":
            extra += f", output_peephole={self.output_peephole!r}"
        return super().extra_repr() + extra


class GRUCell(RNNCellBase):
    """Gated recurrent unit (PyTorch's gate order r, z, n and form)::

        r = sigma(x W_ir^T + b_ir + h W_hr^T + b_hr)        reset gate
        z = sigma(x W_iz^T + b_iz + h W_hz^T + b_hz)        update gate
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))   candidate
        h' = (1 - z) * n + z * h

    The textbook writes h^t = z * h^(t-1) + (1 - z) * h~^t: the same formula, with the
    candidate h~ = n. Shapes: input (B, I) or (I,); hx (B, H) or (H,) -> h'.
    """

    gate_count = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        rng: Any = None,
        fused: bool = True,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, dtype=dtype, rng=rng, fused=fused)

    def _step(self, input: Any, hx: Any, fused: bool) -> Tensor:
        x, batched = self._check_input(input)
        h = self._check_state(hx, x, batched, "hx")
        cell = R.gru_cell if fused else R.gru_cell_reference
        h = cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return _unbatch(h, batched)
