"""Core semantics of ``Tensor``: dtype policy, requires_grad propagation, grad mode,
detach, the array protocol, repr, comparisons, accumulation and gradient ownership."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor, no_grad


@pytest.fixture
def float64_default():
    """Switch the default dtype to float64 for one test and always switch it back."""
    previous = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)
    try:
        yield
    finally:
        ag.set_default_dtype(previous)


# ----------------------------------------------------------------------------- dtype policy
@pytest.mark.parametrize(
    "data",
    [
        1,
        2.5,
        True,
        [1, 2, 3],
        [[1.0, 2.0]],
        np.arange(3),
        np.array([1, 0], dtype=np.uint8),
        np.array([True, False]),
        np.int64(3),
        3.0,
    ],
    ids=[
        "int",
        "float",
        "bool",
        "int_list",
        "float_list",
        "int_array",
        "uint8_array",
        "bool_array",
        "np_int",
        "py_float",
    ],
)
def test_python_data_and_integer_arrays_become_float32(data: object) -> None:
    assert ag.get_default_dtype() == np.float32
    t = Tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_floating_arrays_keep_their_dtype(dtype: type) -> None:
    a = np.ones(3, dtype=dtype)
    t = Tensor(a)
    assert t.dtype == dtype
    assert t._data is a  # no copy when nothing needs converting


def test_float64_numpy_scalar_keeps_dtype() -> None:
    assert Tensor(np.float64(1.5)).dtype == np.float64


def test_set_default_dtype_changes_and_restores() -> None:
    previous = ag.get_default_dtype()
    try:
        ag.set_default_dtype(np.float64)
        assert ag.get_default_dtype() == np.float64
        assert Tensor([1, 2]).dtype == np.float64
        assert Tensor(3).dtype == np.float64
        assert ag.zeros(2).dtype == np.float64
        assert Tensor(np.ones(2, np.float32)).dtype == np.float32  # arrays still keep theirs
    finally:
        ag.set_default_dtype(previous)
    assert ag.get_default_dtype() == np.float32
    assert Tensor([1, 2]).dtype == np.float32


def test_set_default_dtype_rejects_non_floating() -> None:
    with pytest.raises(TypeError, match="floating"):
        ag.set_default_dtype(np.int32)
    assert ag.get_default_dtype() == np.float32


def test_explicit_dtype_wins() -> None:
    t = Tensor([1, 2, 3], dtype=np.int64)
    assert t.dtype == np.int64
    assert Tensor(np.ones(2, np.float32), dtype=np.float64).dtype == np.float64
    assert Tensor(1.5, dtype=np.float16).dtype == np.float16


def test_python_scalars_do_not_promote_float32() -> None:
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    for y in (x * 2.5, 2.5 * x, x + 1, x / 3, 1 - x, x**2, x**0.5, 2.0**x, x * np.float64(2)):
        assert y.dtype == np.float32
    (x * 2.5).sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_array_operand_takes_float32_partner_dtype() -> None:
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    assert (x * np.arange(3)).dtype == np.float32


def test_float64_array_operand_promotes_like_numpy() -> None:
    x = Tensor(np.ones(3, np.float32))
    assert (x + np.ones(3)).dtype == np.float64


def test_default_dtype_fixture_restores(float64_default: None) -> None:
    assert Tensor([1.0]).dtype == np.float64


@pytest.mark.parametrize(
    "make",
    [
        lambda: ag.zeros(2, 3),
        lambda: ag.ones((2, 3)),
        lambda: ag.full((2, 3), 7.0),
        lambda: ag.randn(2, 3, rng=0),
        lambda: ag.rand(2, 3, rng=0),
        lambda: ag.eye(2, 3),
        lambda: ag.arange(6.0).reshape(2, 3),
        lambda: ag.tensor([[1, 2, 3], [4, 5, 6.0]]),
        lambda: Tensor([[1, 2, 3], [4, 5, 6]]),
        lambda: ag.linspace(0, 1, 6).reshape(2, 3),
        lambda: ag.zeros_like(np.ones((2, 3), np.float32)),
        lambda: ag.ones_like(Tensor(np.ones((2, 3), np.float32))),
    ],
)
def test_constructors_use_default_dtype(make: object) -> None:
    t = make()
    assert t.shape == (2, 3)
    assert t.dtype == np.float32
    assert not t.requires_grad


def test_constructors_honour_dtype_requires_grad_and_rng() -> None:
    assert ag.zeros(3, dtype=np.float64).dtype == np.float64
    assert ag.ones(2, requires_grad=True).requires_grad
    np.testing.assert_array_equal(ag.randn(4, rng=7).data, ag.randn(4, rng=7).data)
    assert not np.array_equal(ag.randn(4, rng=7).data, ag.randn(4, rng=8).data)
    r = ag.rand(1000, rng=np.random.default_rng(0))
    assert 0.0 <= r.data.min() and r.data.max() < 1.0
    like = Tensor(np.zeros((2, 2)))
    assert ag.full_like(like, 3.0).dtype == np.float64
    assert ag.randn_like(like, rng=1).shape == (2, 2)
    assert ag.rand_like(like, rng=1).dtype == np.float64
    np.testing.assert_array_equal(ag.full_like(like, 3.0).data, np.full((2, 2), 3.0))


# ----------------------------------------------------------------------------- requires_grad
def test_requires_grad_propagation() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    assert not c.requires_grad and c.is_leaf
    assert not (c * 2 + c).requires_grad
    y = a * c
    assert y.requires_grad and not y.is_leaf
    assert y.grad_fn is not None and y.parents[0] is a and y.parents[1] is c
    assert (c + y).requires_grad
    assert (y.detach() * c).requires_grad is False


def test_no_grad_results_are_leaves() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    assert ag.is_grad_enabled()
    with no_grad():
        assert not ag.is_grad_enabled()
        y = (a * 2).exp().sum()
        with ag.enable_grad():
            z = a * 3
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.parents == () and y.op == ""
    assert z.requires_grad and z.parents[0] is a
    with ag.set_grad_enabled(False):
        assert not (a + 1).requires_grad
    with pytest.raises(ValueError, match="does not require grad"):
        y.backward()


def test_grad_mode_restored_after_exception() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError
    assert ag.is_grad_enabled()


def test_requires_grad_underscore() -> None:
    t = Tensor([1.0, 2.0]).requires_grad_()
    assert t.requires_grad
    y = t * 2
    with pytest.raises(ValueError, match="leaves"):
        y.requires_grad_(False)
    assert y.detach().requires_grad_().requires_grad
    with pytest.raises(TypeError):
        Tensor([1, 2], dtype=np.int64).requires_grad_()


# ----------------------------------------------------------------------------- detach, arrays
def test_detach_shares_data_and_has_no_history() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    d = y.detach()
    assert d.data is y.data or np.shares_memory(d.data, y.data)
    assert d.is_leaf and d.parents == () and not d.requires_grad and d.grad is None
    y.data[0] = 42.0
    assert d.data[0] == 42.0


def test_array_protocol() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3))
    a = np.asarray(t)
    assert a is t._data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert t.numpy() is t._data
    assert np.array(t).shape == (2, 3)
    assert t.shape == (2, 3) and t.ndim == 2 and t.numel() == 6 and t.dtype == np.float64
    assert t.size() == (2, 3) and t.size(-1) == 3 and t.dim() == 2
    assert t.T.shape == (3, 2)
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert len(t) == 2
    assert [row.shape for row in t] == [(3,), (3,)]
    assert Tensor(2.5).item() == 2.5 and float(Tensor([2.5])) == 2.5 and int(Tensor(3.0)) == 3
    with pytest.raises(ValueError, match="shape"):
        t.item()
    with pytest.raises(TypeError):
        len(Tensor(1.0))


def test_np_array_copies() -> None:
    t = Tensor(np.array([1.0, 2.0]))
    a = np.array(t)  # copy=True is np.array's default
    a[0] = 99.0
    assert t.data[0] == 1.0


def test_truth_value() -> None:
    assert bool(Tensor(1.0)) and not bool(Tensor([0.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_repr_shows_shape_dtype_and_op() -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True, label="a")
    r = repr(a)
    assert "shape=(2, 3)" in r and "float64" in r and "requires_grad=True" in r
    assert "label='a'" in r
    y = a.tanh()
    assert "op='tanh'" in repr(y) and "shape=(2, 3)" in repr(y)
    big = repr(Tensor(np.zeros(10_000)))
    assert len(big) < 200  # summarised, not 10,000 numbers


# ----------------------------------------------------------------------------- comparisons
def test_comparisons_return_bool_tensors_outside_the_graph() -> None:
    a, b = Tensor([1.0, 2.0, 3.0], requires_grad=True), Tensor([3.0, 2.0, 1.0])
    cases = {
        "<": (a < b, [True, False, False]),
        "<=": (a <= b, [True, True, False]),
        ">": (a > b, [False, False, True]),
        ">=": (a >= 2.0, [False, True, True]),
        "==": (a == b, [False, True, False]),
        "!=": (a != np.array([1.0, 0.0, 3.0]), [False, True, False]),
    }
    for name, (got, want) in cases.items():
        assert isinstance(got, Tensor) and got.dtype == bool, name
        assert not got.requires_grad and got.grad_fn is None, name
        np.testing.assert_array_equal(got.data, want, err_msg=name)
    reflected = 2.0 < a
    assert isinstance(reflected, Tensor) and reflected.tolist() == [False, False, True]
    for name in ("lt", "le", "gt", "ge", "eq", "ne"):  # PyTorch's method names
        op = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}[name]
        np.testing.assert_array_equal(getattr(a, name)(b).data, eval(f"a.data {op} b.data"))
    mask = (a > 1.0) & (a < 3.0) | (a == 1.0)
    assert mask.tolist() == [True, True, False] and (~mask).tolist() == [False, False, True]
    assert bool((a > 0).all()) and not bool((a > 2).all()) and bool((a > 2).any())
    np.testing.assert_array_equal(a[a > 1.5].data, [2.0, 3.0])  # a bool Tensor indexes
    with pytest.raises(TypeError, match="&.*bool"):
        a & b


def test_eq_keeps_tensors_hashable() -> None:
    a, b = Tensor([1.0]), Tensor([1.0])
    assert hash(a) == object.__hash__(a)  # identity hash, unaffected by __eq__
    seen = {a: "a", b: "b"}  # identity-keyed despite equal values
    assert seen[a] == "a" and seen[b] == "b" and len(seen) == 2
    assert a in {a} and b not in {a}


def test_argmax_argmin_return_integers() -> None:
    t = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    assert t.argmax().item() == 3 and t.argmax().dtype == np.int64  # into the flat tensor
    am = t.argmax(axis=1)
    assert isinstance(am, Tensor) and am.dtype == np.int64 and not am.requires_grad
    np.testing.assert_array_equal(t.argmax(dim=1, keepdim=True).data, [[1], [0]])
    np.testing.assert_array_equal(am, [1, 0])
    np.testing.assert_array_equal(ag.argmin(t, axis=0), [0, 1, 0])
    np.testing.assert_array_equal(ag.argmax(t, axis=1, keepdims=True), [[1], [0]])


# ----------------------------------------------------------------------------- accumulation
def test_leaf_gradients_accumulate_interior_gradients_do_not() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()
    y.backward()
    first_x, first_h = x.grad.data.copy(), h.grad.data.copy()
    np.testing.assert_array_equal(first_x, 18.0 * x.data)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * first_x)  # leaves accumulate
    np.testing.assert_array_equal(h.grad.data, first_h)  # interior: this pass only
    x.zero_grad()
    assert x.grad is None


def test_interior_grad_after_backward_from_a_different_root() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    (h * 5.0).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [5.0, 5.0])
    (h * 7.0).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [7.0, 7.0])
    np.testing.assert_array_equal(x.grad.data, [24.0, 24.0])


def test_tensor_used_twice_gets_both_contributions() -> None:
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data)
    x.grad = None
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])
    x.grad = None
    (x * x * x + x.exp() * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2 + np.exp(x.data) * (1 + x.data))
    x.grad = None
    h = x.tanh()
    (h + h * h).sum().backward()  # shared interior node
    t = np.tanh(x.data).astype(np.float64)  # (1 - t**2 in float32 cancels near |t| = 1)
    np.testing.assert_allclose(x.grad.data, (1 + 2 * t) * (1 - t**2), rtol=1e-6)


def test_backward_seed_and_leaf_root() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.data, [3.0, 30.0])
    x.grad = None
    (x * 3.0).backward(Tensor([2.0, 2.0]))
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])
    s = Tensor(2.0, requires_grad=True)
    s.backward()
    assert s.grad.item() == 1.0


def test_graph_survives_backward_and_is_readable() -> None:
    a, b = Tensor(2.0, requires_grad=True), Tensor(3.0, requires_grad=True)
    y = (a * b + a).tanh()
    y.backward()
    assert y.op == "tanh"
    (s,) = y.parents
    assert s.op == "+" and s.parents[1] is a
    assert s.parents[0].op == "*"
    assert [id(p) for p in s.parents[0].parents] == [id(a), id(b)]
    order = ag.topological_order(y)
    assert order[-1] is y and {id(n) for n in order} >= {id(a), id(b)}
    assert order.index(a) < order.index(s) and order.index(b) < order.index(s)


def test_parents_and_op_are_read_only() -> None:
    a = Tensor([1.0], requires_grad=True)
    y = a * 2
    with pytest.raises(AttributeError):
        y.parents = ()
    with pytest.raises(AttributeError):
        y.op = "other"
    with pytest.raises(AttributeError):
        y.grad_fn = None
    with pytest.raises(AttributeError):
        y.is_leaf = True
    assert y.parents[0] is a and y.op == "*"


def test_tensors_have_no_instance_dict() -> None:
    t = Tensor([1.0])
    with pytest.raises(AttributeError):
        t.some_new_attribute = 1


# ----------------------------------------------------------------------------- grad ownership
def _leaf_pairs() -> list:
    """(expression, inputs) where two leaves could be handed the same gradient array."""
    return [
        pytest.param(lambda a, b: a + b, id="add"),
        pytest.param(lambda a, b: a - b, id="sub"),
        pytest.param(lambda a, b: ag.concatenate([a, b]), id="concat"),
        pytest.param(lambda a, b: ag.where(np.array([True, False, True]), a, b), id="where"),
        pytest.param(lambda a, b: a.reshape(3, 1) + b.reshape(3, 1), id="reshape"),
        pytest.param(lambda a, b: ag.stack([a, b]).sum(axis=0), id="stack_sum"),
    ]


@pytest.mark.parametrize("expr", _leaf_pairs())
def test_leaf_grad_never_aliases_another_grad(expr: object) -> None:
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([4.0, 5.0, 6.0], requires_grad=True)
    z = expr(a, b)
    z.backward(np.ones(z.shape))
    b_before = b.grad.data.copy()
    z_before = z.grad.data.copy()
    a.grad.data += 100.0  # an optimizer or clipper writing in place
    np.testing.assert_array_equal(b.grad.data, b_before)
    np.testing.assert_array_equal(z.grad.data, z_before)
    assert a.grad.data.flags.writeable and b.grad.data.flags.writeable


def test_leaf_grad_from_reduction_is_a_writable_full_array() -> None:
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    x.mean().backward()
    x.grad.data *= 2.0  # broadcast views are read-only with stride 0: must be copied
    np.testing.assert_array_equal(x.grad.data, np.full((3, 4), 2.0 / 12))


def test_leaf_grad_does_not_alias_the_user_seed() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    seed = np.array([1.0, 1.0])
    (x + 0.0).backward(seed)
    x.grad.data += 5.0
    np.testing.assert_array_equal(seed, [1.0, 1.0])


def test_leaf_root_grad_does_not_alias_the_user_seed() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    seed = np.array([1.0, 1.0])  # same dtype as x: no conversion, no copy
    x.backward(seed)
    x.grad.data += 5.0
    np.testing.assert_array_equal(seed, [1.0, 1.0])


def test_seed_tensor_is_cast_to_the_output_dtype() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    (x + 1.0).backward(Tensor(np.ones(2, np.float32)))
    assert x.grad.dtype == np.float64


def test_seed_array_is_cast_to_the_output_dtype() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    (x * 2.0).backward(np.ones(2, np.float32))
    assert x.grad.dtype == np.float64


def test_leaf_grad_never_aliases_with_create_graph() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad.data, b.grad.data)
    assert a.grad.data.flags.writeable
