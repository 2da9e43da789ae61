"""One input rule and clear errors for every layer, loss and functional form; every
constructor checks its arguments when it is called.

* Constructors: a table of (layer, bad arguments, exception type, message part). Where
  PyTorch has the layer, the same arguments must make PyTorch raise too (at
  construction or at the first forward; only *that* it raises is compared: PyTorch
  often raises RuntimeError or IndexError where the project's rule is ValueError).
* Inputs: every layer and loss takes a Tensor, a NumPy array or a nested list and gives
  the same values for all three; a 0-d or wrong-rank input is a ValueError naming the
  layer and the shape, something that is not numbers a TypeError naming the layer.
* A constructor or forward that raises changes nothing: no random draws consumed, no
  running statistics or counters moved, no gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor


def _torch_raises(torch: Any, call: Callable[[Any], Any]) -> None:
    """PyTorch refuses the same thing (at construction or at forward): any exception."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception):  # noqa: B017,PT011 -- only *that* torch refuses
            call(torch)


def _fwd(shape: tuple[int, ...]) -> Callable[[Any], Callable[[Any], Any]]:
    """A PyTorch check that builds the module and runs it on zeros of ``shape``."""

    def build(module: Any) -> Callable[[Any], Any]:
        return lambda torch: module(torch)(torch.zeros(shape))

    return build


