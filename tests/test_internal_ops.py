"""Ops that users reach only through other ops: clone, scatter-add (the adjoint of
indexing), the fused BCE-with-logits and max pooling's winner routing."""

from __future__ import annotations

import numpy as np

import autograd as ag
import nn.functional as F
from autograd import Tensor
from autograd.ops.indexing import IndexAdd
from autograd.ops.shape import Clone
from nn.functional.loss import BCEWithLogitsOp
from nn.functional.pooling import ArgmaxGather, ArgmaxScatter

rng = np.random.default_rng(0)


def f64(*shape: int) -> Tensor:
    return Tensor(rng.normal(size=shape), dtype=np.float64, requires_grad=True)


def test_clone_copies_data_and_passes_the_gradient() -> None:
    x = f64(3, 2)
    y = Clone.apply(x)
    assert y.data is not x.data and not np.shares_memory(y.data, x.data)
    np.testing.assert_array_equal(y.data, x.data)
    (y * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((3, 2), 3.0))
    assert ag.gradcheck(lambda t: t.clone() * t, x)
    assert ag.gradgradcheck(lambda t: t.clone() * t, x)


def test_index_add_accumulates_repeated_positions_and_is_getitems_adjoint() -> None:
    g = Tensor(np.array([1.0, 2.0, 4.0]), dtype=np.float64, requires_grad=True)
    out = IndexAdd.apply(g, index=(np.array([0, 0, 2]),), shape=(4,))
    np.testing.assert_array_equal(out.data, [3.0, 0.0, 4.0, 0.0])  # 1 + 2 land on 0
    x = rng.normal(size=4)
    idx = (np.array([0, 0, 2]),)
    # <IndexAdd(g), x> == <g, x[idx]>
    assert np.isclose(out.data @ x, g.data @ x[idx])
    assert ag.gradcheck(lambda t: IndexAdd.apply(t, index=idx, shape=(4,)) ** 2, g)


def test_bce_with_logits_op_matches_the_closed_form() -> None:
    u, d = f64(5), Tensor(rng.uniform(size=5), dtype=np.float64, requires_grad=True)
    sig = 1.0 / (1.0 + np.exp(-u.data))
    expected = -(d.data * np.log(sig) + (1 - d.data) * np.log(1 - sig))
    loss = BCEWithLogitsOp.apply(u, d, reduction="none")
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(u.grad.data, sig - d.data, rtol=1e-12)  # the delta
    np.testing.assert_allclose(d.grad.data, -u.data, rtol=1e-12)
    assert ag.gradcheck(lambda a, b: BCEWithLogitsOp.apply(a, b, reduction="mean"), u, d)


def test_argmax_scatter_and_gather_are_adjoint_and_route_to_the_winners() -> None:
    x = f64(2, 3, 4, 4)
    y = F.max_pool2d(x, 2)
    route = y.grad_fn.route
    gathered = ArgmaxGather.apply(Tensor(x.data), route=route)
    np.testing.assert_array_equal(gathered.data, y.data)  # gather(x) = the maxima
    g = rng.normal(size=y.shape)
    scattered = ArgmaxScatter.apply(Tensor(g), route=route)
    # each window's gradient lands on exactly one pixel: its maximum
    assert np.count_nonzero(scattered.data) == g.size
    winners = x.data[scattered.data != 0]  # the pixels that received a gradient...
    np.testing.assert_array_equal(np.sort(winners), np.sort(y.data.ravel()))  # ...are the maxima
    # <scatter(g), z> == <g, gather(z)> for any z
    z = rng.normal(size=x.shape)
    lhs = float((scattered.data * z).sum())
    rhs = float((g * ArgmaxGather.apply(Tensor(z), route=route).data).sum())
    assert np.isclose(lhs, rhs)
