"""State dicts move between deltagrad and PyTorch: same keys, same shapes, same outputs,
in both directions (MLP and BatchNorm1d, including the running statistics)."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
from autograd import Tensor

torch = pytest.importorskip("torch")
tnn = torch.nn


class TorchMLP(tnn.Module):
    """``nn.MLP([4, 8, 8, 3])`` written in PyTorch, with the same attribute name."""

    def __init__(self, sizes: list[int] = (4, 8, 8, 3)) -> None:  # type: ignore[assignment]
        super().__init__()
        layers: list[Any] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(tnn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(tnn.ReLU())
        self.layers = tnn.Sequential(*layers)

    def forward(self, x: Any) -> Any:
        return self.layers(x)


class OursBN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(4, 6, rng=0), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2, rng=1)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)


class TorchBN(tnn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = tnn.Sequential(
            tnn.Linear(4, 6), tnn.BatchNorm1d(6), tnn.ReLU(), tnn.Linear(6, 2)
        )

    def forward(self, x: Any) -> Any:
        return self.body(x)


MLP_KEYS = [
    "layers.0.weight",
    "layers.0.bias",
    "layers.2.weight",
    "layers.2.bias",
    "layers.4.weight",
    "layers.4.bias",
]
BN_KEYS = [
    "body.0.weight",
    "body.0.bias",
    "body.1.weight",
    "body.1.bias",
    "body.1.running_mean",
    "body.1.running_var",
    "body.1.num_batches_tracked",
    "body.3.weight",
    "body.3.bias",
]


def batch(seed: int, n: int = 16, d: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).normal(loc=0.5, scale=2.0, size=(n, d)).astype(np.float32)


def to_torch(sd: dict[str, np.ndarray]) -> dict[str, Any]:
    return {k: torch.from_numpy(v) for k, v in sd.items()}


def assert_same_state(ours: nn.Module, theirs: Any) -> None:
    a, b = ours.state_dict(), theirs.state_dict()
    assert set(a) == set(b)
    for k in a:
        assert a[k].shape == tuple(b[k].shape), k
        np.testing.assert_array_equal(a[k], b[k].numpy(), err_msg=k)


# ----------------------------------------------------------------------------- MLP
def test_mlp_keys_and_shapes_match_torch() -> None:
    ours, theirs = nn.MLP([4, 8, 8, 3]), TorchMLP()
    assert list(ours.state_dict()) == MLP_KEYS == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for k, v in ours.state_dict().items():
        assert v.shape == tuple(theirs.state_dict()[k].shape)
        assert v.dtype == np.float32


def test_mlp_ours_into_torch() -> None:
    ours, theirs = nn.MLP([4, 8, 8, 3], rng=0), TorchMLP()
    result = theirs.load_state_dict(to_torch(ours.state_dict()))
    assert not result.missing_keys and not result.unexpected_keys
    assert_same_state(ours, theirs)
    x = batch(0)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def test_mlp_torch_into_ours() -> None:
    torch.manual_seed(0)
    ours, theirs = nn.MLP([4, 8, 8, 3], rng=1), TorchMLP()
    before = {n: p._data for n, p in ours.named_parameters()}
    assert ours.load_state_dict(theirs.state_dict()) == ([], [])  # torch tensors accepted
    assert all(p._data is before[n] for n, p in ours.named_parameters())  # in place
    assert_same_state(ours, theirs)
    x = batch(1)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def test_torch_parameters_with_requires_grad_load() -> None:
    ours, theirs = nn.MLP([4, 8, 8, 3]), TorchMLP()
    ours.load_state_dict(dict(theirs.named_parameters()))
    assert_same_state(ours, theirs)


def test_float64_torch_state_into_float32_model() -> None:
    ours, theirs = nn.MLP([4, 8, 8, 3]), TorchMLP().double()
    ours.load_state_dict(theirs.state_dict())
    for name, p in ours.named_parameters():
        assert p.dtype == np.float32
        np.testing.assert_allclose(p.data, theirs.get_parameter(name).detach().numpy(), rtol=1e-7)


def test_mismatched_torch_architecture_is_rejected_atomically() -> None:
    ours = nn.MLP([4, 8, 8, 3], rng=0)
    before = {k: v.copy() for k, v in ours.state_dict().items()}
    with pytest.raises(ValueError) as info:
        ours.load_state_dict(TorchMLP([4, 8, 5, 3, 2]).state_dict())
    msg = str(info.value)
    assert "layers.2.weight" in msg and "layers.6.weight" in msg
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_saved_npz_loads_into_torch(tmp_path: Path) -> None:
    ours = nn.MLP([4, 8, 8, 3], rng=2)
    path = ours.save(tmp_path / "mlp")
    with np.load(path, allow_pickle=False) as archive:
        sd = {k: torch.from_numpy(archive[k]) for k in archive.files}
    theirs = TorchMLP()
    theirs.load_state_dict(sd)
    assert_same_state(ours, theirs)


def test_gradients_after_transfer_match_torch() -> None:
    ours, theirs = nn.MLP([4, 8, 8, 3], rng=3), TorchMLP()
    theirs.load_state_dict(to_torch(ours.state_dict()))
    x = batch(2)
    ours(Tensor(x)).sum().backward()
    theirs(torch.from_numpy(x)).sum().backward()
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(
            p.grad.data, theirs.get_parameter(name).grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name
        )


# ----------------------------------------------------------------------------- BatchNorm
def train_torch(model: Any, steps: int) -> None:
    model.train()
    with torch.no_grad():
        for s in range(steps):
            model(torch.from_numpy(batch(10 + s)))


def train_ours(model: nn.Module, steps: int) -> None:
    model.train()
    for s in range(steps):
        model(Tensor(batch(10 + s)))


def test_batchnorm_keys_match_torch() -> None:
    assert set(OursBN().state_dict()) == set(BN_KEYS) == set(TorchBN().state_dict())
    bn = nn.BatchNorm1d(5).state_dict()
    tbn = tnn.BatchNorm1d(5).state_dict()
    assert list(bn) == list(tbn)
    assert bn["num_batches_tracked"].dtype == np.int64 and bn["num_batches_tracked"].shape == ()
    for k in bn:
        np.testing.assert_array_equal(bn[k], tbn[k].numpy())


def test_batchnorm_torch_into_ours() -> None:
    torch.manual_seed(0)
    theirs = TorchBN()
    with torch.no_grad():
        theirs.body[1].weight.uniform_(0.5, 1.5)
        theirs.body[1].bias.uniform_(-0.5, 0.5)
    train_torch(theirs, 3)
    ours = OursBN()
    ours.load_state_dict(theirs.state_dict())
    assert int(ours.body[1].num_batches_tracked) == 3
    assert_same_state(ours, theirs)
    ours.eval()
    theirs.eval()
    x = batch(99)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, expected, rtol=1e-5, atol=1e-5)
    # training continues identically from the loaded statistics
    ours.train()
    theirs.train()
    train_ours(ours, 2)
    train_torch(theirs, 2)
    a, b = ours.state_dict(), theirs.state_dict()
    for k in ("body.1.running_mean", "body.1.running_var"):
        np.testing.assert_allclose(a[k], b[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    assert int(a["body.1.num_batches_tracked"]) == 5


def test_batchnorm_ours_into_torch() -> None:
    ours = OursBN()
    ours.body[1].weight.data = np.linspace(0.5, 1.5, 6)
    ours.body[1].bias.data = np.linspace(-0.2, 0.3, 6)
    train_ours(ours, 4)
    assert int(ours.body[1].num_batches_tracked) == 4
    theirs = TorchBN()
    result = theirs.load_state_dict(to_torch(ours.state_dict()))
    assert not result.missing_keys and not result.unexpected_keys
    assert int(theirs.body[1].num_batches_tracked) == 4
    assert_same_state(ours, theirs)
    ours.eval()
    theirs.eval()
    x = batch(98)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(Tensor(x)).data, expected, rtol=1e-5, atol=1e-5)


def test_batchnorm_running_stats_after_identical_training_match() -> None:
    ours, theirs = OursBN(), TorchBN()
    theirs.load_state_dict(to_torch(ours.state_dict()))
    train_ours(ours, 5)
    train_torch(theirs, 5)
    a, b = ours.state_dict(), theirs.state_dict()
    for k in BN_KEYS:
        np.testing.assert_allclose(a[k], b[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


# ----------------------------------------------------------------------------- traversal order
def test_named_modules_and_parameters_order_match_torch() -> None:
    class Ours(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4))
            self.scale = nn.Parameter(np.ones(4))
            self.heads = nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 1)])
            self.bn = nn.BatchNorm1d(4)

    class Theirs(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = tnn.Sequential(tnn.Linear(3, 4), tnn.Tanh(), tnn.Linear(4, 4))
            self.scale = tnn.Parameter(torch.ones(4))
            self.heads = tnn.ModuleList([tnn.Linear(4, 2), tnn.Linear(4, 1)])
            self.bn = tnn.BatchNorm1d(4)

    ours, theirs = Ours(), Theirs()
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert set(ours.state_dict()) == set(theirs.state_dict())
    theirs.load_state_dict(to_torch(ours.state_dict()))
    ours.load_state_dict(theirs.state_dict())


def test_state_dict_key_order_matches_torch_with_buffers() -> None:
    ours = nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 3))
    theirs = tnn.Sequential(tnn.BatchNorm1d(3), tnn.Linear(3, 3))
    assert list(ours.state_dict()) == list(theirs.state_dict())


class TiedOurs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(3, 3)
        self.dec = self.enc


class TiedTorch(tnn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = tnn.Linear(3, 3)
        self.dec = self.enc


def test_tied_module_state_dict_keys_match_torch() -> None:
    ours, theirs = TiedOurs(), TiedTorch()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())


def test_tied_module_parameters_listed_once_like_torch() -> None:
    ours, theirs = TiedOurs(), TiedTorch()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 2


def test_sequential_slice_keeps_names_like_torch() -> None:
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    theirs = tnn.Sequential(tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(3, 1))
    assert list(ours[1:].state_dict()) == list(theirs[1:].state_dict())


def test_sequential_from_ordered_dict_keys_match_torch() -> None:
    ours = nn.Sequential(
        OrderedDict([("fc1", nn.Linear(2, 3)), ("act", nn.ReLU()), ("fc2", nn.Linear(3, 1))])
    )
    theirs = tnn.Sequential(
        OrderedDict([("fc1", tnn.Linear(2, 3)), ("act", tnn.ReLU()), ("fc2", tnn.Linear(3, 1))])
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    assert_same_state(ours, theirs)
