"""Errors a user can cause: each must be a ValueError/TypeError whose message names the
op, the shapes involved and what to do -- and ``detect_anomaly()`` must point at the op
and the line of user code where a NaN/Inf was born."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import AnomalyError, Tensor, detect_anomaly


def f64(a: Any, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _line() -> int:
    """The caller's current line number."""
    return sys._getframe(1).f_lineno


A = f64(np.ones((2, 3)))


# ----------------------------------------------------------------------------- shapes
@pytest.mark.parametrize(
    ("fn", "op", "shapes"),
    [
        pytest.param(
            lambda: A @ f64(np.ones((4, 5))), "matmul", ["(2, 3)", "(4, 5)"], id="matmul_2d"
        ),
        pytest.param(
            lambda: f64(np.ones((5, 2, 3))) @ f64(np.ones((5, 4, 2))),
            "matmul",
            ["(5, 2, 3)", "(5, 4, 2)"],
            id="matmul_batched",
        ),
        pytest.param(
            lambda: f64(np.ones(3)) @ f64(np.ones(4)), "matmul", ["(3,)", "(4,)"], id="matmul_1d"
        ),
        pytest.param(lambda: f64(np.ones(3)) @ f64(2.0), "matmul", ["(3,)", "()"], id="matmul_0d"),
        pytest.param(lambda: A + f64(np.ones(4)), "+", ["(2, 3)", "(4,)"], id="add"),
        pytest.param(lambda: A - np.ones((3, 2)), "-", ["(2, 3)", "(3, 2)"], id="sub"),
        pytest.param(lambda: A * f64(np.ones((3, 1))), "*", ["(2, 3)", "(3, 1)"], id="mul"),
        pytest.param(lambda: A / f64(np.ones((2, 2))), "/", ["(2, 3)", "(2, 2)"], id="div"),
        pytest.param(lambda: A ** f64(np.ones(2)), "**", ["(2, 3)", "(2,)"], id="pow"),
        pytest.param(
            lambda: ag.maximum(A, f64(np.ones(2))), "maximum", ["(2, 3)", "(2,)"], id="maximum"
        ),
        pytest.param(
            lambda: ag.minimum(A, f64(np.ones(2))), "minimum", ["(2, 3)", "(2,)"], id="minimum"
        ),
        pytest.param(
            lambda: ag.concatenate([A, f64(np.ones((2, 4)))]),
            "concat",
            ["(2, 3)", "(2, 4)"],
            id="concatenate",
        ),
        pytest.param(
            lambda: ag.stack([A, f64(np.ones((3, 2)))]), "stack", ["(2, 3)", "(3, 2)"], id="stack"
        ),
        pytest.param(lambda: A.reshape(4, 2), "reshape", ["(2, 3)", "(4, 2)"], id="reshape"),
        pytest.param(
            lambda: A.broadcast_to((3, 3)), "broadcast_to", ["(2, 3)", "(3, 3)"], id="broadcast_to"
        ),
    ],
)
def test_shape_mismatch_names_op_and_shapes(fn: Callable, op: str, shapes: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        fn()
    message = str(info.value)
    assert message.startswith(op) or f"{op}:" in message, message
    compact = message.replace(" ", "")
    for shape in shapes:
        assert shape.replace(" ", "") in compact, f"{shape} missing from: {message}"


@pytest.mark.parametrize(
    ("fn", "pattern"),
    [
        pytest.param(
            lambda: A.transpose(0, 2), r"transpose.*dimension 2.*2 dimensions", id="transpose"
        ),
        pytest.param(lambda: A.permute(0, 0), r"permute.*not a permutation", id="permute"),
        pytest.param(lambda: A.unsqueeze(5), r"unsqueeze.*axis 5", id="unsqueeze"),
        pytest.param(lambda: A.flatten(1, 0), r"flatten", id="flatten"),
        pytest.param(lambda: A.sum(axis=3), r"sum.*axis 3.*2 dimensions", id="sum_axis"),
        pytest.param(lambda: A.max(axis=-3), r"max.*dim -3", id="max_axis"),
        pytest.param(lambda: A.amax(axis=-3), r"max.*axis -3", id="amax_axis"),
        pytest.param(lambda: A.var(axis=0, ddof=2), r"var.*ddof=2", id="var_ddof"),
        pytest.param(lambda: A[5], r"getitem.*5.*\(2, 3\)", id="index_out_of_range"),
        pytest.param(
            lambda: ag.split(A, [1, 1], dim=1), r"split.*\[1, 1\].*add up to 3", id="split"
        ),
        pytest.param(lambda: A.split(0), r"split.*positive", id="split_zero"),
        pytest.param(lambda: A.chunk(0), r"chunk.*positive", id="chunk_zero"),
        pytest.param(lambda: A.narrow(1, 2, 2), r"narrow.*size 3", id="narrow"),
        pytest.param(lambda: A.topk(4), r"topk.*k=4.*size 3", id="topk"),
        pytest.param(lambda: A.t().reshape(1, 3, 2).t(), r"t:.*<= 2 dimensions", id="t_3d"),
        pytest.param(lambda: ag.pad(A, 1, mode="reflect"), r"pad.*reflect", id="pad_mode"),
        pytest.param(lambda: ag.concatenate([]), r"concatenate", id="concatenate_empty"),
        pytest.param(lambda: ag.stack([]), r"stack", id="stack_empty"),
        pytest.param(lambda: ag.clip(A), r"clip", id="clip_no_bounds"),
        pytest.param(lambda: A.item(), r"item.*\(2, 3\)", id="item"),
    ],
)
def test_other_value_errors_say_what_is_wrong(fn: Callable, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        fn()


# ----------------------------------------------------------------------------- backward
def test_backward_on_non_scalar_says_what_to_pass() -> None:
    y = A * 2.0
    with pytest.raises(ValueError) as info:
        y.backward()
    message = str(info.value)
    assert "(2, 3)" in message and "grad=" in message and "sum()" in message


def test_backward_with_wrong_grad_shape() -> None:
    y = A * 2.0
    with pytest.raises(ValueError, match=r"grad has shape \(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        y.backward(Tensor(np.ones((3, 2))))
    with pytest.raises(ValueError, match="shape"):
        y.sum().backward(np.ones(2))


def test_backward_without_requires_grad() -> None:
    with pytest.raises(ValueError, match="does not require grad"):
        Tensor([1.0, 2.0]).sum().backward()


def test_grad_seed_count_mismatch() -> None:
    x = f64([1.0])
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        ag.grad([x * 2.0, x * 3.0], x, grad_outputs=[np.ones(1)])


def test_user_function_returning_a_wrong_shape_is_reported() -> None:
    class Bad(ag.Function):
        def forward(self, x: np.ndarray) -> np.ndarray:
            return x.sum()

        def backward(self, gy: Tensor) -> Tensor:
            return gy  # forgot to broadcast back to the input's shape

    with pytest.raises(RuntimeError, match=r"bad.*\(\).*\(2, 3\)"):
        Bad.apply(A).backward()


def test_function_without_backward_is_not_differentiable() -> None:
    class NoBackward(ag.Function):
        def forward(self, x: np.ndarray) -> np.ndarray:
            return x * 2

    y = NoBackward.apply(A).sum()
    with pytest.raises(NotImplementedError, match="NoBackward"):
        y.backward()


# ----------------------------------------------------------------------------- dtypes
def test_requires_grad_on_integer_tensor() -> None:
    with pytest.raises(TypeError, match="int64"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)
    with pytest.raises(TypeError, match="bool"):
        Tensor([True], dtype=bool, requires_grad=True)


def test_non_numeric_data() -> None:
    with pytest.raises(TypeError, match="dtype"):
        Tensor(np.array(["a", "b"]))


@pytest.mark.parametrize("check", [ag.gradcheck, ag.gradgradcheck])
def test_gradchecks_refuse_float32(check: Callable) -> None:
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        check(lambda t: t * 2.0, x)


@pytest.mark.parametrize("check", [ag.gradcheck, ag.gradgradcheck])
def test_gradchecks_need_a_tensor_that_requires_grad(check: Callable) -> None:
    with pytest.raises(ValueError, match="requires_grad"):
        check(lambda t: t * 2.0, f64([1.0], requires_grad=False))
    with pytest.raises(TypeError, match="Tensor"):
        check(lambda t: t * 2.0, np.ones(2))


@pytest.mark.parametrize(
    "index",
    [np.array([0.0, 1.0]), [0.0, 1.0], Tensor([0, 1]), (slice(None), np.array([1.5]))],
    ids=["float_array", "float_list", "default_dtype_tensor", "float_in_tuple"],
)
def test_float_index_arrays_raise_type_error(index: Any) -> None:
    with pytest.raises(TypeError, match="integers or booleans"):
        A[index]


# ----------------------------------------------------------------------------- anomaly mode
def test_anomaly_in_forward_names_op_shapes_and_line() -> None:
    x = f64([0.0, 1.0])
    with pytest.raises(AnomalyError) as info, detect_anomaly():
        line = _line() + 1
        ag.log(x)
    message = str(info.value)
    assert "'log'" in message and "forward" in message
    assert "(2,)" in message
    assert f"{__file__}:{line}" in message, message
    assert "ag.log(x)" in message  # the source line itself


def test_anomaly_in_forward_of_a_binary_op() -> None:
    a, b = f64(np.ones((2, 1))), f64(np.zeros(3))
    with pytest.raises(AnomalyError, match=r"'/'.*\n.*\(2, 1\), \(3,\)"), detect_anomaly():
        a / b


def test_anomaly_mode_is_restored_and_quiet_outside() -> None:
    with pytest.raises(AnomalyError), detect_anomaly():
        ag.sqrt(f64([-1.0]))
    with np.errstate(all="ignore"):
        y = ag.log(f64([0.0]))  # outside the context: no error, just -inf
    assert np.isneginf(y.data[0])


def test_anomaly_in_backward_is_detected() -> None:
    x = f64([0.0, 4.0])
    with detect_anomaly():
        y = x.sqrt()  # forward is finite: sqrt(0) = 0
        assert np.all(np.isfinite(y.data))
        with pytest.raises(AnomalyError, match="NaN/Inf"):
            y.sum().backward()  # d sqrt / dx = 1 / (2 sqrt x) = inf at 0


def test_anomaly_in_backward_names_the_op_and_its_forward_line() -> None:
    x = f64([0.0, 4.0])
    with detect_anomaly():
        line = _line() + 1
        y = x.sqrt()
        with pytest.raises(AnomalyError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "backward of 'sqrt'" in message, message
    assert "(2,)" in message
    assert f"{__file__}:{line}" in message, message


def test_anomaly_in_backward_of_a_user_function() -> None:
    class NanGrad(ag.Function):
        op = "nan_grad"

        def forward(self, x: np.ndarray) -> np.ndarray:
            return x.copy()

        def backward(self, gy: Tensor) -> Tensor:
            return Tensor(np.full(gy.shape, np.nan))

    x = f64(np.ones((2, 2)))
    with detect_anomaly():
        line = _line() + 1
        y = NanGrad.apply(x)
        with pytest.raises(AnomalyError) as info:
            y.sum().backward()
    message = str(info.value)
    assert re.search(r"backward of 'nan_grad'.*input 0", message), message
    assert "(2, 2)" in message
    assert f"{__file__}:{line}" in message, message
