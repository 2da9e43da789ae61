"""nn.Linear keeps its weight column-major: PyTorch's shape (out, in) over the memory of
an (in, out) matrix, so the forward x W^T multiplies two row-major operands.

What must hold: the shape, values and gradients are PyTorch's whatever the layout; the
gradient arrives in the weight's own layout and owns its memory (so the optimizer's
``w -= lr g`` walks both in order, and no leaf shares a buffer); the optimizers keep the
layout, step after step; a weight a user replaces with a row-major array works the same.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn


def _grads(lin: nn.Linear, x: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, ...]:
    for p in lin.parameters():
        p.grad = None
    xt = ag.tensor(x, requires_grad=True)
    (lin(xt) * ag.tensor(gy)).sum().backward()
    return xt.grad.data, lin.weight.grad.data, lin.bias.grad.data


def test_weight_is_out_by_in_over_column_major_memory() -> None:
    lin = nn.Linear(5, 3, rng=0)
    w = lin.weight.data
    assert w.shape == (3, 5) and w.flags.f_contiguous and not w.flags.c_contiguous
    assert lin.weight.T.data.flags.c_contiguous  # W^T: the (in, out) matrix itself


def test_the_initial_values_do_not_depend_on_the_layout() -> None:
    """kaiming_uniform_ fills by shape: the same numbers as a row-major weight got."""
    w = nn.Linear(7, 4, rng=3).weight.data
    bound = 1.0 / np.sqrt(7)  # gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in)
    expected = ag.random.as_generator(3).uniform(-bound, bound, (4, 7))
    np.testing.assert_allclose(w, expected.astype(w.dtype), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_match_a_row_major_weight(dtype: type) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 5)).astype(dtype)
    gy = rng.standard_normal((6, 3)).astype(dtype)
    column = nn.Linear(5, 3, rng=0, dtype=dtype)
    row = nn.Linear(5, 3, rng=0, dtype=dtype)
    row.weight = nn.Parameter(np.ascontiguousarray(row.weight.data))  # a user's array
    assert row.weight.data.flags.c_contiguous
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(_grads(column, x, gy), _grads(row, x, gy)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    np.testing.assert_allclose(column(ag.tensor(x)).data, row(ag.tensor(x)).data, rtol=tol)


def test_the_gradient_has_the_weights_layout_and_its_own_memory() -> None:
    lin = nn.Linear(5, 3, rng=0)
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
    lin = nn.Linear(5, 3, rng=0, dtype=np.float64)
    opt = make(lin.parameters())
    x = np.random.default_rng(2).standard_normal((4, 5))
    for _ in range(3):
        opt.zero_grad()
        before = lin.weight.data.copy()
        (lin(ag.tensor(x)) ** 2).sum().backward()
        g = lin.weight.grad.data.copy()
        opt.step()
        assert lin.weight.data.flags.f_contiguous
    if isinstance(opt, nn.optim.SGD) and opt.param_groups[0]["momentum"] == 0:
        np.testing.assert_array_equal(lin.weight.data, before - 0.1 * g)  # bit for bit
