"""``import deltagrad as torch``: PyTorch programs run with their import lines changed.

Each test is a piece of a well-known PyTorch tutorial, run through deltagrad's
PyTorch-shaped namespace and (where PyTorch is installed) compared with PyTorch itself.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import autograd
import deltagrad
import nn

# --------------------------------------------------------------------------- namespace


def test_submodules_are_the_packages_themselves() -> None:
    import deltagrad.nn as dnn
    import deltagrad.nn.functional as F
    import deltagrad.optim as optim
    import nn.functional
    from deltagrad.optim.lr_scheduler import StepLR
    from deltagrad.utils.data import DataLoader, TensorDataset

    assert dnn is nn and F is nn.functional and optim is nn.optim
    assert deltagrad.autograd is autograd and deltagrad.autograd.Function is autograd.Function
    assert DataLoader is nn.data.DataLoader and TensorDataset is nn.data.TensorDataset
    assert StepLR is nn.optim.lr_scheduler.StepLR
    assert deltagrad.utils.data is nn.data
    # one module object per file: nothing was loaded twice under a second name
    assert sys.modules["deltagrad.nn.functional"] is nn.functional
    assert nn.functional.__spec__.name == "nn.functional"


def test_a_missing_submodule_is_named_under_deltagrad() -> None:
    with pytest.raises(ModuleNotFoundError, match="deltagrad.nn.no_such_module"):
        import deltagrad.nn.no_such_module  # noqa: F401


def test_engine_names_are_top_level() -> None:
    for name in (
        "tensor",
        "zeros",
        "linspace",
        "manual_seed",
        "no_grad",
        "float32",
        "long",
        "device",
        "Generator",
        "cat",
        "stack",
        "save",
        "load",
        "sort",
        "mm",
    ):
        assert getattr(deltagrad, name) is getattr(autograd, name), name


# --------------------------------------------------------------------------- devices


def test_device_is_the_cpu_and_nothing_else() -> None:
    cpu = autograd.device("cpu")
    assert cpu == "cpu" and cpu == autograd.device("cpu:0") and str(cpu) == "cpu"
    assert autograd.zeros(2).device == "cpu" and autograd.zeros(2).device == cpu
    with pytest.raises(ValueError, match="CPU only"):
        autograd.device("cuda")
    with pytest.raises(ValueError, match="CPU only"):
        autograd.ones(3, device="cuda")
    with pytest.raises(ValueError, match="CPU only"):
        autograd.Generator(device="mps")


def test_factories_take_device_and_give_the_same_values() -> None:
    torch = pytest.importorskip("torch")
    got = autograd.linspace(-math.pi, math.pi, 7, device="cpu", dtype=autograd.float64)
    want = torch.linspace(-math.pi, math.pi, 7, device="cpu", dtype=torch.float64)
    np.testing.assert_allclose(got.data, want.numpy(), rtol=0, atol=1e-15)
    for make in (autograd.zeros, autograd.ones, autograd.empty):
        assert make(2, 3, device=autograd.device("cpu")).shape == (2, 3)
    assert autograd.full((), 0.3, device="cpu", requires_grad=True).requires_grad


def test_generator_objects_seed_their_own_stream() -> None:
    g1 = autograd.Generator().manual_seed(2024)
    g2 = autograd.Generator(device="cpu").manual_seed(2024)
    a, b = autograd.randn(5, generator=g1), autograd.randn(5, generator=g2)
    np.testing.assert_array_equal(a.data, b.data)
    assert g1.initial_seed() == 2024
    ds = nn.data.TensorDataset(np.arange(20.0))
    split1 = nn.data.random_split(ds, [0.75, 0.25], generator=autograd.Generator().manual_seed(1))
    split2 = nn.data.random_split(ds, [0.75, 0.25], generator=autograd.Generator().manual_seed(1))
    assert list(split1[0].indices) == list(split2[0].indices)


# --------------------------------------------------------------------------- Function


def legendre_p3(function_base: type) -> type:
    """The tutorial's custom op, in PyTorch's static form, on either library's Function."""

    class LegendreP3(function_base):
        @staticmethod
        def forward(ctx, input):  # noqa: A002
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors  # noqa: A001
            return grad_output * 1.5 * (5 * input**2 - 1)

    return LegendreP3


LegendreP3 = legendre_p3(autograd.Function)


def test_pytorch_style_function_gives_value_gradient_and_second_derivative() -> None:
    x = autograd.tensor([0.3, -1.2, 2.0], dtype=autograd.float64, requires_grad=True)
    y = LegendreP3.apply(x)
    np.testing.assert_allclose(y.data, 0.5 * (5 * x.data**3 - 3 * x.data))
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 1.5 * (5 * x.data**2 - 1))
    (g2,) = autograd.grad(g.sum(), x)  # the backward was written with Tensor ops
    np.testing.assert_allclose(g2.data, 15 * x.data)
    assert autograd.gradcheck(LegendreP3.apply, x)


def test_pytorch_style_forward_runs_outside_the_graph_and_can_use_tensor_methods() -> None:
    class MyReLU(autograd.Function):
        @staticmethod
        def forward(ctx, input):  # noqa: A002
            assert not autograd.is_grad_enabled()
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors  # noqa: A001
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    x = autograd.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    MyReLU.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])
    assert autograd.is_grad_enabled()


