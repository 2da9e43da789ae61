"""PyTorch's names and meanings on Tensor (issue 10, item 3).

Where NumPy and PyTorch give one call different meanings, Tensor follows PyTorch; both
keyword spellings (``dim``/``axis``, ``keepdim``/``keepdims``) are accepted. Every test
runs the same call in torch and compares values, dtypes and gradients.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 2.5, 0.7], [1.1, 0.4, -0.6, 2.0], [-0.9, 1.7, 0.2, -0.1]])


def pair(a: np.ndarray = X) -> tuple[Tensor, Any]:
    return Tensor(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)


def assert_same(ours: Any, theirs: Any) -> None:
    """Same values and dtype (numpy dtype vs torch dtype by name), and a Tensor."""
    assert isinstance(ours, Tensor), type(ours)
    theirs_np = theirs.detach().numpy()
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == theirs_np.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.data, theirs_np, rtol=1e-12, atol=0)


def assert_same_grad(fn: Callable, torch_fn: Callable, a: np.ndarray = X) -> None:
    x, tx = pair(a)
    out, tout = fn(x), torch_fn(tx)
    assert_same(out, tout)
    w = np.random.default_rng(0).normal(size=out.shape)
    (out * Tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- dim / axis
REDUCTIONS = ["sum", "mean", "amax", "amin", "logsumexp", "var", "std"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keep", [False, True])
def test_reductions_take_dim_and_axis_alike(name: str, dim: Any, keep: bool) -> None:
    if name == "logsumexp" and isinstance(dim, tuple):
        dim = 1
    assert_same_grad(
        lambda x: getattr(x, name)(dim=dim, keepdim=keep),
        lambda x: getattr(x, name)(dim=dim, keepdim=keep),
    )
    assert_same_grad(
        lambda x: getattr(x, name)(axis=dim, keepdims=keep),
        lambda x: getattr(x, name)(dim=dim, keepdim=keep),
    )
    assert_same_grad(
        lambda x: getattr(ag, name)(x, dim, keepdim=keep),
        lambda x: getattr(torch, name)(x, dim, keepdim=keep),
    )


CALLS_WITH_BOTH = [
    ("sum", lambda x: x.sum(dim=0, axis=0)),
    ("mean", lambda x: ag.mean(x, 0, axis=1)),
    ("max", lambda x: x.max(dim=1, axis=1)),
    ("min", lambda x: x.min(dim=1, axis=0)),
    ("amax", lambda x: x.amax(dim=0, axis=0)),
    ("var", lambda x: x.var(dim=0, axis=0)),
    ("logsumexp", lambda x: x.logsumexp(dim=0, axis=0)),
    ("argmax", lambda x: x.argmax(dim=0, axis=0)),
    ("argmin", lambda x: ag.argmin(x, dim=0, axis=0)),
    ("squeeze", lambda x: x.reshape(1, 3, 4).squeeze(dim=0, axis=0)),
    ("unsqueeze", lambda x: x.unsqueeze(dim=0, axis=0)),
    ("cat", lambda x: ag.cat([x, x], dim=0, axis=0)),
    ("concatenate", lambda x: ag.concatenate([x, x], 0, dim=0)),
    ("stack", lambda x: ag.stack([x, x], dim=0, axis=0)),
    ("split", lambda x: x.split(2, dim=0, axis=0)),
    ("chunk", lambda x: x.chunk(2, dim=0, axis=0)),
    ("topk", lambda x: x.topk(2, dim=0, axis=0)),
]


@pytest.mark.parametrize(("op", "call"), CALLS_WITH_BOTH, ids=[c[0] for c in CALLS_WITH_BOTH])
def test_dim_and_axis_together_is_a_type_error_naming_both(op: str, call: Callable) -> None:
    with pytest.raises(TypeError, match=rf"{op}: got both dim=.* and axis="):
        call(Tensor(X))


def test_keepdim_and_keepdims_together_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"sum: got both keepdim=True and keepdims=True"):
        Tensor(X).sum(0, keepdim=True, keepdims=True)


# ----------------------------------------------------------------------------- max / min
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("spelling", ["dim", "axis", "positional"])
def test_max_min_with_a_dim_return_values_and_indices(
    name: str, dim: int, keep: bool, spelling: str
) -> None:
    x, tx = pair()
    if spelling == "dim":
        result = getattr(x, name)(dim=dim, keepdim=keep)
    elif spelling == "axis":
        result = getattr(x, name)(axis=dim, keepdims=keep)
    else:
        result = getattr(ag, name)(x, dim, keep)
    tresult = getattr(torch, name)(tx, dim, keep)
    values, indices = result  # a named tuple, like torch.return_types.max
    assert result.values is values and result.indices is indices
    assert_same(values, tresult.values)
    assert_same(indices, tresult.indices)  # int64 both
    assert not indices.requires_grad
    values.sum().backward()
    tresult.values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_without_dim_return_the_scalar(name: str) -> None:
    assert_same_grad(lambda x: getattr(x, name)(), lambda x: getattr(x, name)())
    assert_same_grad(lambda x: getattr(ag, name)(x), lambda x: getattr(torch, name)(x))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_of_two_tensors_are_elementwise(name: str) -> None:
    y = np.flip(X, axis=1).copy()
    assert_same_grad(
        lambda x: getattr(x, name)(Tensor(y)), lambda x: getattr(x, name)(torch.tensor(y))
    )


def test_max_with_several_dims_points_to_amax() -> None:
    with pytest.raises(TypeError, match=r"max\(dim=\.\.\.\) takes one dimension.*amax"):
        Tensor(X).max(dim=(0, 1))
    with pytest.raises(ValueError, match=r"min: dim 2 is out of range.*\(3, 4\)"):
        Tensor(X).min(dim=2)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}])
def test_argmax_argmin_are_int64_tensors_like_torch(name: str, kw: dict) -> None:
    ours = getattr(Tensor(X), name)(**kw)
    assert_same(ours, getattr(torch.tensor(X), name)(**kw))


# ----------------------------------------------------------------------------- topk, gather
@pytest.mark.parametrize("k", [1, 2, 4])
@pytest.mark.parametrize("dim", [1, -1, 0])
@pytest.mark.parametrize("largest", [True, False])
def test_topk_matches_torch(k: int, dim: int, largest: bool) -> None:
    if k > X.shape[dim]:
        k = X.shape[dim]
    x, tx = pair()
    values, indices = x.topk(k, dim=dim, largest=largest)
    tv, ti = torch.topk(tx, k, dim=dim, largest=largest)
    np.testing.assert_array_equal(
        ag.topk(x, k, axis=dim, largest=largest).indices.data, indices.data
    )
    assert_same(values, tv)
    assert_same(indices, ti)
    w = np.arange(1.0, values.numel() + 1).reshape(values.shape)
    (values * Tensor(w)).sum().backward()
    (tv * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_topk_unsorted_keeps_the_same_set_and_rejects_large_k() -> None:
    values, indices = ag.topk(Tensor(X), 3, sorted=False)
    np.testing.assert_array_equal(
        np.sort(indices.data, axis=1), np.sort(torch.topk(torch.tensor(X), 3).indices.numpy(), 1)
    )
    np.testing.assert_array_equal(values.data, np.take_along_axis(X, indices.data, 1))
    with pytest.raises(ValueError, match=r"topk: k=5 is out of range.*size 4"):
        Tensor(X).topk(5)


def test_gather_matches_torch() -> None:
    idx = np.array([[3, 0], [1, 1], [0, 2]])
    assert_same_grad(
        lambda x: x.gather(1, ag.tensor(idx)), lambda x: x.gather(1, torch.tensor(idx))
    )
    with pytest.raises(TypeError, match="gather: index must hold integers"):
        Tensor(X).gather(1, np.zeros((3, 2)))


# ----------------------------------------------------------------------------- split / chunk
@pytest.mark.parametrize("size", [1, 2, 3, 5, [1, 2], [3, 0]])
@pytest.mark.parametrize("dim", [0, -1])
def test_split_takes_a_piece_size_or_sizes(size: Any, dim: int) -> None:
    n = X.shape[dim]
    if isinstance(size, list) and sum(size) != n:
        size = [*size, n - sum(size)]
    x, tx = pair()
    ours, theirs = x.split(size, dim), torch.split(tx, size, dim)
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert_same(a, b)
        (a.sum() * (k + 1.0)).backward()
        (b.sum() * (k + 1.0)).backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    assert [p.shape for p in ag.split(x, size, axis=dim)] == [p.shape for p in ours]


@pytest.mark.parametrize(("n", "chunks"), [(6, 3), (6, 4), (5, 2), (4, 4), (3, 5), (7, 3)])
def test_chunk_matches_torch_including_fewer_pieces(n: int, chunks: int) -> None:
    a = np.arange(float(n))
    ours = Tensor(a).chunk(chunks)
    theirs = torch.tensor(a).chunk(chunks)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.data, q.numpy())


def test_split_rejects_sizes_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match=r"split: sizes \[1, 1\] must .* add up to 3.*chunk"):
        Tensor(X).split([1, 1])
    with pytest.raises(ValueError, match="chunk: the number of chunks must be a positive int"):
        Tensor(X).chunk(0)


def test_lstm_reference_cuts_gates_into_four_equal_parts() -> None:
    """The call site that meant NumPy's ``split(4)`` now asks for ``chunk(4)``."""
    from nn.functional.recurrent_reference import lstm_cell_reference

    rng = np.random.default_rng(1)
    b, i, h = 2, 3, 5
    arrays = [
        rng.normal(size=s)
        for s in [(b, i), (b, h), (b, h), (4 * h, i), (4 * h, h), (4 * h,), (4 * h,)]
    ]
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = (Tensor(a) for a in arrays)
    h1, c1 = lstm_cell_reference(x, (h0, c0), w_ih, w_hh, b_ih, b_hh)
    t = [torch.tensor(a) for a in arrays]
    th, tc = torch.lstm_cell(t[0], (t[1], t[2]), t[3], t[4], t[5], t[6])
    np.testing.assert_allclose(h1.data, th.numpy(), rtol=1e-12)
    np.testing.assert_allclose(c1.data, tc.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- transpose & co
@pytest.mark.parametrize(("d0", "d1"), [(0, 1), (0, 2), (-1, 1), (2, 2)])
def test_transpose_swaps_two_dims(d0: int, d1: int) -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    assert_same_grad(lambda x: x.transpose(d0, d1), lambda x: x.transpose(d0, d1), a)
    assert_same_grad(lambda x: ag.transpose(x, d0, d1), lambda x: torch.transpose(x, d0, d1), a)
    assert_same_grad(lambda x: x.swapaxes(d0, d1), lambda x: x.swapaxes(d0, d1), a)


def test_transpose_with_a_permutation_points_to_permute() -> None:
    x = Tensor(np.zeros((2, 3, 4)))
    with pytest.raises(TypeError, match=r"transpose\(dim0, dim1\) swaps two.*permute\(1, 0, 2\)"):
        x.transpose(1, 0, 2)
    with pytest.raises(TypeError, match=r"permute\(2, 0, 1\)"):
        x.transpose((2, 0, 1))
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.transpose().shape == x.T.shape == (4, 3, 2)  # no arguments: reverse, as .T


def test_t_view_contiguous_narrow_expand_match_torch() -> None:
    assert_same_grad(lambda x: x.t(), lambda x: x.t())
    assert_same_grad(lambda x: x[0].t(), lambda x: x[0].t())
    assert_same_grad(lambda x: x.view(2, 6), lambda x: x.view(2, 6))
    assert_same_grad(lambda x: x.view(-1), lambda x: x.view(-1))
    assert_same_grad(lambda x: x.contiguous() * 2.0, lambda x: x.contiguous() * 2.0)
    assert_same_grad(lambda x: x.narrow(1, 1, 2), lambda x: x.narrow(1, 1, 2))
    assert_same_grad(lambda x: x.narrow(0, -2, 2), lambda x: x.narrow(0, -2, 2))
    assert_same_grad(lambda x: x[:, :1].expand(3, 5), lambda x: x[:, :1].expand(3, 5))
    assert_same_grad(lambda x: x[0].expand(2, -1), lambda x: x[0].expand(2, -1))
    assert_same_grad(lambda x: x.clamp(min=-0.5, max=1.0), lambda x: x.clamp(min=-0.5, max=1.0))
    with pytest.raises(ValueError, match=r"t: expects a Tensor with <= 2 dimensions"):
        Tensor(np.zeros((2, 2, 2))).t()
    with pytest.raises(ValueError, match=r"narrow: start=3, length=2 .* size 4"):
        Tensor(X).narrow(1, 3, 2)


def test_squeeze_leaves_a_non_unit_dim_alone_like_torch() -> None:
    a = np.zeros((1, 3, 1))
    for dim in (0, 1, 2, -1, (0, 2), (1,)):
        assert Tensor(a).squeeze(dim).shape == tuple(torch.tensor(a).squeeze(dim).shape)


# ----------------------------------------------------------------------------- sizes, dtypes
def test_size_is_a_method_and_numel_counts() -> None:
    x, tx = Tensor(np.zeros((2, 3, 4))), torch.zeros(2, 3, 4)
    assert x.size() == tuple(tx.size()) == (2, 3, 4)
    assert isinstance(x.size(), tuple)
    for d in (0, 1, 2, -1):
        assert x.size(d) == tx.size(d)
    assert x.numel() == tx.numel() == 24
    assert x.dim() == tx.dim() == 3


DTYPE_NAMES = [
    "float16",
    "half",
    "float32",
    "float",
    "float64",
    "double",
    "int8",
    "uint8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "bool",
]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_names_are_numpy_dtypes_with_torchs_meaning(name: str) -> None:
    ours = getattr(ag, name)
    assert isinstance(ours, np.dtype)
    assert ours == torch.empty(0, dtype=getattr(torch, name)).numpy().dtype
    assert ag.zeros(2, dtype=ours).dtype == ours


CASTS = ["float", "double", "half", "long", "int", "short", "bool"]


@pytest.mark.parametrize("name", CASTS)
def test_cast_methods_match_torch(name: str) -> None:
    a = np.array([[1.7, -2.2, 0.0], [3.5, 0.4, -0.6]])
    x, tx = Tensor(a), torch.tensor(a)
    assert_same(getattr(x, name)(), getattr(tx, name)())
    target = getattr(ag, {"float": "float32", "double": "float64"}.get(name, name))
    assert_same(x.type(target), tx.type(getattr(torch, name)))


def test_casts_keep_gradients_for_floats_and_leave_the_graph_for_ints() -> None:
    x, tx = pair()
    y, ty = x.float() * 2.0, tx.float() * 2.0
    assert y.dtype == np.float32 and ty.dtype == torch.float32
    y.sum().backward()
    ty.sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    n, tn = x.long(), tx.long()
    assert not n.requires_grad and not tn.requires_grad and n.grad_fn is None
    assert x.type() == "float64"
    assert x.is_floating_point() and not n.is_floating_point()


def test_type_is_declared_as_what_it_returns() -> None:
    # type() gives the dtype's name and type(dtype) a cast Tensor (PyTorch's two meanings);
    # the method was declared to return a Tensor for both, so a type checker called
    # x.type().upper() an error and let x.type() + x through. Overloads tell them apart.
    x = Tensor(X.copy())
    assert x.type() == "float64" and isinstance(x.type(), str)
    cast = x.type(np.float32)
    assert isinstance(cast, Tensor) and cast.dtype == np.float32
    np.testing.assert_array_equal(cast.data, X.astype(np.float32))
    declared = [f.__annotations__["return"] for f in typing.get_overloads(Tensor.type)]
    assert declared == ["str", "Tensor"]


# ----------------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_methods_give_bool_tensors_like_torch(name: str) -> None:
    a = np.array([[1.0, 2.0, 3.0], [4.0, 2.0, 0.0]])
    b = np.array([2.0, 2.0, 1.0])
    assert_same(
        getattr(Tensor(a), name)(Tensor(b)), getattr(torch.tensor(a), name)(torch.tensor(b))
    )
    assert_same(getattr(Tensor(a), name)(2.0), getattr(torch.tensor(a), name)(2.0))


def test_bool_tensors_combine_count_and_mask_like_torch() -> None:
    a = np.array([0.5, -1.0, 2.0, 0.0])
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    m, tm = (x > 0) & (x < 1), (tx > 0) & (tx < 1)
    assert_same(m, tm)
    assert_same(~m | (x == 0), ~tm | (tx == 0))
    assert_same((x > 0).sum(), (tx > 0).sum())  # int64 count
    assert_same((x > 0).any(), (tx > 0).any())
    assert_same((x > -5).all(), (tx > -5).all())
    y, ty = ag.where(x > 0, x * 2.0, x), torch.where(tx > 0, tx * 2.0, tx)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    (x[x > 0] * 3.0).sum().backward()


# ----------------------------------------------------------------------------- new_*
@pytest.mark.parametrize(
    "source", [np.zeros(2, np.float64), np.zeros(2, np.int64), np.zeros(2, np.float32)]
)
def test_new_factories_take_the_source_dtype(source: np.ndarray) -> None:
    x, tx = ag.tensor(source), torch.tensor(source)
    assert_same(x.new_zeros(2, 3), tx.new_zeros(2, 3))
    assert_same(x.new_ones((3,)), tx.new_ones((3,)))
    assert_same(x.new_full((2, 2), 7), tx.new_full((2, 2), 7))
    assert_same(x.new_tensor([1, 2, 3]), tx.new_tensor([1, 2, 3]))
    assert_same(x.new_zeros(2, dtype=ag.bool), tx.new_zeros(2, dtype=torch.bool))
    assert x.new_empty(4).shape == (4,) and x.new_empty(4).dtype == x.dtype


def test_cat_and_stack_with_dim_match_torch() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    for d in (0, 1, -1):
        assert_same(
            ag.cat([Tensor(a), Tensor(b)], dim=d),
            torch.cat([torch.tensor(a), torch.tensor(b)], dim=d),
        )
        assert_same(
            ag.stack([Tensor(a), Tensor(b)], dim=d),
            torch.stack([torch.tensor(a), torch.tensor(b)], dim=d),
        )
