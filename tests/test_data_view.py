"""``Tensor.data``: the Tensor's own NumPy array, with PyTorch's in-place methods.

PyTorch code updates weights through ``p.data`` (``p.data.add_(p.grad, alpha=-lr)`` in
the ``word_language_model`` example, ``p.data.uniform_(-r, r)``, ``p.data.zero_()``);
micrograd and DeZero code treats ``p.data`` as the array (``p.data -= lr * p.grad.data``,
``np.exp(p.data)``). Both must work, on the same memory, and a change made through
``.data`` between a forward pass and its backward must not give a silently wrong gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor, no_grad


def _param(values=(1.0, -2.0, 3.0)) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_data_is_the_tensors_memory_and_a_numpy_array() -> None:
    p = _param()
    d = p.data
    assert isinstance(d, np.ndarray)
    assert np.shares_memory(d, p.data)
    d[0] = 10.0
    assert p.data[0] == 10.0  # same memory: a write through the view is seen by p
    assert d.dtype == np.float64 and d.shape == (3,)


def test_numpy_results_are_plain_arrays() -> None:
    p = _param()
    for result in (
        np.exp(p.data),
        p.data + 1,
        p.data * p.data,
        p.data.sum(),
        -p.data,
        np.where(p.data > 0, p.data, 0.0),
    ):
        assert type(result) in (np.ndarray, np.float64), type(result)
    assert repr(p.data).startswith("array(")
    assert str(p.data) == str(np.array([1.0, -2.0, 3.0]))


def test_word_language_model_update() -> None:
    """``p.data.add_(p.grad, alpha=-lr)`` as in PyTorch's word_language_model example."""
    torch = pytest.importorskip("torch")
    values = np.array([[0.5, -1.0], [2.0, 0.25]])
    lr = 0.1
    ours = Tensor(values.copy(), requires_grad=True)
    theirs = torch.tensor(values.copy(), requires_grad=True)
    for lib, p in ((autograd, ours), (torch, theirs)):
        for _ in range(3):
            loss = (p * p).sum() + (p.tanh() if lib is autograd else torch.tanh(p)).sum()
            p.grad = None
            loss.backward()
            out = p.data.add_(p.grad, alpha=-lr)
            assert out is not None
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda d: d.add_(2.0), [3.0, 0.0, 5.0]),
        (lambda d: d.add_(np.ones(3), alpha=-2), [-1.0, -4.0, 1.0]),
        (lambda d: d.sub_(1.0), [0.0, -3.0, 2.0]),
        (lambda d: d.sub_(Tensor(np.ones(3)), alpha=0.5), [0.5, -2.5, 2.5]),
        (lambda d: d.mul_(-1.0), [-1.0, 2.0, -3.0]),
        (lambda d: d.div_(2.0), [0.5, -1.0, 1.5]),
        (lambda d: d.pow_(2), [1.0, 4.0, 9.0]),
        (lambda d: d.clamp_(-1.0, 2.0), [1.0, -1.0, 2.0]),
        (lambda d: d.clamp_(min=0.0), [1.0, 0.0, 3.0]),
        (lambda d: d.copy_(Tensor(np.array([7.0, 8.0, 9.0]))), [7.0, 8.0, 9.0]),
        (lambda d: d.copy_(np.array(4.0)), [4.0, 4.0, 4.0]),
        (lambda d: d.fill_(0.5), [0.5, 0.5, 0.5]),
        (lambda d: d.zero_(), [0.0, 0.0, 0.0]),
    ],
)
def test_inplace_methods_write_into_the_tensor_and_return_the_view(call, expected) -> None:
    p = _param()
    d = p.data
    out = call(d)
    assert out is d
    np.testing.assert_array_equal(p.data, expected)


def test_inplace_methods_match_torch() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([1.5, -2.0, 0.25, 4.0])
    steps = [
        ("add_", (np.array([1.0, 2.0, 3.0, 4.0]),), {"alpha": 0.5}),
        ("mul_", (3.0,), {}),
        ("sub_", (1.0,), {"alpha": 2.0}),
        ("clamp_", (), {"min": -3.0, "max": 6.0}),
        ("div_", (4.0,), {}),
        ("pow_", (3,), {}),
    ]
    ours = Tensor(values.copy(), requires_grad=True)
    theirs = torch.tensor(values.copy(), requires_grad=True)
    for name, args, kwargs in steps:
        getattr(ours.data, name)(*args, **kwargs)
        targs = tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args)
        getattr(theirs.data, name)(*targs, **kwargs)
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)


