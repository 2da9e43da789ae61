"""A neural network made of scalar ``Value`` nodes, one per weight (micrograd style).

Slow by design -- every multiply is a node you can draw -- which is the point: it lets a
learner see each weight's gradient in the graph. Use ``nn.MLP`` on Tensors to train.

    u_j = sum_i w_ji x_i + b_j,      z_j = f(u_j)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from autograd.value import Value

__all__ = ["ScalarModule", "Module", "Neuron", "Layer", "MLP"]

_ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")


class ScalarModule:
    """Base class: ``parameters()`` lists the Values to train, ``zero_grad()`` resets them.

    Also importable under micrograd's name, ``Module``.
    """

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


#: micrograd's name for the base class (``micrograd.nn.Module``).
Module = ScalarModule


def _as_inputs(x: Sequence[Value | float] | Value | float) -> Sequence[Value | float]:
    """A single Value (or number) is a 1-element input.

    micrograd's width-1 layer returns a bare Value rather than a 1-element list; taking
    it here lets such a layer feed the next one (``MLP(2, [1, 3])``).
    """
    return (x,) if isinstance(x, (Value, int, float)) else x


class Neuron(ScalarModule):
    """One unit: ``f(w . x + b)``.

    Parameters
    ----------
    nin : number of inputs.
    activation : ``"relu"`` (default), ``"tanh"``, ``"sigmoid"``, ``"leaky_relu"`` or
        ``"linear"`` (identity, for output units). A bool here is micrograd's
        positional ``Neuron(nin, nonlin)``: ``True`` is ``"relu"``, ``False`` ``"linear"``.
    nonlin : micrograd's spelling; ``nonlin=False`` means ``activation="linear"``.
        Also an attribute: ``neuron.nonlin`` is ``activation != "linear"``.
    rng : ``random.Random`` used for the U(-1, 1) initial weights (as micrograd does).
    name : prefix for weight labels in drawings (``"w0"``, ``"w1"``, ..., ``"b"``).
    """

    #: Op labels for ``viz.draw_graph(..., model=)`` (see ``nn.Module.op_labels``): none.
    #: Every op of a neuron uses its weights (``w·x + b``) or follows them (the
    #: activation), which places it; naming ``tanh`` here would let the next neuron of
    #: the layer claim this one's activation.
    op_labels: frozenset[str] = frozenset()

    def __init__(
        self,
        nin: int,
        activation: str | bool = "relu",
        *,
        nonlin: bool | None = None,
        rng: random.Random | None = None,
        name: str = "",
    ) -> None:
        if isinstance(activation, bool):  # micrograd's Neuron(nin, nonlin)
            activation = "relu" if activation else "linear"
        if nonlin is not None:
            activation = activation if nonlin else "linear"
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"Neuron: unknown activation {activation!r}; use one of {_ACTIVATIONS}"
            )
        uniform = random.uniform if rng is None else rng.uniform
        self.w = [Value(uniform(-1.0, 1.0), label=f"{name}w{i}") for i in range(nin)]
        self.b = Value(0.0, label=f"{name}b")
        self.activation = activation

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the neuron is linear."""
        return self.activation != "linear"

    @nonlin.setter
    def nonlin(self, flag: bool) -> None:
        # micrograd's nonlinearity is relu
        self.activation = "relu" if flag else "linear"

    def __call__(self, x: Sequence[Value | float] | Value | float) -> Value:
        """``f(w . x + b)`` for ``nin`` inputs; a single Value counts as one input."""
        x = _as_inputs(x)
        if len(x) != len(self.w):
            raise ValueError(
                f"Neuron: got {len(x)} inputs but the neuron has {len(self.w)} weights"
            )
        u = self.b
        for wi, xi in zip(self.w, x):
            u = u + wi * xi
        if self.activation == "linear":
            return u
        return getattr(u, self.activation)()

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(ScalarModule):
    """``nout`` independent neurons reading the same ``nin`` inputs."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | bool = "relu",
        *,
        nonlin: bool | None = None,
        rng: random.Random | None = None,
        name: str = "",
    ) -> None:
        self.neurons = [
            Neuron(nin, activation, nonlin=nonlin, rng=rng, name=f"{name}n{j}.")
            for j in range(nout)
        ]

    def __call__(self, x: Sequence[Value | float] | Value | float) -> Any:
        """One output per neuron: a ``list[Value]``, or a single ``Value`` returned bare
        when the layer has one neuron (as in micrograd; hence ``Any`` for type checkers)."""
        x = _as_inputs(x)
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        first = self.neurons[0]
        return f"Layer({len(first.w)} -> {len(self.neurons)}, {first.activation})"


class MLP(ScalarModule):
    """Multi-layer perceptron: ``MLP(nin, [h1, ..., nout])`` as in micrograd.

    Hidden layers use ``activation``; the last layer is linear unless ``output_activation``
    says otherwise. ``seed`` makes the initial weights reproducible.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        seed: int | None = None,
    ) -> None:
        rng = random.Random(seed) if seed is not None else None
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                rng=rng,
                name=f"L{i}.",
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float] | Value | float) -> Any:
        """The last layer's output: a ``Value`` when it has one neuron, else a list."""
        out: Any = x
        for layer in self.layers:
            out = layer(out)
        return out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return "MLP[" + ", ".join(repr(layer) for layer in self.layers) + "]"