# ---------------------------------------------------------------- constructor arguments
# (our constructor, PyTorch's equivalent call that must also raise or None when PyTorch
# accepts the value, exception type, part of the message)
CTOR_CASES: list[tuple[str, Callable[[], Any], Any, type, str]] = [
    ("Linear-in0", lambda: nn.Linear(0, 2), None, ValueError, "in_features"),
    (
        "Linear-out-1",
        lambda: nn.Linear(2, -1),
        lambda t: t.nn.Linear(2, -1),
        ValueError,
        "out_features",
    ),
    (
        "Linear-float",
        lambda: nn.Linear(2.5, 2),
        lambda t: t.nn.Linear(2.5, 2),
        TypeError,
        "in_features must be an int",
    ),
    ("Flatten-float", lambda: nn.Flatten(1.5), None, TypeError, "start_dim must be an int"),
    (
        "Flatten-order",
        lambda: nn.Flatten(3, 1),
        lambda t: t.nn.Flatten(3, 1)(t.zeros(2, 3, 4, 5)),
        ValueError,
        "comes after end_dim",
    ),
    (
        "Flatten-order-neg",
        lambda: nn.Flatten(-1, -3),
        lambda t: t.nn.Flatten(-1, -3)(t.zeros(2, 3, 4, 5)),
        ValueError,
        "comes after end_dim",
    ),
    ("MLP-short", lambda: nn.MLP([4]), None, ValueError, "at least input and output"),
    ("MLP-zero", lambda: nn.MLP([4, 3, 0]), None, ValueError, "sizes"),
    ("MLP-dropout", lambda: nn.MLP([4, 3, 2], dropout=2.0), None, ValueError, "dropout"),
    (
        "MLP-activation",
        lambda: nn.MLP([4, 3, 2], activation="nope"),
        None,
        ValueError,
        "unknown activation",
    ),
    (
        "LeakyReLU-str",
        lambda: nn.LeakyReLU("a"),
        lambda t: t.nn.LeakyReLU("a")(t.ones(2)),
        TypeError,
        "negative_slope must be a number",
    ),
    (
        "PReLU-0",
        lambda: nn.PReLU(0),
        lambda t: t.nn.PReLU(0)(t.ones(2, 3)),
        ValueError,
        "num_parameters must be positive (>= 1)",
    ),
    (
        "PReLU-float",
        lambda: nn.PReLU(2.5),
        lambda t: t.nn.PReLU(2.5),
        TypeError,
        "num_parameters must be an int",
    ),
    (
        "Softmax-float",
        lambda: nn.Softmax(1.5),
        lambda t: t.nn.Softmax(1.5)(t.ones(2, 3)),
        TypeError,
        "dim must be an int",
    ),
    (
        "LogSoftmax-float",
        lambda: nn.LogSoftmax(1.5),
        lambda t: t.nn.LogSoftmax(1.5)(t.ones(2, 3)),
        TypeError,
        "dim must be an int",
    ),
    ("Maxout-0", lambda: nn.Maxout(0), None, ValueError, "pool_size must be positive (>= 1)"),
    ("Maxout-float", lambda: nn.Maxout(2.5), None, TypeError, "pool_size must be an int"),
    ("Dropout-2", lambda: nn.Dropout(2.0), lambda t: t.nn.Dropout(2.0), ValueError, "[0, 1]"),
    ("Dropout-neg", lambda: nn.Dropout(-0.1), lambda t: t.nn.Dropout(-0.1), ValueError, "[0, 1]"),
    (
        "Dropout-str",
        lambda: nn.Dropout("0.5"),
        lambda t: t.nn.Dropout("0.5"),
        TypeError,
        "p must be a number",
    ),
    ("Dropout2d-2", lambda: nn.Dropout2d(1.5), lambda t: t.nn.Dropout2d(1.5), ValueError, "[0, 1]"),
    (
        "BatchNorm1d-0",
        lambda: nn.BatchNorm1d(0),
        lambda t: t.nn.BatchNorm1d(0)(t.zeros(2, 0)),
        ValueError,
        "num_features must be positive (>= 1)",
    ),
    (
        "BatchNorm1d-float",
        lambda: nn.BatchNorm1d(2.5),
        lambda t: t.nn.BatchNorm1d(2.5),
        TypeError,
        "num_features must be an int",
    ),
    (
        "BatchNorm1d-eps",
        lambda: nn.BatchNorm1d(2, eps=-1.0),
        lambda t: t.nn.BatchNorm1d(2, eps=-1.0)(t.ones(3, 2)),
        ValueError,
        "eps must be >= 0",
    ),
    (
        "BatchNorm2d-momentum",
        lambda: nn.BatchNorm2d(2, momentum=2.0),
        None,
        ValueError,
        "momentum must be in [0, 1] or None",
    ),
    (
        "BatchNorm2d-momentum-neg",
        lambda: nn.BatchNorm2d(2, momentum=-0.1),
        None,
        ValueError,
        "momentum must be in [0, 1] or None",
    ),
    (
        "BatchNorm1d-momentum-str",
        lambda: nn.BatchNorm1d(2, momentum="a"),
        None,
        TypeError,
        "momentum must be a number or None",
    ),
    (
        "LocalResponseNorm-0",
        lambda: nn.LocalResponseNorm(0),
        lambda t: t.nn.LocalResponseNorm(0)(t.ones(1, 2, 3)),
        ValueError,
        "size",
    ),
    ("LocalContrastNorm-even", lambda: nn.LocalContrastNorm(4), None, ValueError, "odd"),
    (
        "Conv2d-kernel-float",
        lambda: nn.Conv2d(1, 1, 2.5),
        lambda t: t.nn.Conv2d(1, 1, 2.5),
        TypeError,
        "kernel_size must be an int or a pair",
    ),
    (
        "Conv2d-kernel-0",
        lambda: nn.Conv2d(1, 1, 0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.Conv2d(1, 1, 0)),
        ValueError,
        "kernel_size must be >= 1",
    ),
    (
        "Conv2d-kernel-triple",
        lambda: nn.Conv2d(1, 1, (2, 2, 2)),
        None,
        ValueError,
        "kernel_size must be an int or a pair",
    ),
    (
        "Conv2d-stride-0",
        lambda: nn.Conv2d(1, 1, 2, stride=0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.Conv2d(1, 1, 2, stride=0)),
        ValueError,
        "stride must be >= 1",
    ),
    (
        "Conv2d-padding-neg",
        lambda: nn.Conv2d(1, 1, 2, padding=-1),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.Conv2d(1, 1, 2, padding=-1)),
        ValueError,
        "padding must be >= 0",
    ),
    (
        "Conv2d-dilation-0",
        lambda: nn.Conv2d(1, 1, 2, dilation=0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.Conv2d(1, 1, 2, dilation=0)),
        ValueError,
        "dilation must be >= 1",
    ),
    (
        "Conv2d-groups-0",
        lambda: nn.Conv2d(2, 2, 2, groups=0),
        lambda t: t.nn.Conv2d(2, 2, 2, groups=0),
        ValueError,
        "groups",
    ),
    (
        "Conv2d-groups-3",
        lambda: nn.Conv2d(2, 2, 2, groups=3),
        lambda t: t.nn.Conv2d(2, 2, 2, groups=3),
        ValueError,
        "groups",
    ),
    (
        "Conv2d-groups-float",
        lambda: nn.Conv2d(2, 2, 2, groups=1.5),
        None,
        TypeError,
        "groups must be an int",
    ),
    ("Conv2d-in0", lambda: nn.Conv2d(0, 2, 2), None, ValueError, "in_channels"),
    (
        "Conv2d-channels-float",
        lambda: nn.Conv2d(1, 2.5, 2),
        lambda t: t.nn.Conv2d(1, 2.5, 2),
        TypeError,
        "out_channels must be an int",
    ),
    (
        "Conv2d-padding-str",
        lambda: nn.Conv2d(1, 1, 2, padding="full"),
        lambda t: t.nn.Conv2d(1, 1, 2, padding="full"),
        ValueError,
        "padding",
    ),
    (
        "Conv2d-same-strided",
        lambda: nn.Conv2d(1, 1, 2, stride=2, padding="same"),
        lambda t: t.nn.Conv2d(1, 1, 2, stride=2, padding="same"),
        ValueError,
        "same",
    ),
    (
        "ConvTranspose2d-output-padding",
        lambda: nn.ConvTranspose2d(1, 1, 2, output_padding=1),
        _fwd((1, 1, 3, 3))(lambda t: t.nn.ConvTranspose2d(1, 1, 2, output_padding=1)),
        ValueError,
        "output_padding",
    ),
    (
        "ConvTranspose2d-stride-0",
        lambda: nn.ConvTranspose2d(1, 1, 2, stride=0),
        _fwd((1, 1, 3, 3))(lambda t: t.nn.ConvTranspose2d(1, 1, 2, stride=0)),
        ValueError,
        "stride must be >= 1",
    ),
    (
        "MaxPool2d-0",
        lambda: nn.MaxPool2d(0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.MaxPool2d(0)),
        ValueError,
        "kernel_size must be >= 1",
    ),
    (
        "MaxPool2d-float",
        lambda: nn.MaxPool2d(2.5),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.MaxPool2d(2.5)),
        TypeError,
        "kernel_size must be an int or a pair",
    ),
    (
        "MaxPool2d-stride-0",
        lambda: nn.MaxPool2d(2, stride=0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.MaxPool2d(2, stride=0)),
        ValueError,
        "stride must be >= 1",
    ),
    (
        "MaxPool2d-padding-half",
        lambda: nn.MaxPool2d(2, padding=2),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.MaxPool2d(2, padding=2)),
        ValueError,
        "at most half the kernel",
    ),
    (
        "MaxPool2d-padding-neg",
        lambda: nn.MaxPool2d(2, padding=-1),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.MaxPool2d(2, padding=-1)),
        ValueError,
        "padding must be >= 0",
    ),
    (
        "MaxPool2d-dilation-0",
        lambda: nn.MaxPool2d(2, dilation=0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.MaxPool2d(2, dilation=0)),
        ValueError,
        "dilation must be >= 1",
    ),
    (
        "AvgPool2d-0",
        lambda: nn.AvgPool2d(0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.AvgPool2d(0)),
        ValueError,
        "kernel_size must be >= 1",
    ),
    (
        "AvgPool2d-padding-half",
        lambda: nn.AvgPool2d(3, padding=2),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.AvgPool2d(3, padding=2)),
        ValueError,
        "at most half the kernel",
    ),
    (
        "AvgPool2d-divisor-0",
        lambda: nn.AvgPool2d(2, divisor_override=0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.AvgPool2d(2, divisor_override=0)),
        ValueError,
        "divisor_override",
    ),
    (
        "LPPool2d-p0",
        lambda: nn.LPPool2d(0, 2),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.LPPool2d(0, 2)),
        ValueError,
        "norm_type",
    ),
    (
        "LPPool2d-kernel-0",
        lambda: nn.LPPool2d(2, 0),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.LPPool2d(2, 0)),
        ValueError,
        "kernel_size must be >= 1",
    ),
    (
        "LPPool2d-kernel-float",
        lambda: nn.LPPool2d(2, 2.5),
        None,
        TypeError,
        "kernel_size must be an int or a pair",
    ),
    (
        "AdaptiveAvgPool2d-neg",
        lambda: nn.AdaptiveAvgPool2d(-1),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.AdaptiveAvgPool2d(-1)),
        ValueError,
        "output_size",
    ),
    (
        "AdaptiveAvgPool2d-triple",
        lambda: nn.AdaptiveAvgPool2d((1, 2, 3)),
        _fwd((1, 1, 4, 4))(lambda t: t.nn.AdaptiveAvgPool2d((1, 2, 3))),
        ValueError,
        "output_size",
    ),
    ("AdaptiveAvgPool2d-float", lambda: nn.AdaptiveAvgPool2d(1.5), None, TypeError, "output_size"),
    (
        "CrossEntropyLoss-reduction",
        lambda: nn.CrossEntropyLoss(reduction="bogus"),
        None,
        ValueError,
        "reduction",
    ),
    ("NLLLoss-reduction", lambda: nn.NLLLoss(reduction="bogus"), None, ValueError, "reduction"),
    ("MSELoss-reduction", lambda: nn.MSELoss(reduction="bogus"), None, ValueError, "reduction"),
    ("L1Loss-reduction", lambda: nn.L1Loss(reduction="bogus"), None, ValueError, "reduction"),
    ("BCELoss-reduction", lambda: nn.BCELoss(reduction="bogus"), None, ValueError, "reduction"),
    (
        "BCEWithLogitsLoss-reduction",
        lambda: nn.BCEWithLogitsLoss(reduction="bogus"),
        None,
        ValueError,
        "reduction",
    ),
    (
        "CrossEntropyLoss-smoothing",
        lambda: nn.CrossEntropyLoss(label_smoothing=2.0),
        None,
        ValueError,
        "label_smoothing",
    ),
    ("Embedding-0", lambda: nn.Embedding(0, 3), None, ValueError, "num_embeddings"),
    (
        "Embedding-neg",
        lambda: nn.Embedding(-1, 3),
        lambda t: t.nn.Embedding(-1, 3),
        ValueError,
        "num_embeddings",
    ),
    (
        "Embedding-float",
        lambda: nn.Embedding(2.5, 3),
        lambda t: t.nn.Embedding(2.5, 3),
        TypeError,
        "num_embeddings must be an int",
    ),
    (
        "Embedding-padding",
        lambda: nn.Embedding(3, 2, padding_idx=3),
        lambda t: t.nn.Embedding(3, 2, padding_idx=3),
        ValueError,
        "padding_idx",
    ),
    (
        "Embedding-padding-neg",
        lambda: nn.Embedding(3, 2, padding_idx=-4),
        lambda t: t.nn.Embedding(3, 2, padding_idx=-4),
        ValueError,
        "padding_idx",
    ),
    ("RNN-hidden-0", lambda: nn.RNN(2, 0), lambda t: t.nn.RNN(2, 0), ValueError, "hidden_size"),
    ("RNN-input-0", lambda: nn.RNN(0, 2), lambda t: t.nn.RNN(0, 2), ValueError, "input_size"),
    (
        "RNN-float",
        lambda: nn.RNN(2.5, 2),
        lambda t: t.nn.RNN(2.5, 2),
        TypeError,
        "input_size must be an int",
    ),
    (
        "RNN-layers-0",
        lambda: nn.RNN(2, 2, num_layers=0),
        lambda t: t.nn.RNN(2, 2, num_layers=0),
        ValueError,
        "num_layers",
    ),
    (
        "RNN-dropout",
        lambda: nn.RNN(2, 2, dropout=2.0),
        lambda t: t.nn.RNN(2, 2, dropout=2.0),
        ValueError,
        "dropout",
    ),
    (
        "RNN-nonlinearity",
        lambda: nn.RNN(2, 2, nonlinearity="sigmoid"),
        lambda t: t.nn.RNN(2, 2, nonlinearity="sigmoid"),
        ValueError,
        "nonlinearity",
    ),
    ("LSTM-hidden-0", lambda: nn.LSTM(2, 0), lambda t: t.nn.LSTM(2, 0), ValueError, "hidden_size"),
    (
        "GRU-layers-0",
        lambda: nn.GRU(2, 2, num_layers=0),
        lambda t: t.nn.GRU(2, 2, num_layers=0),
        ValueError,
        "num_layers",
    ),
    ("RNNCell-hidden-0", lambda: nn.RNNCell(2, 0), None, ValueError, "hidden_size"),
    (
        "GRUCell-float",
        lambda: nn.GRUCell(2.5, 2),
        lambda t: t.nn.GRUCell(2.5, 2),
        TypeError,
        "input_size must be an int",
    ),
    ("LSTMCell-input-0", lambda: nn.LSTMCell(0, 2), None, ValueError, "input_size"),
]


