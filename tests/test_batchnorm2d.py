"""BatchNorm2d against PyTorch (train and eval, running statistics) and by gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor


def _pair(momentum: float | None = 0.1, affine: bool = True):
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm2d(3, momentum=momentum, affine=affine, dtype=np.float64)
    theirs = torch.nn.BatchNorm2d(3, momentum=momentum, affine=affine).double()
    if affine:
        rng = np.random.default_rng(0)
        ours.weight.data = rng.uniform(0.5, 1.5, 3)
        ours.bias.data = rng.normal(size=3)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    return torch, ours, theirs


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_training_steps_match_torch(momentum: float | None) -> None:
    torch, ours, theirs = _pair(momentum)
    rng = np.random.default_rng(1)
    for step in range(4):
        x = rng.normal(2.0 + step, 3.0, size=(4, 3, 5, 6))
        w = rng.normal(size=x.shape)
        xo = Tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        (yo * w).sum().backward()
        (yt * torch.from_numpy(w)).sum().backward()
        np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), rtol=1e-10)
        ours.zero_grad()
        theirs.zero_grad()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-12)


def test_eval_uses_running_statistics_like_torch() -> None:
    torch, ours, theirs = _pair()
    x = np.random.default_rng(2).normal(1.0, 2.0, size=(8, 3, 4, 4))
    ours(Tensor(x))
    theirs(torch.from_numpy(x))
    ours.eval()
    theirs.eval()
    x2 = np.random.default_rng(3).normal(size=(2, 3, 4, 4))
    xo = Tensor(x2, requires_grad=True)
    xt = torch.tensor(x2, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-12)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-12)
    before = ours.running_mean.copy()
    ours(Tensor(x2))
    np.testing.assert_array_equal(ours.running_mean, before)  # eval never updates


def test_normalises_each_channel_over_batch_and_space() -> None:
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    x = np.random.default_rng(4).normal(5.0, 3.0, size=(6, 2, 3, 3))
    y = bn(Tensor(x)).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1.0, rtol=1e-4)


def test_gradcheck_training_mode() -> None:
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    x = Tensor(np.random.default_rng(5).normal(size=(3, 2, 2, 3)), requires_grad=True)
    assert ag.gradcheck(lambda t: bn(t), x)
    assert ag.gradgradcheck(lambda t: bn(t), x)


def test_bad_shapes_name_the_rule() -> None:
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"4 dimensions.*\(2, 3, 4\)"):
        bn(Tensor(np.zeros((2, 3, 4))))
    with pytest.raises(ValueError, match="4 channels"):
        bn(Tensor(np.zeros((2, 4, 3, 3))))
