"""Assigning ``.data`` and casting with ``astype`` (issue 11 rows 6 and 8)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor


def _x3_plus_exp(x: Tensor) -> Tensor:
    return x**3 + x.exp()


def test_data_assignment_of_a_numpy_scalar_keeps_an_array() -> None:
    x = Tensor(np.float64(1.6), requires_grad=True)
    x.data = x.data - 0.1  # NumPy gives a float64 scalar here, not an array
    assert isinstance(x.data, np.ndarray) and x.data.dtype == np.float64 and x.shape == ()
    (g,) = ag.grad(_x3_plus_exp(x), x, create_graph=True)
    (gg,) = ag.grad(g, x)
    # d/dx (x^3 + e^x) = 3x^2 + e^x;  d2/dx2 = 6x + e^x, at x = 1.5
    assert g.item() == pytest.approx(3 * 1.5**2 + math.exp(1.5), rel=1e-12)
    assert gg.item() == pytest.approx(6 * 1.5 + math.exp(1.5), rel=1e-12)


def test_data_assignment_of_a_python_float() -> None:
    x = Tensor(np.float64(0.0), requires_grad=True)
    x.data = 1.5
    assert isinstance(x.data, np.ndarray) and x.dtype == np.float64
    _x3_plus_exp(x).backward()
    assert x.grad.item() == pytest.approx(3 * 1.5**2 + math.exp(1.5), rel=1e-12)


def test_data_assignment_casts_to_the_tensor_dtype() -> None:
    x = Tensor(np.zeros(3, dtype=np.float32))
    x.data = np.array([1.0, 2.0, 3.0])  # float64
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])
    x.data = Tensor(np.array([4.0, 5.0, 6.0]))
    np.testing.assert_array_equal(x.data, [4.0, 5.0, 6.0])
    assert x.dtype == np.float32


def test_data_assignment_refuses_a_shape_change() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    before = x._data
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*shape \(2, 3\)") as err:
        x.data = np.zeros((3, 2))
    assert "Tensor(" in str(err.value)  # names the fix: make a new Tensor
    assert x._data is before and x.shape == (2, 3)  # a failed call changes nothing
    with pytest.raises(ValueError, match="shape"):
        x.data = 1.0  # a scalar into a (2, 3) Tensor is a shape change too


def test_parameter_data_assignment_writes_in_place() -> None:
    lin = nn.Linear(3, 2, rng=0)
    live = lin.weight._data
    lin.weight.data = np.ones((2, 3))  # float64 into the float32 parameter
    assert lin.weight._data is live and lin.weight.dtype == np.float32
    np.testing.assert_array_equal(live, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*shape \(2, 3\)"):
        lin.weight.data = np.zeros((3, 2))
    np.testing.assert_array_equal(live, np.ones((2, 3)))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_astype_to_integer_or_bool_is_a_constant(dtype: type) -> None:
    x = Tensor([0.5, 1.5, 2.0], requires_grad=True)
    y = x.astype(dtype)
    assert y.dtype == np.dtype(dtype)
    assert not y.requires_grad and y.grad_fn is None
    z = ag.astype(x, dtype)
    assert not z.requires_grad


def test_astype_to_integer_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    xt = torch.tensor([0.5, 1.5], requires_grad=True)
    assert xt.to(torch.int64).requires_grad is False
    x = Tensor([0.5, 1.5], requires_grad=True)
    assert x.astype(np.int64).requires_grad is False
    np.testing.assert_array_equal(x.astype(np.int64).data, xt.to(torch.int64).numpy())


def test_astype_between_floats_stays_differentiable() -> None:
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [1.0, 3.0])