@pytest.mark.parametrize(
    "make,exc,part", [c[1:2] + c[3:] for c in CTOR_CASES], ids=[c[0] for c in CTOR_CASES]
)
def test_constructor_refuses_bad_arguments(make: Callable[[], Any], exc: type, part: str) -> None:
    with pytest.raises(exc) as info:
        make()
    message = str(info.value)
    assert part in message
    # the message names the layer that refused
    layer = message.split(":")[0]
    assert layer and layer[0].isupper(), message


@pytest.mark.parametrize(
    "torch_call",
    [c[2] for c in CTOR_CASES if c[2] is not None],
    ids=[c[0] for c in CTOR_CASES if c[2] is not None],
)
def test_torch_refuses_the_same_arguments(torch: Any, torch_call: Any) -> None:
    _torch_raises(torch, torch_call)


def test_every_exported_layer_has_a_constructor_case() -> None:
    """The table covers every layer class that takes arguments."""
    covered = {c[0].split("-")[0] for c in CTOR_CASES}
    no_arguments = {"Identity", "ReLU", "Sigmoid", "Tanh"}
    assert set(nn.layers.__all__) - no_arguments <= covered, (
        set(nn.layers.__all__) - no_arguments - covered
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda g: nn.Conv2d(1, 1, 2, stride=0, rng=g),
        lambda g: nn.Conv2d(1, 1, 2, padding=-1, rng=g),
        lambda g: nn.ConvTranspose2d(1, 1, 2, output_padding=3, rng=g),
        lambda g: nn.MLP([2, 3, 0], rng=g),
        lambda g: nn.MLP([2, 3, 2], dropout=2.0, rng=g),
        lambda g: nn.MLP([2, 3, 2], activation="nope", rng=g),
        lambda g: nn.LSTM(2, 3, num_layers=0, rng=g),
        lambda g: nn.LSTMCell(2, 0, peephole=True, rng=g),
        lambda g: nn.Linear(2, 0, rng=g),
    ],
)
def test_failing_constructor_draws_no_random_numbers(make: Callable[[Any], Any]) -> None:
    g = np.random.default_rng(7)
    before = g.bit_generator.state
    with pytest.raises((ValueError, TypeError)):
        make(g)
    assert g.bit_generator.state == before


