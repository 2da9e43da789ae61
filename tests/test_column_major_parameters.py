"""Parameters whose memory is not row-major (a weight assigned from a transposed array).

nn.Linear makes its weight row-major, as PyTorch does. A user may still give it a
column-major one (``nn.Parameter(W_in_out.T)``). What must hold then: values and
gradients are the same as with a row-major weight; the gradient arrives in the weight's
own layout and owns its memory (the optimizer's ``w -= lr g`` walks both in order, and no
leaf shares a buffer); optimizers keep the layout; and the numerical gradient checker
nudges such an array in place (it used to flatten it with ``reshape(-1)``, a copy, so its
nudges never reached the function).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn


def _column_major(lin: nn.Linear) -> nn.Linear:
    lin.weight = nn.Parameter(np.asfortranarray(lin.weight.data))
    w = lin.weight._data
    assert w.flags.f_contiguous and not w.flags.c_contiguous
    return lin


def _grads(lin: nn.Linear, x: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, ...]:
    for p in lin.parameters():
        p.grad = None
    xt = ag.tensor(x, requires_grad=True)
    (lin(xt) * ag.tensor(gy)).sum().backward()
    return xt.grad.data, lin.weight.grad.data, lin.bias.grad.data


def test_linear_weight_is_row_major_as_in_pytorch() -> None:
    """(So that w.data.reshape(-1) is a view that writes through, as w.view(-1) is.)"""
    lin = nn.Linear(5, 3, rng=0)
    assert lin.weight.data.flags.c_contiguous
    flat = lin.weight.data.reshape(-1)
    flat[0] = 42.0
    assert lin.weight.data[0, 0] == 42.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_match_a_row_major_weight(dtype: type) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 5)).astype(dtype)
    gy = rng.standard_normal((6, 3)).astype(dtype)
    column = _column_major(nn.Linear(5, 3, rng=0, dtype=dtype))
    row = nn.Linear(5, 3, rng=0, dtype=dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(_grads(column, x, gy), _grads(row, x, gy)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    np.testing.assert_allclose(column(ag.tensor(x)).data, row(ag.tensor(x)).data, rtol=tol)


def test_the_gradient_has_the_weights_layout_and_its_own_memory() -> None:
    lin = _column_major(nn.Linear(5, 3, rng=0))
    _grads(lin, np.ones((4, 5)), np.ones((4, 3)))
    g = lin.weight.grad._data  # (the array itself: .data is a fresh view of it)
    assert g.flags.f_contiguous and not g.flags.c_contiguous
    assert g.flags.owndata  # not a view of another node's array


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda ps: nn.optim.SGD(ps, lr=0.1), id="sgd"),
        pytest.param(lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9), id="momentum"),
        pytest.param(lambda ps: nn.optim.Adam(ps, lr=0.01), id="adam"),
    ],
)
def test_optimizers_keep_the_layout_and_apply_the_exact_rule(make) -> None:
    lin = _column_major(nn.Linear(5, 3, rng=0, dtype=np.float64))
    opt = make(lin.parameters())
    x = np.random.default_rng(2).standard_normal((4, 5))
    for _ in range(3):
        opt.zero_grad()
        before = lin.weight.data.copy()
        (lin(ag.tensor(x)) ** 2).sum().backward()
        g = lin.weight.grad.data.copy()
        opt.step()
        assert lin.weight._data.flags.f_contiguous
    if isinstance(opt, nn.optim.SGD) and opt.param_groups[0]["momentum"] == 0:
        np.testing.assert_array_equal(lin.weight.data, before - 0.1 * g)  # bit for bit


def test_gradcheck_nudges_a_column_major_parameter_in_place() -> None:
    """The reported defect: numerical_grad flattened a Parameter with reshape(-1), which
    copies a column-major array, so its nudges never reached the model (numeric 0)."""
    lin = _column_major(nn.Linear(4, 5, dtype=np.float64, rng=0))
    x = ag.tensor(np.random.default_rng(0).standard_normal((3, 4)))
    w = lin.weight
    before = w._data

    def loss(*_: ag.Tensor) -> ag.Tensor:
        return (lin(x) ** 2).sum()

    (numeric_w, numeric_b) = ag.numerical_grad(loss, [w, lin.bias])
    loss().backward()
    np.testing.assert_allclose(numeric_w, w.grad.data, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(numeric_b, lin.bias.grad.data, rtol=1e-6, atol=1e-8)
    assert w._data is before  # nudged and restored in place: nothing else changed
    assert ag.gradcheck(loss, [w, lin.bias])


def test_gradcheck_on_a_transposed_tensor_keeps_its_array() -> None:
    base = np.random.default_rng(1).standard_normal((4, 3))
    t = ag.Tensor(base.T, requires_grad=True)  # a non-contiguous view
    before = t._data
    (numeric,) = ag.numerical_grad(lambda a: (a**3).sum(), [t])
    np.testing.assert_allclose(numeric, 3 * base.T**2, rtol=1e-6)
    assert t._data is before