def test_random_fills_follow_manual_seed_and_bounds() -> None:
    p = Tensor(np.zeros((200, 50)), requires_grad=True)
    autograd.manual_seed(3)
    p.data.uniform_(-0.1, 0.1)
    first = p.data.copy()
    assert first.min() >= -0.1 and first.max() < 0.1
    assert abs(first.mean()) < 0.005 and first.std() == pytest.approx(0.2 / np.sqrt(12), rel=0.02)
    autograd.manual_seed(3)
    p.data.uniform_(-0.1, 0.1)
    np.testing.assert_array_equal(p.data, first)
    p.data.normal_(2.0, 0.5, generator=autograd.Generator().manual_seed(1))
    assert p.data.mean() == pytest.approx(2.0, abs=0.02)
    assert p.data.std() == pytest.approx(0.5, rel=0.03)
    # the same draws as the Tensor methods of the same name
    q = Tensor(np.zeros((200, 50)), requires_grad=True)
    with no_grad():
        q.normal_(2.0, 0.5, generator=autograd.Generator().manual_seed(1))
    np.testing.assert_array_equal(p.data, q.data)


def test_tensor_uniform_and_normal_follow_pytorch_rules() -> None:
    p = Tensor(np.zeros(4), requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        p.uniform_(0, 1)  # a leaf that requires grad, while recording
    with no_grad():
        assert p.uniform_(2.0, 3.0) is p
    assert ((p.data >= 2.0) & (p.data < 3.0)).all()
    with pytest.raises(ValueError, match="uniform_"):
        Tensor(np.zeros(2)).uniform_(1.0, 0.0)
    with pytest.raises(ValueError, match="normal_"):
        Tensor(np.zeros(2)).normal_(0.0, -1.0)


def test_slices_of_data_write_into_the_tensor() -> None:
    p = Tensor(np.zeros((2, 3)), requires_grad=True)
    p.data[1].fill_(5.0)
    p.data[:, 0].add_(1.0)
    np.testing.assert_array_equal(p.data, [[1.0, 0.0, 0.0], [6.0, 5.0, 5.0]])


def test_change_through_data_before_backward_is_detected() -> None:
    """PyTorch silently uses the new values here; deltagrad names the op instead."""
    w = _param()
    z = (w * w).sum()  # mul saved w for its backward
    w.data.add_(1.0)
    with pytest.raises(RuntimeError, match=r"\*: a tensor this op saved for backward"):
        z.backward()
    w.data -= 1.0  # the ndarray operators count as in-place changes too
    with pytest.raises(RuntimeError, match=r"\*: a tensor this op saved for backward"):
        z.backward()
    (w * w).sum().backward()  # a graph built after the change is fine
    np.testing.assert_array_equal(w.grad.data, [2.0, -4.0, 6.0])


def test_manual_sgd_through_data_trains() -> None:
    """micrograd/DeZero style: ``p.data -= lr * p.grad.data``."""
    autograd.manual_seed(0)
    w = Tensor(np.array([0.0, 0.0]), requires_grad=True)
    x = Tensor(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]))
    target = Tensor(np.array([5.0, 1.0, 1.5]))
    for _ in range(300):
        loss = (((x @ w) - target) ** 2).mean()
        w.grad = None
        loss.backward()
        w.data -= 0.1 * w.grad.data
    np.testing.assert_allclose(w.data, [1.0, 2.0], atol=1e-6)


def test_data_setter_still_replaces_values() -> None:
    p = _param()
    p.data = np.array([4.0, 5.0, 6.0])
    np.testing.assert_array_equal(p.data, [4.0, 5.0, 6.0])
    with pytest.raises(ValueError, match="shape"):
        p.data = np.zeros(4)


def test_bad_arguments_name_the_method_and_change_nothing() -> None:
    p = _param()
    with pytest.raises(ValueError, match="add_"):
        p.data.add_(np.ones(5))
    with pytest.raises(ValueError, match="clamp_"):
        p.data.clamp_()
    with pytest.raises(TypeError, match="mul_"):
        Tensor(np.arange(3), dtype=np.int64).data.mul_(0.5)
    np.testing.assert_array_equal(p.data, [1.0, -2.0, 3.0])


def test_numpy_method_returns_plain_array() -> None:
    p = _param()
    a = p.data.numpy()
    assert type(a) is np.ndarray and np.shares_memory(a, p.data)