# ---------------------------------------------------------------- one input rule
def _x(shape: tuple[int, ...], seed: int = 0, positive: bool = False) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    return np.abs(x) + 0.1 if positive else x


# (name, factory for a fresh module with fixed random state, a valid input, bad-rank
# inputs' shapes, PyTorch's module for the bad-rank check or None)
LAYER_CASES: list[tuple[str, Callable[[], Any], np.ndarray, list[tuple[int, ...]], Any]] = [
    ("Linear", lambda: nn.Linear(3, 2, rng=0), _x((4, 3)), [()], lambda t: t.nn.Linear(3, 2)),
    ("Flatten", lambda: nn.Flatten(), _x((2, 3, 4)), [(), (3,)], lambda t: t.nn.Flatten()),
    ("MLP", lambda: nn.MLP([3, 4, 2], rng=0), _x((5, 3)), [()], None),
    ("ReLU", lambda: nn.ReLU(), _x((2, 3)), [], None),
    ("Sigmoid", lambda: nn.Sigmoid(), _x((2, 3)), [], None),
    ("Tanh", lambda: nn.Tanh(), _x((2, 3)), [], None),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.2), _x((2, 3)), [], None),
    ("PReLU", lambda: nn.PReLU(3), _x((2, 3)), [()], lambda t: t.nn.PReLU(3)),
    ("Softmax", lambda: nn.Softmax(1), _x((2, 3)), [(), (3,)], lambda t: t.nn.Softmax(1)),
    ("LogSoftmax", lambda: nn.LogSoftmax(1), _x((2, 3)), [(), (3,)], lambda t: t.nn.LogSoftmax(1)),
    ("Maxout", lambda: nn.Maxout(2), _x((2, 4)), [()], None),
    ("Dropout", lambda: nn.Dropout(0.5, rng=0), _x((3, 4)), [], None),
    ("Dropout2d", lambda: nn.Dropout2d(0.5, rng=0), _x((2, 3, 4, 4)), [(), (4, 4)], None),
    (
        "BatchNorm1d",
        lambda: nn.BatchNorm1d(3),
        _x((4, 3)),
        [(), (3,), (2, 3, 4, 5)],
        lambda t: t.nn.BatchNorm1d(3),
    ),
    (
        "BatchNorm2d",
        lambda: nn.BatchNorm2d(2),
        _x((3, 2, 4, 4)),
        [(), (2, 4, 4)],
        lambda t: t.nn.BatchNorm2d(2),
    ),
    (
        "LocalResponseNorm",
        lambda: nn.LocalResponseNorm(2),
        _x((2, 3, 4)),
        [(), (3, 4)],
        lambda t: t.nn.LocalResponseNorm(2),
    ),
    ("LocalContrastNorm", lambda: nn.LocalContrastNorm(3), _x((1, 2, 5, 5)), [(), (5, 5)], None),
    (
        "Conv2d",
        lambda: nn.Conv2d(2, 3, 2, rng=0),
        _x((1, 2, 5, 5)),
        [(), (5, 5)],
        lambda t: t.nn.Conv2d(2, 3, 2),
    ),
    (
        "ConvTranspose2d",
        lambda: nn.ConvTranspose2d(2, 3, 2, rng=0),
        _x((1, 2, 3, 3)),
        [(), (3, 3)],
        lambda t: t.nn.ConvTranspose2d(2, 3, 2),
    ),
    (
        "MaxPool2d",
        lambda: nn.MaxPool2d(2),
        _x((1, 2, 4, 4)),
        [(), (4, 4)],
        lambda t: t.nn.MaxPool2d(2),
    ),
    (
        "AvgPool2d",
        lambda: nn.AvgPool2d(2),
        _x((1, 2, 4, 4)),
        [(), (4, 4)],
        lambda t: t.nn.AvgPool2d(2),
    ),
    (
        "LPPool2d",
        lambda: nn.LPPool2d(2, 2),
        _x((1, 2, 4, 4), positive=True),
        [(), (4, 4)],
        lambda t: t.nn.LPPool2d(2, 2),
    ),
    (
        "AdaptiveAvgPool2d",
        lambda: nn.AdaptiveAvgPool2d(2),
        _x((1, 2, 4, 4)),
        [(), (4, 4)],
        lambda t: t.nn.AdaptiveAvgPool2d(2),
    ),
    ("RNN", lambda: nn.RNN(3, 4, rng=0), _x((5, 2, 3)), [(), (3,)], lambda t: t.nn.RNN(3, 4)),
    ("LSTM", lambda: nn.LSTM(3, 4, rng=0), _x((5, 2, 3)), [(), (3,)], lambda t: t.nn.LSTM(3, 4)),
    ("GRU", lambda: nn.GRU(3, 4, rng=0), _x((5, 2, 3)), [(), (3,)], lambda t: t.nn.GRU(3, 4)),
    (
        "RNNCell",
        lambda: nn.RNNCell(3, 4, rng=0),
        _x((2, 3)),
        [(), (2, 2, 3)],
        lambda t: t.nn.RNNCell(3, 4),
    ),
    (
        "LSTMCell",
        lambda: nn.LSTMCell(3, 4, rng=0),
        _x((2, 3)),
        [(), (2, 2, 3)],
        lambda t: t.nn.LSTMCell(3, 4),
    ),
    (
        "GRUCell",
        lambda: nn.GRUCell(3, 4, rng=0),
        _x((2, 3)),
        [(), (2, 2, 3)],
        lambda t: t.nn.GRUCell(3, 4),
    ),
]


