"""The fused ``Function`` classes of ``nn.functional``, each by name: the functional form
records exactly that op, its gradients equal central differences in float64, and its
values and gradients equal PyTorch's.

(The functional forms have their own, larger tests; this table makes sure each op class
itself -- ``LinearOp``, ``Conv2dOp``, ... -- is the thing checked.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd import Tensor
from nn.functional.activation import LogSoftmaxOp, SoftmaxOp
from nn.functional.conv import Conv2dOp, Conv2dWeightGradOp, ConvTranspose2dOp
from nn.functional.embedding import EmbeddingOp
from nn.functional.linear import LinearOp
from nn.functional.loss import BinaryCrossEntropyOp, CrossEntropyOp
from nn.functional.pooling import MaxPool2dOp

RNG = np.random.default_rng(7)


def _t(*shape: int, low: float = -1.0, high: float = 1.0) -> Tensor:
    return Tensor(RNG.uniform(low, high, shape), requires_grad=True)


TARGETS = np.array([2, 0, 1])
IDS = np.array([[0, 3], [2, 2]])
# max pooling: distinct values, so no two entries of a window tie (no kink in the check)
POOL_INPUT = RNG.permutation(2 * 3 * 4 * 4).reshape(2, 3, 4, 4) / 7.0

# op class, the call that records it, its inputs, the same call in PyTorch
CASES: list[tuple[type, Callable[..., Tensor], Callable[[], list[Tensor]], Callable]] = [
    (
        LinearOp,
        lambda x, w, b: F.linear(x, w, b),
        lambda: [_t(4, 3), _t(2, 3), _t(2)],
        lambda t, x, w, b: t.nn.functional.linear(x, w, b),
    ),
    (
        Conv2dOp,
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
        lambda: [_t(2, 2, 5, 5), _t(3, 2, 3, 3), _t(3)],
        lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, stride=2, padding=1),
    ),
    (
        ConvTranspose2dOp,
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1),
        lambda: [_t(2, 3, 3, 3), _t(3, 2, 3, 3), _t(2)],
        lambda t, x, w, b: t.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1),
    ),
    (
        MaxPool2dOp,
        lambda x: F.max_pool2d(x, 2),
        lambda: [Tensor(POOL_INPUT.copy(), requires_grad=True)],
        lambda t, x: t.nn.functional.max_pool2d(x, 2),
    ),
    (
        SoftmaxOp,
        lambda x: F.softmax(x, dim=1),
        lambda: [_t(3, 4, low=-3, high=3)],
        lambda t, x: t.softmax(x, dim=1),
    ),
    (
        LogSoftmaxOp,
        lambda x: F.log_softmax(x, dim=1),
        lambda: [_t(3, 4, low=-3, high=3)],
        lambda t, x: t.log_softmax(x, dim=1),
    ),
    (
        EmbeddingOp,
        lambda w: F.embedding(IDS, w),
        lambda: [_t(4, 3)],
        lambda t, w: t.nn.functional.embedding(t.from_numpy(IDS), w),
    ),
    (
        CrossEntropyOp,
        lambda u: F.cross_entropy(u, TARGETS),
        lambda: [_t(3, 4, low=-3, high=3)],
        lambda t, u: t.nn.functional.cross_entropy(u, t.from_numpy(TARGETS)),
    ),
    (
        BinaryCrossEntropyOp,
        lambda p, d: F.binary_cross_entropy(p, d),
        lambda: [_t(5, low=0.05, high=0.95), Tensor(RNG.uniform(0.0, 1.0, 5))],
        lambda t, p, d: t.nn.functional.binary_cross_entropy(p, d),
    ),
]


@pytest.mark.parametrize(
    ("op", "fn", "make", "torch_fn"), CASES, ids=[c[0].__name__ for c in CASES]
)
def test_op_records_itself_and_matches_central_differences(
    op: type, fn: Callable, make: Callable, torch_fn: Any
) -> None:
    inputs = make()
    assert type(fn(*inputs).grad_fn) is op
    assert ag.gradcheck(fn, *inputs)


@pytest.mark.parametrize(
    ("op", "fn", "make", "torch_fn"), CASES, ids=[c[0].__name__ for c in CASES]
)
def test_op_matches_torch(op: type, fn: Callable, make: Callable, torch_fn: Any) -> None:
    torch = pytest.importorskip("torch")
    inputs = make()
    out = fn(*inputs)
    seed = RNG.normal(size=out.shape)
    (out * Tensor(seed)).sum().backward()
    theirs = [torch.tensor(t.data.copy(), requires_grad=t.requires_grad) for t in inputs]
    ref = torch_fn(torch, *theirs)
    (ref * torch.tensor(seed)).sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, their in zip(inputs, theirs):
        if ours.requires_grad:
            np.testing.assert_allclose(ours.grad.data, their.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_conv2d_weight_grad_op_is_the_differentiable_weight_gradient() -> None:
    """``Conv2dWeightGradOp`` computes ∂L/∂W inside conv2d's backward; second derivatives
    flow through it (gradgradcheck), and it is what create_graph records."""
    x, w = _t(2, 2, 5, 5), _t(3, 2, 3, 3)

    def conv(x: Tensor, w: Tensor) -> Tensor:
        return F.conv2d(x, w, stride=1, padding=1)

    y = conv(x, w)
    (gw,) = ag.grad((y * y).sum(), [w], create_graph=True)
    seen, stack, found = set(), [gw], False
    while stack:  # the weight gradient's own graph holds the op
        node = stack.pop()
        if id(node) in seen or node.grad_fn is None:
            continue
        seen.add(id(node))
        found |= type(node.grad_fn) is Conv2dWeightGradOp
        stack.extend(node.parents)
    assert found
    assert ag.gradgradcheck(conv, x, w)
