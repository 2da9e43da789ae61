"""First derivatives of every Tensor op, checked by central differences in float64.

The op table lives in ``test_tensor_cases.py``; here each case goes through
``autograd.gradcheck`` (every input element perturbed, a random weighting of every
output element). Below the table run the hand-computed gradients that a reader can
verify on paper: repeated indices accumulate, broadcasting sums, ties split evenly,
kinks follow PyTorch's conventions, and user-defined ``Function`` subclasses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_tensor_cases import ALL_CASES, Case

import autograd as ag
from autograd import Function, GradcheckError, Tensor


def f64(a: Any, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def grads_of(out: Tensor, *inputs: Tensor, seed: Any = None) -> list[np.ndarray]:
    """Backward from ``out`` (seeded with ``seed`` or ones) and return the inputs' grads."""
    for t in inputs:
        t.grad = None
    out.backward(np.ones(out.shape) if seed is None else seed)
    return [t.grad.data for t in inputs]


# ----------------------------------------------------------------------------- the table
@pytest.mark.parametrize("c", ALL_CASES)
def test_gradcheck(c: Case) -> None:
    inputs = c.tensors(seed=0)
    assert ag.gradcheck(c.fn, *inputs, **c.tol) is True
    # gradcheck restores the inputs it perturbs and leaves .grad alone
    np.testing.assert_array_equal(inputs[0].data, c.arrays(seed=0)[0])
    assert all(t.grad is None for t in inputs)


@pytest.mark.parametrize("c", ALL_CASES)
def test_gradient_shapes_and_dtypes(c: Case) -> None:
    inputs = c.tensors(seed=1)
    out = c.fn(*inputs)
    assert isinstance(out, Tensor) and out.requires_grad and not out.is_leaf
    out.backward(np.ones(out.shape))
    for t in inputs:
        assert t.grad is not None
        assert t.grad.shape == t.shape
        assert t.grad.dtype == np.float64
        assert not t.grad.requires_grad  # a plain backward records nothing


@pytest.mark.parametrize(
    "c", [p for p in ALL_CASES if "astype" not in p.values[0].ops and "astype" not in p.id]
)
def test_float32_stays_float32(c: Case) -> None:
    """No silent float64 creep: float32 inputs give float32 outputs and gradients."""
    inputs = [Tensor(a.astype(np.float32), requires_grad=True) for a in c.arrays(seed=3)]
    out = c.fn(*inputs)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, np.float32))
    assert all(t.grad.dtype == np.float32 for t in inputs)


# ----------------------------------------------------------------------------- indexing
def test_repeated_index_accumulates() -> None:
    x = f64([1.0, 2.0, 3.0])
    g = np.array([10.0, 20.0, 30.0])
    (gx,) = grads_of(x[[0, 0, 2]], x, seed=g)
    np.testing.assert_array_equal(gx, [30.0, 0.0, 30.0])  # position 0 gets g0 + g1


def test_repeated_index_gradient_is_twice_upstream() -> None:
    x = f64([1.0, 2.0, 3.0])
    (gx,) = grads_of(x[[0, 0, 2]], x, seed=np.array([1.5, 1.5, 4.0]))
    np.testing.assert_array_equal(gx, [2 * 1.5, 0.0, 4.0])


def test_mixed_index_gradient_scatters_into_place() -> None:
    x = f64(np.arange(12.0).reshape(3, 4))
    y = x[[0, 1], 1:]
    assert y.shape == (2, 3)
    np.testing.assert_array_equal(y.data, x.data[[0, 1], 1:])
    (gx,) = grads_of(y, x, seed=np.arange(6.0).reshape(2, 3) + 1)
    expected = np.zeros((3, 4))
    expected[[0, 1], 1:] = np.arange(6.0).reshape(2, 3) + 1
    np.testing.assert_array_equal(gx, expected)