def _values(out: Any) -> list[np.ndarray]:
    """Every array in a (possibly nested tuple) output."""
    if isinstance(out, Tensor):
        return [out.data]
    if isinstance(out, (tuple, list)):
        return [v for item in out for v in _values(item)]
    return [np.asarray(out)]


def test_every_exported_layer_has_an_input_case() -> None:
    covered = {c[0] for c in LAYER_CASES} | {"Embedding"}  # integer input: its own test
    # the loss modules take (input, target): tests/test_loss_modules.py covers their inputs
    losses = {name for name in nn.layers.__all__ if name.endswith("Loss")}
    assert set(nn.layers.__all__) - {"Identity"} - losses <= covered


@pytest.mark.parametrize(
    "make,x", [(c[1], c[2]) for c in LAYER_CASES], ids=[c[0] for c in LAYER_CASES]
)
def test_layer_takes_tensor_array_and_nested_list_alike(make: Any, x: np.ndarray) -> None:
    expected = _values(make()(Tensor(x)))
    for given in (x, x.tolist()):
        out = make()(given)
        got = _values(out)
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
    assert isinstance(out if isinstance(out, Tensor) else _first(out), Tensor)


def _first(out: Any) -> Any:
    while isinstance(out, (tuple, list)):
        out = out[0]
    return out


_BAD_RANK = [(c[0], c[1], shape, c[4]) for c in LAYER_CASES for shape in c[3]]


@pytest.mark.parametrize(
    "name,make,shape,torch_make", _BAD_RANK, ids=[f"{c[0]}-{c[2]}" for c in _BAD_RANK]
)
def test_wrong_rank_is_a_value_error_naming_layer_and_shape(
    name: str, make: Any, shape: tuple, torch_make: Any, request: Any
) -> None:
    with pytest.raises(ValueError) as info:
        make()(Tensor(np.ones(shape, dtype=np.float32)))
    message = str(info.value)
    assert message.startswith(name + ":"), message
    assert f"shape {shape}" in message, message
    if torch_make is not None:
        torch = request.getfixturevalue("torch")
        _torch_raises(torch, lambda t: torch_make(t)(t.ones(shape)))


