"""The short route of the Tensor operators: when nothing is recorded (inside backward,
under ``no_grad``, or no operand requires grad) ``+ - * /`` and ``-x`` run the ufunc on
the arrays directly. They must give exactly what the recorded route gives: the same
values, the same dtype (numbers take the Tensor's float dtype), the same errors."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd.ops import arithmetic as ar

OPS = [
    (operator.add, ar.Add),
    (operator.sub, ar.Sub),
    (operator.mul, ar.Mul),
    (operator.truediv, ar.Div),
]
OPERANDS = [
    2.5,
    3,
    np.float64(0.1),
    np.float32(4.0),
    np.array([1, 2, 3]),
    np.array([True, False, True]),
    np.array(0.5),
    [1.0, 2.0, 3.0],
]


def _pair(x: Tensor, other: Any, op: Any, cls: Any, reflected: bool) -> tuple[Tensor, Tensor]:
    short = op(other, x) if reflected else op(x, other)
    recorded = cls.apply(other, x) if reflected else cls.apply(x, other)
    return short, recorded


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("op,cls", OPS)
@pytest.mark.parametrize("other", OPERANDS, ids=repr)
@pytest.mark.parametrize("reflected", [False, True])
def test_same_result_as_the_recorded_route(
    dtype: Any, op: Any, cls: Any, other: Any, reflected: bool
) -> None:
    x = Tensor(np.array([1.5, -2.0, 4.0]).astype(dtype), dtype=dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        short, recorded = _pair(x, other, op, cls, reflected)
    assert short.dtype == recorded.dtype
    np.testing.assert_array_equal(short.data, recorded.data)
    assert not short.requires_grad and short.grad_fn is None


def test_inside_backward_and_under_no_grad_the_result_is_a_constant() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        y = w * 2.0 - 1.0
    assert y.grad_fn is None and not y.requires_grad
    np.testing.assert_array_equal(y.data, np.float32([1.0, 3.0]))
    z = w * 2.0  # recorded: grad mode on and w requires grad
    assert z.grad_fn is not None and z.op == "*"
    np.testing.assert_array_equal((-w).data, -w.data)
    with ag.no_grad():
        assert (-w).grad_fn is None


def test_errors_name_the_op_and_shapes_on_the_short_route() -> None:
    a, b = Tensor(np.ones(2)), Tensor(np.ones(3))
    with ag.no_grad(), pytest.raises(ValueError, match=r"\*: .*input shapes: \(2,\), \(3,\)"):
        a * b


def test_anomaly_mode_still_checks_unrecorded_ops() -> None:
    a = Tensor([0.0])
    with ag.detect_anomaly(), np.errstate(invalid="ignore"), pytest.raises(ag.AnomalyError):
        a / a
