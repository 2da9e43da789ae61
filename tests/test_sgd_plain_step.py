"""Plain SGD (no momentum, weight decay or maximize) takes a shorter road through
``SGD.step``; it must be the general step exactly: the same numbers to the bit, the
same state entries, and the same refusals before anything is written."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD
from nn.optim.optimizer import Optimizer


def _params(dtype: type, grad_dtype: type, order: str) -> list[Tensor]:
    rng = np.random.default_rng(7)
    out = []
    # (the last is over 64 KB in either dtype: its product goes through the commit buffer)
    for shape in [(5, 3), (3,), (2, 4, 3), (160, 120)]:
        p = Tensor(rng.normal(size=shape).astype(dtype), requires_grad=True)
        p._data = np.asarray(p._data, order=order)  # the array slot: .data would copy
        p.grad = Tensor(rng.normal(size=shape).astype(grad_dtype))
        out.append(p)
    return out


@pytest.mark.parametrize(
    "dtype, grad_dtype, order, lr",
    [
        (np.float32, np.float32, "C", 0.1),
        (np.float64, np.float64, "C", 0.37),
        (np.float32, np.float64, "C", 0.1),  # a float64 gradient for a float32 weight
        (np.float32, np.float32, "F", 0.1),  # a column-major parameter
        (np.float32, np.float32, "C", np.float64(0.1)),  # a NumPy learning rate
        (np.float64, np.float64, "C", 1),  # an int learning rate
    ],
)
def test_plain_step_equals_the_general_step(dtype, grad_dtype, order, lr) -> None:
    fast, general = _params(dtype, grad_dtype, order), _params(dtype, grad_dtype, order)
    opt_fast, opt_general = SGD(fast, lr=lr), SGD(general, lr=lr)
    for _ in range(3):
        opt_fast.step()
        Optimizer.step(opt_general)  # the general road, bypassing SGD's shortcut
    for a, b in zip(fast, general):
        assert a._data.dtype == b._data.dtype == dtype
        np.testing.assert_array_equal(a._data, b._data)
    assert [opt_fast.state[p] for p in fast] == [opt_general.state[p] for p in general]
    assert all(opt_fast.state[p] == {} for p in fast)


def test_plain_step_skips_parameters_without_gradient() -> None:
    params = _params(np.float64, np.float64, "C")
    params[1].grad = None
    before = params[1]._data.copy()
    SGD(params, lr=0.1).step()
    np.testing.assert_array_equal(params[1]._data, before)


def test_update_that_cannot_be_stored_changes_nothing() -> None:
    params = _params(np.float32, np.float32, "C")
    params[-1].grad = np.ones(params[-1].shape, dtype=np.complex128)  # a raw array, by hand
    before = [p._data.copy() for p in params]
    opt = SGD(params, lr=0.1)
    with pytest.raises(TypeError, match=r"SGD\.step: .*float32.*complex128.*No parameter"):
        opt.step()
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p._data, b)
    assert opt.state == {}


def test_any_group_with_momentum_takes_the_general_step() -> None:
    params = _params(np.float64, np.float64, "C")
    opt = SGD([{"params": params[:1]}, {"params": params[1:], "momentum": 0.9}], lr=0.1)
    opt.step()
    assert "momentum_buffer" in opt.state[params[1]]
    assert opt.state[params[0]] == {}