@pytest.mark.parametrize(
    "make,x", [(c[1], c[2]) for c in LAYER_CASES], ids=[c[0] for c in LAYER_CASES]
)
def test_non_numeric_input_is_a_type_error_naming_the_layer(make: Any, x: Any) -> None:
    name = type(make()).__name__
    for bad in ("abc", None, {"x": 1}):
        with pytest.raises(TypeError, match=f"^{name}: input must be a Tensor"):
            make()(bad)


@pytest.mark.parametrize("make", [c[1] for c in LAYER_CASES], ids=[c[0] for c in LAYER_CASES])
def test_ragged_list_is_a_value_error_naming_the_layer(make: Any) -> None:
    name = type(make()).__name__
    with pytest.raises(ValueError, match=f"^{name}: input is a ragged nested list"):
        make()([[1.0, 2.0, 3.0], [1.0]])


def test_embedding_takes_index_tensor_array_and_list_alike() -> None:
    layer = nn.Embedding(5, 2, rng=0)
    idx = [[1, 2], [3, 4]]
    expected = layer(Tensor(np.array(idx), dtype=np.int64)).data
    for given in (idx, np.array(idx)):
        np.testing.assert_array_equal(layer(given).data, expected)
    with pytest.raises(TypeError, match="^Embedding: input must be a Tensor"):
        layer("abc")


# ---------------------------------------------------------------- the reported cases
def test_linear_on_a_zero_d_input(torch: Any) -> None:
    with pytest.raises(ValueError, match=r"^Linear: expected input \(\.\.\., 3\).*shape \(\)"):
        nn.Linear(3, 2)(Tensor(1.0))
    _torch_raises(torch, lambda t: t.nn.Linear(3, 2)(t.tensor(1.0)))


def test_linear_feature_mismatch_names_the_layer() -> None:
    with pytest.raises(ValueError, match=r"^Linear: .*in_features=3.*shape \(2, 4\)"):
        nn.Linear(3, 2)(Tensor(np.ones((2, 4))))


def test_functional_linear_with_one_d_weight() -> None:
    with pytest.raises(ValueError, match=r"^linear: weight must be 2-D .* shape \(2,\)"):
        F.linear(Tensor([1.0, 2.0]), Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"^linear: expected input .*shape \(\)"):
        F.linear(Tensor(1.0), Tensor(np.ones((2, 1))))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_class_losses_refuse_zero_d_logits(loss: Any, torch: Any) -> None:
    name = loss.__name__
    with pytest.raises(ValueError, match=rf"^{name}: .*shape \(\)"):
        loss(Tensor(1.0), np.array(0))
    _torch_raises(torch, lambda t: getattr(t.nn.functional, name)(t.tensor(1.0), t.tensor(0)))


def test_flatten_start_dim_out_of_range(torch: Any) -> None:
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"^Flatten: start_dim=5 is out of range .*\(2, 3\)"):
        nn.Flatten(start_dim=5)(Tensor(x))
    with pytest.raises(ValueError, match=r"^Flatten: end_dim=-3 is out of range"):
        nn.Flatten(0, -3)(Tensor(x))
    _torch_raises(torch, lambda t: t.nn.Flatten(start_dim=5)(t.zeros(2, 3)))
    # in range: PyTorch's shapes
    for args in [(), (0,), (0, 0), (-2, -1), (1, 1)]:
        assert nn.Flatten(*args)(Tensor(x)).shape == tuple(
            torch.nn.Flatten(*args)(torch.zeros(2, 3)).shape
        )


def test_kernel_size_float_message() -> None:
    with pytest.raises(
        TypeError,
        match=r"^Conv2d: kernel_size must be an int or a pair of "
        r"ints, got 2\.5",
    ):
        nn.Conv2d(1, 1, 2.5)


# ---------------------------------------------------------------- losses and functions
def _targets() -> dict[str, Any]:
    rng = np.random.default_rng(3)
    return {
        "regression": rng.normal(size=(4, 3)).astype(np.float32),
        "probability": rng.uniform(0.1, 0.9, size=(4, 3)).astype(np.float32),
        "classes": np.array([0, 2, 1, 2]),
        "sequences": np.array([[0, 2, 1], [2, 2, 0]]),  # (B, T) class ids
    }


LOSS_CASES: list[tuple[Any, np.ndarray, str]] = [
    (F.mse_loss, _x((4, 3)), "regression"),
    (F.l1_loss, _x((4, 3)), "regression"),
    (F.sum_squared_error, _x((4, 3)), "regression"),
    (F.binary_cross_entropy, _x((4, 3), positive=True) / 4.0, "probability"),
    (F.binary_cross_entropy_with_logits, _x((4, 3)), "probability"),
    (F.cross_entropy, _x((4, 3)), "classes"),
    (F.nll_loss, np.log(np.full((4, 3), 1 / 3, np.float32)), "classes"),
    (F.sequence_cross_entropy, _x((2, 3, 3)), "sequences"),
]


@pytest.mark.parametrize("loss,x,kind", LOSS_CASES, ids=[c[0].__name__ for c in LOSS_CASES])
def test_loss_takes_tensor_array_and_nested_list_alike(loss: Any, x: np.ndarray, kind: str) -> None:
    target = _targets()[kind]
    expected = loss(Tensor(x), target).data
    for given in (x, x.tolist()):
        for t in (target, target.tolist()):
            got = loss(given, t).data
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)
    with pytest.raises(TypeError, match=f"^{loss.__name__}: input must be a Tensor"):
        loss("abc", target)