def test_dezero_style_call_of_an_op_instance() -> None:
    class Square(autograd.Function):
        def forward(self, x):
            self.save(x)
            return x * x

        def backward(self, gy):
            (x,) = self.saved_tensors
            return 2 * x * gy

    x = autograd.tensor(3.0, requires_grad=True)
    Square()(x).backward()
    assert x.grad.item() == 6.0


# --------------------------------------------------------------------------- Tensor calls


def test_sort_softmax_diag_mm_against_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.array([[3.0, -1.0, 2.0, 2.0], [0.5, 4.0, -2.0, 1.0], [1.0, 1.0, 0.0, 9.0]])
    w = np.arange(12.0).reshape(3, 4) - 5
    cases = [
        (lambda t: t.sort(dim=1).values, lambda t: t.sort(dim=1).values),
        (lambda t: t.sort(0, descending=True)[0], lambda t: t.sort(0, descending=True)[0]),
        (lambda t: t.softmax(dim=1), lambda t: t.softmax(dim=1)),
        (lambda t: t.log_softmax(0), lambda t: t.log_softmax(0)),
        (lambda t: t.diag(), lambda t: t.diag()),
        (lambda t: t.diag(1), lambda t: t.diag(1)),
        (lambda t: t[0].diag(-1), lambda t: t[0].diag(-1)),
        (lambda t: t.mm(t.t()), lambda t: t.mm(t.t())),
        (lambda t: t.view_as(t.t()), lambda t: t.view_as(t.t())),
    ]
    for ours, theirs in cases:
        x = autograd.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        y, z = ours(x), theirs(t)
        np.testing.assert_allclose(y.data, z.detach().numpy(), rtol=1e-12, atol=1e-12)
        weight = np.resize(w, y.shape)
        (y * autograd.tensor(weight)).sum().backward()
        (z * torch.tensor(weight)).sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-12)
    v, i = autograd.tensor(a).sort(dim=1)
    want = torch.tensor(a).sort(dim=1, stable=True)[1]
    assert i.dtype == np.int64 and i.tolist() == want.tolist()


def test_descending_sort_of_booleans_and_integers_as_torch() -> None:
    torch = pytest.importorskip("torch")
    for values in ([True, False, True, False], [3, -1, 3, 0]):
        v, i = autograd.tensor(values).sort(descending=True)
        tv, ti = torch.tensor(values).sort(descending=True, stable=True)
        assert v.tolist() == tv.tolist() and i.tolist() == ti.tolist()


def test_a_one_element_integer_tensor_is_an_index() -> None:
    assert ["a", "b", "c"][autograd.tensor(2)] == "c"
    assert list(range(autograd.tensor([3]))) == [0, 1, 2]
    with pytest.raises(TypeError, match="integer"):
        ["a", "b"][autograd.tensor(1.0)]


def test_chained_indexing_writes_into_the_tensor() -> None:
    # the char-RNN tutorial's one-hot encoding and confusion matrix
    t = autograd.zeros(3, 1, 4)
    t[1][0][2] = 1
    confusion = autograd.zeros(2, 2)
    confusion[1][0] += 1
    confusion[1][0] += 1
    assert t.data[1, 0, 2] == 1 and t.data.sum() == 1
    assert confusion.tolist() == [[0.0, 0.0], [2.0, 0.0]]


def test_load_accepts_torch_keywords(tmp_path) -> None:
    model = nn.Linear(2, 3)
    path = tmp_path / "model.pth"
    autograd.save(model.state_dict(), path)
    other = nn.Linear(2, 3)
    other.load_state_dict(autograd.load(path, weights_only=True, map_location="cpu"))
    np.testing.assert_array_equal(other.weight.data, model.weight.data)
    with pytest.raises(ValueError, match="CPU only"):
        autograd.load(path, map_location="cuda:0")


def test_loader_batches_and_dataset_items_are_tensors() -> None:
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    ds = nn.data.TensorDataset(x, y)
    xb, yb = next(iter(nn.data.DataLoader(ds, batch_size=4)))
    assert isinstance(yb, autograd.Tensor) and yb.dtype == np.int64
    assert yb.to("cpu") is yb
    x0, y0 = ds[0]
    assert isinstance(x0, autograd.Tensor) and x0.to("cpu").tolist() == [0.0, 1.0]
    assert int(y0) == 0


# --------------------------------------------------------------------------- a whole program


def test_polynomial_tutorial_matches_pytorch_step_for_step() -> None:
    """'Learning PyTorch with Examples', custom Function version, with fixed start values:
    the same program text run by both libraries gives the same losses."""
    torch = pytest.importorskip("torch")

    def program(lib, function_base):
        P3 = legendre_p3(function_base)
        dtype = lib.float64
        x = lib.linspace(-math.pi, math.pi, 200, device=lib.device("cpu"), dtype=dtype)
        y = lib.sin(x)
        a = lib.full((), 0.0, dtype=dtype, requires_grad=True)
        b = lib.full((), -1.0, dtype=dtype, requires_grad=True)
        c = lib.full((), 0.0, dtype=dtype, requires_grad=True)
        d = lib.full((), 0.3, dtype=dtype, requires_grad=True)
        losses = []
        for _ in range(50):
            y_pred = a + b * P3.apply(c + d * x)
            loss = (y_pred - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with lib.no_grad():
                for p in (a, b, c, d):
                    p -= 5e-5 * p.grad
                    p.grad = None
        return losses

    ours = program(deltagrad, deltagrad.autograd.Function)
    theirs = program(torch, torch.autograd.Function)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    assert ours[-1] < 0.6 * ours[0]
