"""Shape ops: reshape/view, transpose/permute, broadcast_to, squeeze/unsqueeze/flatten.

PyTorch's meanings where NumPy's differ: ``transpose(d0, d1)`` swaps two dimensions
(a whole permutation is ``permute``), ``squeeze``/``unsqueeze`` take ``dim``.

They move numbers around without changing them, so each gradient is the inverse move:
reshape back, transpose with the inverse permutation, sum over broadcast axes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .. import array_cache
from ..function import Function, Nodes
from ..rules import DerivativeRule
from .argnames import dim_of
from .broadcast import unbroadcast
from .indexing import IndexPut

if TYPE_CHECKING:  # for annotations only: tensor.py imports this module
    from ..tensor import Tensor

__all__ = [
    "reshape",
    "view",
    "transpose",
    "t",
    "permute",
    "swapaxes",
    "narrow",
    "broadcast_to",
    "squeeze",
    "unsqueeze",
    "flatten",
    "astype",
    "diag",
]


# NumPy >= 2.1: reshape(..., copy=False) raises instead of copying
_COPY_KEYWORD = tuple(int(p) for p in np.__version__.split(".")[:2]) >= (2, 1)


def _reshaped_size(x: np.ndarray, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with its -1 worked out, or the ValueError that names both shapes."""
    bad = ValueError(f"cannot reshape {x.shape} ({x.size} elements) into {shape}")
    known = [d for d in shape if d != -1]
    if len(known) < len(shape) - 1 or any(d < -1 for d in shape):
        raise bad
    rest = int(np.prod(known))
    if len(known) == len(shape):
        if rest != x.size:
            raise bad
        return tuple(shape)
    if rest == 0 or x.size % rest:
        raise bad
    return tuple(x.size // rest if d == -1 else d for d in shape)


class Reshape(Function):
    rule = DerivativeRule.of("x", "reshape gy to {shape}")
    view_of_input = True  # NumPy returns a view when it can

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        try:
            if x.flags.c_contiguous:
                return x.reshape(shape)
            # a view when the strides allow one ...
            if _COPY_KEYWORD:
                return x.reshape(shape, copy=False)
            # (NumPy < 2.1: giving a view the new shape raises where reshape would copy)
            view = x.view()
            view.shape = shape
            return view
        except (ValueError, AttributeError):
            pass
        size = _reshaped_size(x, shape)
        # ... else a copy, into an array reused by the next step's reshape
        out = array_cache.empty(size, x.dtype)
        np.copyto(out.reshape(x.shape), x)
        return out

    def backward(self, gy: Any) -> Any:
        return gy.reshape(self.inputs[0].shape)


class Transpose(Function):
    rule = DerivativeRule.of("x", "transpose gy back")
    view_of_input = True  # NumPy returns a view when it can

    def forward(self, x: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
        self.axes = tuple(reversed(range(x.ndim))) if axes is None else axes
        return np.transpose(x, self.axes)

    def backward(self, gy: Any) -> Any:
        return gy.permute(*np.argsort(self.axes).tolist())  # inverse permutation


class BroadcastTo(Function):
    op = "broadcast_to"
    rule = DerivativeRule.of("x", "Σ gy over broadcast axes")
    view_of_input = True

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    def backward(self, gy: Any) -> Any:
        return unbroadcast(gy, self.inputs[0].shape)


class Clone(Function):
    """A copy of the data; the gradient passes through unchanged."""

    rule = DerivativeRule.of("x", "gy")

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def backward(self, gy: Any) -> Any:
        return gy


class AsType(Function):
    """dtype cast; the gradient is cast back to the input's dtype."""

    op = "astype"
    rule = DerivativeRule.of("x", "gy as {dtype}")

    def forward(self, x: np.ndarray, dtype: Any) -> np.ndarray:
        return x.astype(dtype)

    def backward(self, gy: Any) -> Any:
        return gy.astype(self.inputs[0].dtype)


def reshape(x: Any, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if tuple(shape) == x.shape:
        return x
    return Reshape.apply(x, shape=tuple(shape))


def _dim(op: str, d: Any, ndim: int) -> int:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{op}: dimensions must be ints, got {d!r}")
    if not -max(ndim, 1) <= d < max(ndim, 1):
        raise ValueError(
            f"{op}: dimension {d} is out of range for a Tensor with {ndim} dimensions "
            f"(valid {-max(ndim, 1)}..{max(ndim, 1) - 1})"
        )
    return int(d) % ndim if ndim else 0


def transpose(x: Any, *dims: Any) -> Tensor:
    """PyTorch's ``transpose(dim0, dim1)``: swap two dimensions.

    With no arguments all dimensions are reversed (what ``.T`` does). NumPy's
    ``transpose(axes)`` with a whole permutation is ``permute`` here.
    """
    if not dims:
        return Transpose.apply(x, axes=None)
    if len(dims) != 2 or isinstance(dims[0], (tuple, list)):
        perm = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        raise TypeError(
            f"transpose(dim0, dim1) swaps two dimensions (PyTorch's meaning), got {dims!r}; "
            f"for a whole permutation use permute{tuple(perm)!r}"
        )
    return swapaxes(x, *dims)


def permute(x: Any, *dims: Any) -> Tensor:
    """Reorder all dimensions: ``permute(2, 0, 1)`` puts the last one first."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    axes = tuple(_dim("permute", d, x.ndim) for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(
            f"permute: dims {dims} are not a permutation of the {x.ndim} dimensions of a "
            f"Tensor of shape {x.shape}"
        )
    return Transpose.apply(x, axes=axes)


def swapaxes(x: Any, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (PyTorch's ``transpose``; NumPy's ``swapaxes``)."""
    a, b = _dim("transpose", dim0, x.ndim), _dim("transpose", dim1, x.ndim)
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return Transpose.apply(x, axes=tuple(perm))


def t(x: Any) -> Tensor:
    """Transpose a tensor of at most 2 dimensions (PyTorch's ``t``)."""
    if x.ndim > 2:
        raise ValueError(
            f"t: expects a Tensor with <= 2 dimensions, got shape {x.shape}; use "
            "transpose(dim0, dim1) or permute(...)"
        )
    return Transpose.apply(x, axes=None) if x.ndim == 2 else x


def view(x: Any, *shape: Any) -> Tensor:
    """PyTorch's ``view``, done as ``reshape``: a view of the same memory when the strides
    allow one (always for a row-major Tensor, as every layer makes), else a copy -- where
    PyTorch's ``view`` raises instead. Writing through a copy does not reach ``x``."""
    return reshape(x, *shape)


def narrow(x: Any, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start .. start + length - 1`` along ``dim`` (a differentiable slice)."""
    d = _dim("narrow", dim, x.ndim)
    n = x.shape[d]
    start = start + n if start < 0 else start
    if not (0 <= start <= n and 0 <= length and start + length <= n):
        raise ValueError(
            f"narrow: start={start}, length={length} does not fit dimension {dim} of size {n}"
        )
    return x[(slice(None),) * d + (slice(start, start + length),)]


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Tensor:
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


def squeeze(x: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Drop size-1 dimensions: all of them, or those of ``dim`` (an int or a tuple).

    As in PyTorch, a named ``dim`` whose size is not 1 is left alone (NumPy raises).
    """
    axis = dim_of("squeeze", dim, axis)
    if axis is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = tuple(_dim("squeeze", a, x.ndim) for a in axes)
        axes = tuple(a for a in axes if x.shape[a] == 1)
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    return reshape(x, shape)


def unsqueeze(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Insert a size-1 dimension at ``dim``."""
    axis = dim_of("unsqueeze", dim, axis)
    if axis is None:
        raise TypeError("unsqueeze: missing the dimension; call unsqueeze(dim)")
    ndim = x.ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"unsqueeze: axis {axis} out of range for a result with {ndim} dims")
    shape = list(x.shape)
    shape.insert(axis % ndim, 1)
    return reshape(x, tuple(shape))


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one (PyTorch's ``flatten``)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = start_dim % x.ndim, end_dim % x.ndim
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(x.shape[s : e + 1]))
    return reshape(x, x.shape[:s] + (merged,) + x.shape[e + 1 :])


def clone(x: Any) -> Tensor:
    """A Tensor with its own copy of the data (differentiable, like ``torch.clone``)."""
    return Clone.apply(x)


def astype(x: Any, dtype: Any) -> Tensor:
    """Cast to ``dtype``. A cast to an integer or bool dtype leaves the graph (such a
    Tensor cannot carry gradients, as in PyTorch)."""
    dt = np.dtype(dtype)
    if dt == x.dtype:
        return x
    if dt.kind not in "fc":
        return Nodes.Tensor._constant(x.data.astype(dt))
    return AsType.apply(x, dtype=dt)


def diag(x: Any, diagonal: int = 0) -> Any:
    """``torch.diag``: the diagonal of a matrix, or the matrix with a vector on it.

    2-D ``x`` -> the 1-D diagonal (``diagonal`` > 0 above the main one, < 0 below); built
    from indexing, so the gradient goes back to the diagonal entries. 1-D ``x`` of length
    n -> the (n+|k|, n+|k|) matrix with ``x`` on diagonal k and zeros elsewhere.
    """
    k = int(diagonal)
    if x.ndim == 2:
        rows, cols = x.shape
        i = np.arange(max(0, -k), min(rows, cols - k)) if cols - k > 0 else np.arange(0)
        return x[i, i + k]
    if x.ndim == 1:
        n = x.shape[0]
        j = np.arange(n)  # x[j] lands at (j - min(k, 0), j + max(k, 0))
        square = Nodes.Tensor._constant(np.zeros((n + abs(k), n + abs(k)), dtype=x.dtype))
        return IndexPut.apply(square, x, index=(j - min(k, 0), j + max(k, 0)))
    raise ValueError(f"diag: expected a 1-D or 2-D Tensor, got shape {x.shape}")


def _cast(dtype: Any) -> Any:
    def method(self: Any) -> Any:
        return astype(self, dtype)

    method.__doc__ = f"A copy as ``{np.dtype(dtype)}`` (``self`` itself if it already is)."
    return method


def _expand(self: Any, *sizes: Any) -> Any:
    """Broadcast to ``sizes`` (``-1`` keeps a dimension), PyTorch's ``expand``."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    lead = len(sizes) - self.ndim
    target = tuple(
        self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes)
    )
    return broadcast_to(self, target)


class ShapeMethods:
    """Tensor's shape, copy and dtype methods (``Tensor`` inherits them), PyTorch's names."""

    __slots__ = ()
    _data: np.ndarray  # a mixin: the array is Tensor's slot

    reshape = reshape
    view = view
    transpose = transpose
    t = t
    permute = permute
    swapaxes = swapaxes
    narrow = narrow
    broadcast_to = broadcast_to
    expand = _expand
    squeeze = squeeze
    unsqueeze = unsqueeze
    flatten = flatten
    diag = diag
    clone = clone
    astype = astype

    def contiguous(self) -> Any:
        """``self``: NumPy arrays need no re-layout before ``view``."""
        return self

    def view_as(self, other: Any) -> Tensor:
        return view(self, *other.shape)

    def reshape_as(self, other: Any) -> Tensor:
        return reshape(self, other.shape)

    def expand_as(self, other: Any) -> Tensor:
        return _expand(self, *other.shape)

    def type_as(self, other: Any) -> Tensor:
        return astype(self, other.dtype)

    # sizes and dtypes, PyTorch's spelling (``size()`` itself lives in tensor.py)
    def numel(self) -> int:
        """Number of elements (NumPy's ``.size``)."""
        return self._data.size

    def dim(self) -> int:
        """Number of dimensions (``ndim``)."""
        return self._data.ndim

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    float = _cast(np.float32)
    double = _cast(np.float64)
    half = _cast(np.float16)
    long = _cast(np.int64)
    int = _cast(np.int32)
    short = _cast(np.int16)
    bool = _cast(np.bool_)

    @overload
    def type(self, dtype: None = None) -> str: ...
    @overload
    def type(self, dtype: Any) -> Tensor: ...
    def type(self, dtype: Any = None) -> Tensor | str:
        """``type()``: the dtype's name; ``type(dtype)``: a cast (PyTorch's two meanings)."""
        if dtype is None:
            return str(self._data.dtype)
        return astype(self, dtype)