def _fn_cases() -> list[tuple[str, Callable[[Any], Any], np.ndarray]]:
    w = Tensor(_x((2, 3), 1))
    conv_w = Tensor(_x((3, 2, 2, 2), 2))
    hidden = Tensor(_x((2, 4), 4))
    rnn_w = (Tensor(_x((4, 3), 5)), Tensor(_x((4, 4), 6)))
    lstm_w = (Tensor(_x((16, 3), 5)), Tensor(_x((16, 4), 6)))
    gru_w = (Tensor(_x((12, 3), 5)), Tensor(_x((12, 4), 6)))
    img = _x((1, 2, 4, 4))
    return [
        ("linear", lambda x: F.linear(x, w), _x((4, 3))),
        ("relu", F.relu, _x((2, 3))),
        ("tanh", F.tanh, _x((2, 3))),
        ("sigmoid", F.sigmoid, _x((2, 3))),
        ("softplus", F.softplus, _x((2, 3))),
        ("logsigmoid", F.logsigmoid, _x((2, 3))),
        ("leaky_relu", F.leaky_relu, _x((2, 3))),
        ("prelu", lambda x: F.prelu(x, Tensor(np.float32([0.1, 0.2, 0.3]))), _x((2, 3))),
        ("maxout", lambda x: F.maxout(x, 2), _x((2, 4))),
        ("softmax", lambda x: F.softmax(x, 1), _x((2, 3))),
        ("log_softmax", lambda x: F.log_softmax(x, 1), _x((2, 3))),
        ("dropout", lambda x: F.dropout(x, 0.5, True, np.random.default_rng(0)), _x((2, 3))),
        ("dropout2d", lambda x: F.dropout2d(x, 0.5, True, np.random.default_rng(0)), img),
        ("batch_norm", lambda x: F.batch_norm(x, None, None, training=True), _x((4, 3))),
        ("local_response_norm", lambda x: F.local_response_norm(x, 2), img),
        ("local_contrast_norm", lambda x: F.local_contrast_norm(x, 3), _x((1, 2, 5, 5))),
        ("conv2d", lambda x: F.conv2d(x, conv_w), img),
        ("conv_transpose2d", lambda x: F.conv_transpose2d(x, conv_w), _x((1, 3, 3, 3))),
        ("max_pool2d", lambda x: F.max_pool2d(x, 2), img),
        ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), img),
        ("lp_pool2d", lambda x: F.lp_pool2d(x, 2, 2), _x((1, 2, 4, 4), positive=True)),
        ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, 2), img),
        ("rnn_cell", lambda x: F.rnn_cell(x, hidden, *rnn_w), _x((2, 3))),
        ("lstm_cell", lambda x: F.lstm_cell(x, (hidden, hidden), *lstm_w)[0], _x((2, 3))),
        ("gru_cell", lambda x: F.gru_cell(x, hidden, *gru_w), _x((2, 3))),
    ]


FN_CASES = _fn_cases()


def test_every_functional_form_has_an_input_case() -> None:
    covered = {c[0] for c in FN_CASES} | {c[0].__name__ for c in LOSS_CASES} | {"embedding"}
    assert set(F.__all__) <= covered, set(F.__all__) - covered


@pytest.mark.parametrize("name,call,x", FN_CASES, ids=[c[0] for c in FN_CASES])
def test_function_takes_tensor_array_and_nested_list_alike(
    name: str, call: Any, x: np.ndarray
) -> None:
    expected = call(Tensor(x)).data
    for given in (x, x.tolist()):
        got = call(given).data
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


_NAMED_AS = {"rnn_cell": "rnn", "lstm_cell": "lstm", "gru_cell": "gru"}  # the fused op's name
_ANY_RANK = {
    "relu",
    "tanh",
    "sigmoid",
    "softplus",
    "logsigmoid",
    "leaky_relu",
    "softmax",
    "log_softmax",
    "dropout",
}


@pytest.mark.parametrize(
    "name,call",
    [(c[0], c[1]) for c in FN_CASES if c[0] not in _ANY_RANK],
    ids=[c[0] for c in FN_CASES if c[0] not in _ANY_RANK],
)
def test_function_refuses_zero_d_input_naming_itself(name: str, call: Any) -> None:
    with pytest.raises(ValueError) as info:
        call(Tensor(np.float32(1.0)))
    message = str(info.value)
    assert message.startswith(_NAMED_AS.get(name, name) + ":"), message
    assert "()" in message, message


# autograd's own ops, not nn's
_AUTOGRAD_OPS = {"relu", "tanh", "sigmoid", "softplus", "logsigmoid", "leaky_relu"}


@pytest.mark.parametrize(
    "name,call",
    [(c[0], c[1]) for c in FN_CASES if c[0] not in _AUTOGRAD_OPS],
    ids=[c[0] for c in FN_CASES if c[0] not in _AUTOGRAD_OPS],
)
def test_function_refuses_non_numeric_input_naming_itself(name: str, call: Any) -> None:
    with pytest.raises(TypeError, match=f"^{name}: input must be a Tensor"):
        call("abc")
    with pytest.raises(ValueError, match=f"^{name}: input is a ragged nested list"):
        call([[1.0, 2.0], [1.0]])


