"""``Tensor.to`` / ``.cpu()`` / ``.device`` and ``Module.to`` / ``.cpu()`` / ``.double()``:
the CPU is a no-op, a dtype casts (gradients flow), other devices are refused clearly."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor


@pytest.mark.parametrize("device", ["cpu", "cpu:0", " cpu "])
def test_tensor_to_cpu_is_a_no_op(device: str) -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    assert x.to(device) is x
    assert x.to(device=device) is x
    assert x.cpu() is x
    assert x.device == "cpu"


def test_tensor_to_torch_cpu_device_object() -> None:
    torch = pytest.importorskip("torch")
    x = Tensor(np.ones(3))
    assert x.to(torch.device("cpu")) is x
    assert x.to(torch.device("cpu", 0)) is x


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps", 0, "gpu"])
def test_tensor_to_other_device_says_cpu_only(device: object) -> None:
    x = Tensor(np.ones(3))
    with pytest.raises(ValueError, match="runs on the CPU only.*device='cpu'"):
        x.to(device)


def test_tensor_to_torch_cuda_device_object_refused() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="cuda.*CPU only"):
        Tensor(np.ones(3)).to(torch.device("cuda"))


def test_tensor_to_dtype_casts_and_gradient_flows_like_torch() -> None:
    torch = pytest.importorskip("torch")
    data = np.array([0.5, -1.25, 2.0], dtype=np.float32)
    x = Tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    for dtype_ours, dtype_torch in ((np.float64, torch.float64), (torch.float64, torch.float64)):
        x.grad, tx.grad = None, None
        y = x.to(dtype_ours)
        ty = tx.to(dtype_torch)
        assert y.dtype == np.float64 and y is not x
        (y * y * 3.0).sum().backward()
        (ty * ty * 3.0).sum().backward()
        assert x.grad.dtype == np.float32
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6)
    # the other accepted spellings
    assert x.to("float64").dtype == np.float64
    assert x.to("cpu", np.float64).dtype == np.float64
    assert x.to(device="cpu", dtype=np.float64, non_blocking=True).dtype == np.float64
    assert x.to(Tensor(np.zeros(1, dtype=np.float64))).dtype == np.float64
    assert x.to(torch.zeros(1, dtype=torch.float64)).dtype == np.float64
    assert x.to(np.float32) is x  # same dtype: self, as torch
    assert tx.to(torch.float32) is tx


def test_tensor_to_copy_returns_a_new_tensor() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    y = x.to("cpu", copy=True)
    assert y is not x and not np.shares_memory(y.data, x.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_tensor_to_bad_arguments() -> None:
    x = Tensor(np.ones(2))
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to("cpu", memory_format=None)
    with pytest.raises(TypeError, match="device.*dtype"):
        x.to(3.5)
    with pytest.raises(TypeError, match="at most"):
        x.to("cpu", np.float64, False, False)


# ----------------------------------------------------------------------------- Module
def test_module_to_cpu_is_a_no_op() -> None:
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.BatchNorm1d(3))
    before = {k: v.copy() for k, v in model.state_dict().items()}
    weight = model[0].weight
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(device="cpu:0") is model
    assert model[0].weight is weight
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
        assert v.dtype == before[k].dtype


def test_module_to_other_device_refused_and_unchanged() -> None:
    model = nn.Linear(2, 3, rng=0)
    with pytest.raises(ValueError, match="Linear.to: device 'cuda'.*CPU only"):
        model.to("cuda", np.float64)
    assert model.weight.dtype == np.float32


def test_module_to_dtype_casts_in_place_like_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3, rng=0), nn.BatchNorm1d(3))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    ours.load_state_dict(theirs.state_dict())
    weight = ours[0].weight
    ours[0].weight.grad = Tensor(np.ones((3, 2), dtype=np.float32))
    assert ours.to(torch.float64) is ours
    theirs.to(torch.float64)
    assert ours[0].weight is weight  # same Parameter object, new dtype
    assert weight.grad.dtype == np.float64
    for (k, v), (tk, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == tk
        assert v.dtype == tv.numpy().dtype, k  # float buffers cast, the int counter not
    x = np.random.default_rng(0).normal(size=(4, 2))
    out = ours(Tensor(x)).data
    expected = theirs(torch.tensor(x)).detach().numpy()
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert ours.float() is ours and ours[0].weight.dtype == np.float32
    assert ours.double()[0].bias.dtype == np.float64


def test_module_to_has_no_copy_keyword() -> None:
    model = nn.Linear(2, 2, rng=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'copy'"):
        model.to(np.float64, copy=True)
    assert model.weight.dtype == np.float32
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="copy"):
        torch.nn.Linear(2, 2).to(torch.float64, copy=True)


def test_module_to_integer_dtype_refused() -> None:
    model = nn.Linear(2, 2, rng=0)
    with pytest.raises(TypeError, match="floating"):
        model.to(np.int64)
    assert model.weight.dtype == np.float32


def test_module_double_trains() -> None:
    model = nn.Linear(2, 1, rng=0).double()
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = (model(Tensor(np.ones((1, 2)))) ** 2).sum()
    loss.backward()
    assert model.weight.grad.dtype == np.float64
    opt.step()
    assert model.weight.dtype == np.float64


def test_lstm_to_float64_matches_torch_double() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LSTM(3, 4, batch_first=True).double()
    ours = nn.LSTM(3, 4, batch_first=True)
    ours.load_state_dict(theirs.state_dict())
    ours.to(torch.float64)
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    out = ours(Tensor(x))[0]
    assert out.dtype == np.float64
    np.testing.assert_allclose(
        out.data, theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-12, atol=1e-14
    )