def test_boolean_mask_gradient() -> None:
    x = f64(np.arange(6.0).reshape(2, 3))
    mask = x.data % 2 == 0
    (gx,) = grads_of(x[mask], x, seed=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(gx, [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])


def test_negative_step_gradient_reverses_back() -> None:
    x = f64([1.0, 2.0, 3.0, 4.0])
    (gx,) = grads_of(x[::-2], x, seed=np.array([5.0, 7.0]))
    np.testing.assert_array_equal(gx, [0.0, 7.0, 0.0, 5.0])


def test_list_of_bools_and_integer_tensor_index() -> None:
    x = f64([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x[[True, False, True]].data, [1.0, 3.0])
    idx = Tensor([2, 2], dtype=np.int64)
    (gx,) = grads_of(x[idx], x)
    np.testing.assert_array_equal(gx, [0.0, 0.0, 2.0])


# ----------------------------------------------------------------------------- broadcasting
def test_broadcast_gradient_is_the_sum_over_broadcast_axes() -> None:
    rng = np.random.default_rng(3)
    a, b = f64(rng.normal(size=(2, 1, 4))), f64(rng.normal(size=(3, 1)))
    g = rng.normal(size=(2, 3, 4))
    ga, gb = grads_of(a * b, a, b, seed=g)
    np.testing.assert_allclose(ga, (g * b.data).sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(gb, (g * a.data).sum(axis=(0, 2))[:, None], rtol=1e-12)


def test_scalar_operand_gradient() -> None:
    x = f64([1.0, 2.0, 4.0])
    (gx,) = grads_of(2.0 / x, x)
    np.testing.assert_allclose(gx, -2.0 / x.data**2, rtol=1e-14)
    (gx,) = grads_of(1.0 - x, x)
    np.testing.assert_array_equal(gx, [-1.0, -1.0, -1.0])
    (gx,) = grads_of(3.0**x, x)
    np.testing.assert_allclose(gx, np.log(3.0) * 3.0**x.data, rtol=1e-14)


def test_zero_dim_tensor_operand_gets_summed_gradient() -> None:
    s = f64(2.0)
    x = f64(np.ones((3, 4)))
    gs, gx = grads_of(s * x, s, x)
    assert gs.shape == ()
    assert gs == 12.0
    np.testing.assert_array_equal(gx, np.full((3, 4), 2.0))


def test_unbroadcast_helper() -> None:
    g = Tensor(np.ones((2, 3, 4)))
    assert ag.unbroadcast(g, (3, 1)).shape == (3, 1)
    np.testing.assert_array_equal(ag.unbroadcast(g, (3, 1)).data, np.full((3, 1), 8.0))
    np.testing.assert_array_equal(ag.unbroadcast(g, ()).data, 24.0)
    assert ag.unbroadcast(g, (2, 3, 4)) is g


def test_numpy_array_on_the_left_defers_to_tensor() -> None:
    x = f64([1.0, 2.0])
    for y in (np.array([3.0, 4.0]) * x, np.array([3.0, 4.0]) + x, np.eye(2) @ x):
        assert isinstance(y, Tensor) and y.requires_grad


# ----------------------------------------------------------------------------- kinks and ties
def test_kink_conventions() -> None:
    """At the kink the derivative is PyTorch's: relu'(0)=0, |x|'(0)=0, leaky'(0)=alpha,
    clip passes the gradient on both (included) bounds."""
    x = f64([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(grads_of(x.relu(), x)[0], [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grads_of(x.abs(), x)[0], [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(grads_of(x.leaky_relu(0.1), x)[0], [0.1, 0.1, 1.0])
    np.testing.assert_array_equal(grads_of(x.clip(-1.0, 1.0), x)[0], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(grads_of(x.clip(-0.5, 0.5), x)[0], [0.0, 1.0, 0.0])


def test_max_ties_split_the_gradient_evenly() -> None:
    x = f64([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(grads_of(x.max(), x)[0], [[0, 0.5, 0.5], [0, 0, 0]])
    (gx,) = grads_of(x.amax(axis=1), x, seed=np.array([1.0, 4.0]))
    np.testing.assert_array_equal(gx, [[0, 0.5, 0.5], [2.0, 2.0, 0]])
    (gx,) = grads_of(x.amin(dim=0, keepdim=True), x, seed=np.ones((1, 3)))
    np.testing.assert_array_equal(gx, [[1, 0, 0], [0, 1, 1]])


def test_max_along_dim_sends_the_gradient_to_the_first_tie() -> None:
    x = f64([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(indices.data, [1, 0])
    (gx,) = grads_of(values, x, seed=np.array([1.0, 4.0]))
    np.testing.assert_array_equal(gx, [[0, 1.0, 0], [4.0, 0, 0]])
    result = x.min(axis=0, keepdims=True)  # NumPy's keywords: the same (values, indices)
    assert result.values.shape == (1, 3) and result.indices.tolist() == [[0, 1, 1]]


def test_maximum_minimum_ties_split_evenly() -> None:
    a, b = f64([1.0, 2.0, 3.0]), f64([1.0, 0.0, 5.0])
    ga, gb = grads_of(ag.maximum(a, b), a, b)
    np.testing.assert_array_equal(ga, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(gb, [0.5, 0.0, 1.0])
    ga, gb = grads_of(ag.minimum(a, b), a, b)
    np.testing.assert_array_equal(ga, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gb, [0.5, 1.0, 0.0])


# ----------------------------------------------------------------------------- values
def test_reduction_values_match_numpy() -> None:
    x = np.random.default_rng(5).normal(size=(2, 3, 4))
    t = Tensor(x)
    for axis in (None, 0, -1, (0, 2)):
        for keepdims in (False, True):
            kw = {"axis": axis, "keepdims": keepdims}
            np.testing.assert_allclose(t.sum(**kw).data, x.sum(**kw), rtol=1e-12)
            np.testing.assert_allclose(t.mean(**kw).data, x.mean(**kw), rtol=1e-12)
            np.testing.assert_array_equal(t.amax(**kw).data, x.max(**kw))
            np.testing.assert_array_equal(t.amin(**kw).data, x.min(**kw))
            if isinstance(axis, int):
                np.testing.assert_array_equal(t.max(**kw).values.data, x.max(**kw))
                np.testing.assert_array_equal(
                    t.min(**kw).indices.data, np.argmin(x, axis=axis, keepdims=keepdims)
                )
            for ddof in (0, 1):
                np.testing.assert_allclose(
                    t.var(ddof=ddof, **kw).data, x.var(ddof=ddof, **kw), rtol=1e-12
                )
            lse = np.log(np.exp(x).sum(**kw))
            np.testing.assert_allclose(t.logsumexp(**kw).data, lse, rtol=1e-12)


def test_logsumexp_does_not_overflow() -> None:
    x = f64([1000.0, 1000.0, -1000.0])
    y = x.logsumexp()
    np.testing.assert_allclose(y.data, 1000.0 + np.log(2.0), rtol=1e-15)
    y.backward()
    np.testing.assert_allclose(x.grad.data, [0.5, 0.5, 0.0], atol=1e-300)


def test_sigmoid_is_stable_for_large_inputs() -> None:
    x = f64([-800.0, 0.0, 800.0])
    with np.errstate(all="raise"):
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.25, 0.0])


def test_join_and_shape_values() -> None:
    a, b = f64(np.arange(6.0).reshape(2, 3)), f64(np.ones((2, 3)))
    np.testing.assert_array_equal(ag.stack([a, b], axis=1).data, np.stack([a.data, b.data], 1))
    np.testing.assert_array_equal(ag.concatenate([a, b], -1).data, np.hstack([a.data, b.data]))
    pieces = ag.split(a, [1, 2], axis=1)  # sizes, as torch.split
    assert [p.shape for p in pieces] == [(2, 1), (2, 2)]
    assert [p.shape for p in a.split(2, dim=1)] == [(2, 2), (2, 1)]
    assert [p.shape for p in a.chunk(3, dim=1)] == [(2, 1), (2, 1), (2, 1)]
    np.testing.assert_array_equal(ag.cat([a, b], dim=-1).data, np.hstack([a.data, b.data]))
    np.testing.assert_array_equal(ag.pad(a, 1).data, np.pad(a.data, 1))
    x = Tensor(np.zeros((2, 1, 3, 1)))
    assert x.squeeze().shape == (2, 3)
    assert x.squeeze(axis=(1, 3)).shape == (2, 3)
    assert x.unsqueeze(0).shape == (1, 2, 1, 3, 1)
    assert x.flatten(1, 2).shape == (2, 3, 1)
    assert x.permute(3, 2, 1, 0).shape == (1, 3, 1, 2)
    assert x.reshape(-1).shape == (6,)


def test_split_pieces_used_partially() -> None:
    x = f64(np.arange(6.0))
    first, _, third = ag.split(x, 2)
    (gx,) = grads_of(first * 2.0 + third, x)
    np.testing.assert_array_equal(gx, [2.0, 2.0, 0.0, 0.0, 1.0, 1.0])


def test_matmul_1d_shapes() -> None:
    rng = np.random.default_rng(7)
    v, m, batch = (f64(rng.normal(size=s)) for s in [(4,), (4, 5), (2, 5, 4)])
    assert (v @ m).shape == (5,)
    assert (m.T @ v).shape == (5,)
    assert (v @ v).shape == ()
    assert (batch @ v).shape == (2, 5)
    np.testing.assert_allclose((batch @ v).data, batch.data @ v.data, rtol=1e-12)
    gv, gm = grads_of(v @ m, v, m)
    np.testing.assert_allclose(gv, m.data.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(gm, np.outer(v.data, np.ones(5)), rtol=1e-12)


def test_astype_gradient_comes_back_in_input_dtype() -> None:
    x = f64([1.0, 2.0])
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
    assert x.astype(np.float64) is x  # no-op casts add no node


# ----------------------------------------------------------------------------- Function API
class Cube(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return x**3

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_tensors
        return gy * 3.0 * x * x


class WrongSquare(Function):
    op = "wrong_square"

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save(x)
        return x * x

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_tensors
        return gy * x  # should be 2 x


def test_user_function_subclass() -> None:
    x = f64([0.5, -1.0, 2.0])
    y = Cube.apply(x)
    assert y.op == "cube"  # default label: lower-case class name
    assert len(y.parents) == 1 and y.parents[0] is x
    assert isinstance(y.grad_fn, Cube)
    assert ag.gradcheck(lambda t: Cube.apply(t), x)
    assert ag.gradgradcheck(lambda t: Cube.apply(t), x)


def test_gradcheck_reports_a_wrong_backward() -> None:
    x = f64([0.5, -1.0, 2.0], requires_grad=True)
    x.label = "x"
    with pytest.raises(GradcheckError) as info:
        ag.gradcheck(lambda t: WrongSquare.apply(t), x)
    message = str(info.value)
    assert "x" in message and "(3,)" in message and "differ" in message
    with pytest.raises(GradcheckError):
        ag.gradgradcheck(lambda t: WrongSquare.apply(t) * t, x)


def test_numerical_grad_for_tensors() -> None:
    x = f64([1.0, 2.0])
    (g,) = ag.numerical_grad(lambda t: (t * t).sum(), [x])
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-8)