# ---------------------------------------------------------------- functional argument checks
@pytest.mark.parametrize(
    "call,exc,pattern",
    [
        (lambda x: F.avg_pool2d(x, 2, divisor_override=0), ValueError, "divisor_override"),
        (lambda x: F.max_pool2d(x, 2.5), TypeError, "kernel_size must be an int or a pair"),
        (
            lambda x: F.conv2d(x, Tensor(np.ones((1, 2, 2, 2))), stride=1.5),
            TypeError,
            "stride must be an int or a pair",
        ),
        (
            lambda x: F.batch_norm(x, None, None, training=True, eps=0.0),
            ValueError,
            "eps must be positive",
        ),
        (lambda x: F.batch_norm(x, np.zeros(3), np.ones(2)), ValueError, "running_mean"),
        (lambda x: F.softmax(x, 4), ValueError, "dim 4 is out of range"),
        (lambda x: F.dropout(x, "a"), TypeError, "p must be a number"),
        (lambda x: F.prelu(x, Tensor(np.ones(3))), ValueError, "3 parameters"),
    ],
)
def test_functional_argument_errors(call: Any, exc: type, pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        call(Tensor(np.ones((1, 2, 4, 4))))


# ---------------------------------------------------------------- failures change nothing
def test_batchnorm_failed_forward_leaves_running_stats_alone() -> None:
    bn = nn.BatchNorm1d(3)
    bn(Tensor(_x((4, 3))))  # some non-trivial statistics first
    state = {k: v.copy() for k, v in bn.state_dict().items()}
    for bad in (_x((1, 3)), _x((4, 2)), _x((3,)), "abc"):
        with pytest.raises((ValueError, TypeError)):
            bn(bad)
        for k, v in bn.state_dict().items():
            np.testing.assert_array_equal(v, state[k])
    assert int(bn.num_batches_tracked) == 1


def test_batchnorm_momentum_none_counts_only_successful_batches() -> None:
    ours = nn.BatchNorm1d(2, momentum=None)
    with pytest.raises(ValueError):
        ours(Tensor(_x((1, 2))))  # one sample per channel: refused
    a, b = _x((4, 2), 1), _x((4, 2), 2)
    ours(Tensor(a))
    ours(Tensor(b))
    # cumulative average of the two batches' statistics
    expected = (a.mean(0) + b.mean(0)) / 2
    np.testing.assert_allclose(ours.running_mean, expected, rtol=1e-6)
    assert int(ours.num_batches_tracked) == 2


def test_functional_batch_norm_refusal_leaves_running_stats_alone() -> None:
    x = Tensor(_x((4, 2)))
    mean, var = np.array([0.5, -0.5]), np.array([2.0, 3.0])
    for kwargs in ({"weight": Tensor(np.ones(3))}, {"bias": Tensor(np.ones(1))}):
        with pytest.raises(ValueError, match=r"^batch_norm: (weight|bias) has shape"):
            F.batch_norm(x, mean, var, training=True, **kwargs)
        np.testing.assert_array_equal(mean, [0.5, -0.5])
        np.testing.assert_array_equal(var, [2.0, 3.0])


@pytest.mark.parametrize(
    "make,bad",
    [
        (lambda: nn.Linear(3, 2, rng=0), np.ones((2, 4), np.float32)),
        (lambda: nn.Conv2d(2, 3, 2, rng=0), np.ones((1, 3, 4, 4), np.float32)),
        (lambda: nn.LSTM(3, 4, rng=0), np.ones((5, 2, 2), np.float32)),
        (lambda: nn.PReLU(3), np.ones((2, 4), np.float32)),
    ],
)
def test_failed_forward_leaves_parameters_alone(make: Any, bad: np.ndarray) -> None:
    layer = make()
    before = {k: v.copy() for k, v in layer.state_dict().items()}
    with pytest.raises(ValueError, match=f"^{type(layer).__name__}: "):
        layer(bad)
    for k, v in layer.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert all(p.grad is None for p in layer.parameters())


def test_failed_dropout_forward_draws_no_random_numbers() -> None:
    g = np.random.default_rng(0)
    layer = nn.Dropout2d(0.5, rng=g)
    before = g.bit_generator.state
    with pytest.raises(ValueError):
        layer(np.ones((4, 4), np.float32))
    assert g.bit_generator.state == before


def test_conv_channel_mismatch_names_the_layer() -> None:
    with pytest.raises(ValueError, match=r"^Conv2d: input has 3 channels .*in_channels=2"):
        nn.Conv2d(2, 3, 2)(Tensor(np.ones((1, 3, 4, 4))))
    with pytest.raises(ValueError, match=r"^ConvTranspose2d: input has 3 channels"):
        nn.ConvTranspose2d(2, 3, 2)(Tensor(np.ones((1, 3, 4, 4))))


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: nn.Linear(4, 2, rng=0), (2, 4)),
        (lambda: nn.MLP([4, 3, 2], rng=0), (2, 4)),
        (lambda: nn.Conv2d(1, 2, 2, rng=0), (1, 1, 3, 3)),
        (lambda: nn.ConvTranspose2d(1, 2, 2, rng=0), (1, 1, 3, 3)),
        (lambda: nn.PReLU(), (2, 3)),
    ],
    ids=["Linear", "MLP", "Conv2d", "ConvTranspose2d", "PReLU"],
)
def test_numpy_float64_input_takes_the_layers_dtype(make: Any, shape: tuple) -> None:
    """One rule for NumPy input to a layer with parameters: it becomes a Tensor of the
    parameters' dtype (as DataLoader does), for Linear and Conv2d alike (Conv2d used to
    refuse what Linear accepted and promoted to float64)."""
    x = np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)  # float64
    layer = make()
    want = layer(Tensor(x.astype(np.float32)))
    for given in (x, x.tolist()):
        got = layer(given)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got.data, want.data)
