"""The shared bases, each through every subclass it has: ``_ConvNd``, ``RNNBase``,
``RNNCellBase`` (against the PyTorch layer of the same name, weights copied through the
state dict), the fused ``_Recurrence`` ops, ``_Select`` (maximum/minimum) and
``IndexPut`` (``x[i] = v``) by central differences in float64.

Walking ``__subclasses__()`` means a new subclass is tested the day it is written.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from autograd.ops.elementwise import _Select
from autograd.ops.indexing import IndexPut
from nn.functional.recurrent_fused import _Recurrence
from nn.layers.conv import _ConvNd
from nn.layers.rnn import RNNBase
from nn.layers.rnn_cells import RNNCellBase

# constructor arguments and an input shape for each family
_ARGS = {
    _ConvNd: ((2, 3, 3), (2, 2, 5, 5)),
    RNNBase: ((3, 4), (5, 2, 3)),
    RNNCellBase: ((3, 4), (2, 3)),
}
_CASES = [(base, cls) for base in _ARGS for cls in base.__subclasses__()]


def _first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("base, cls", _CASES, ids=[c.__name__ for _, c in _CASES])
def test_every_subclass_matches_its_torch_namesake(base, cls) -> None:
    torch = pytest.importorskip("torch")
    args, shape = _ARGS[base]
    ours = cls(*args).to(np.float64)
    theirs = getattr(torch.nn, cls.__name__)(*args).double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).normal(size=shape)
    xo = Tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = _first(ours(xo)), _first(theirs(xt))
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(1).normal(size=yo.shape)
    (yo * Tensor(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


_LAYER_OF = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@pytest.mark.parametrize("op", _Recurrence.__subclasses__(), ids=lambda c: c.__name__)
def test_every_fused_recurrence_passes_gradcheck(op) -> None:
    layer = _LAYER_OF[op.op](2, 3).to(np.float64)
    x = Tensor(np.random.default_rng(2).normal(size=(4, 2, 2)), requires_grad=True)
    out = _first(layer(x))
    found = {type(n.grad_fn) for n in autograd.topological_order(out) if n.grad_fn}
    assert op in found  # the layer really runs this fused op
    assert autograd.gradcheck(lambda t: _first(layer(t)), x)


@pytest.mark.parametrize("op", _Select.__subclasses__(), ids=lambda c: c.__name__)
def test_every_select_op_passes_gradcheck_away_from_ties(op) -> None:
    rng = np.random.default_rng(3)
    a = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    b = Tensor(rng.normal(size=(4,)), requires_grad=True)  # broadcast
    assert autograd.gradcheck(op.apply, a, b)
    # on a tie each input gets half, as in PyTorch
    x, y = Tensor(np.array([1.0]), requires_grad=True), Tensor(np.array([1.0]), requires_grad=True)
    op.apply(x, y).sum().backward()
    assert x.grad.item() == 0.5 and y.grad.item() == 0.5


@pytest.mark.parametrize(
    "index",
    [1, (slice(0, 2), 1), np.array([True, False, True]), (np.array([0, 2]), np.array([3, 0]))],
    ids=["int", "slice", "mask", "arrays"],
)
def test_index_put_passes_gradcheck(index) -> None:
    rng = np.random.default_rng(4)
    x = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    shape = np.zeros((3, 4))[index].shape
    v = Tensor(rng.normal(size=shape), requires_grad=True)
    assert autograd.gradcheck(lambda a, b: IndexPut.apply(a, b, index=index), x, v)
    y = IndexPut.apply(x, v, index=index)
    expected = x.data.copy()
    expected[index] = v.data
    np.testing.assert_array_equal(y.data, expected)
