"""In-place operations (``x += y``, ``add_``, ``x[i] = v``, ...) with PyTorch's rules.

An in-place op writes its result into the Tensor's own array, so everything that holds
the Tensor (a model, an optimizer, a ``detach()``-ed alias) sees the new values.

Three rules keep gradients honest:

1. **Leaves that require grad** refuse in-place changes while the graph is being
   recorded (their gradient would describe values they no longer hold). Updating
   parameters is done under ``with no_grad():``, which is exactly what optimizers do.
2. **Version counter.** Every in-place op bumps ``x._version`` (shared by ``x``, its
   ``detach()`` and its views) and stamps the counter with a process-wide, increasing
   number; a recorded op remembers the newest stamp when it ran. When backward reaches
   an op whose saved tensor carries a newer stamp, it raises instead of using the new
   values (``Function.saved_tensors`` / ``Function.output``). Ops pay nothing for this.
3. **Rebase.** While recording, an in-place op on a tensor in the graph (or with an
   operand that requires grad) is differentiable: ``h += b`` computes ``h + b`` out of
   place, writes it into ``h``'s array, and gives ``h`` (same object) the new op as
   ``grad_fn``. The op's parent is a hidden *snapshot* that takes over ``h``'s previous
   history; ops that used ``h`` *before* the change send their gradient to that snapshot
   (``Function.inputs_as_used``), so they still see the version they computed with.

When nothing is recorded (``no_grad()``, or no tensor involved requires grad) the op
runs straight in NumPy (``np.add(x, y, out=x)``): the manual-SGD update
``p -= lr * p.grad`` costs one ufunc call.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .function import Function, Nodes
from .graph import _GradMode, _new_version_counter, bump_version
from .graph import _local as _grad_local
from .ops import arithmetic as ar
from .ops import elementwise as ew
from .ops import indexing
from .ops.broadcast import unbroadcast
from .random import normal_values, uniform_values
from .rules import DerivativeRule

if TYPE_CHECKING:  # the Tensor class inherits InplaceMethods: it sits above this module
    from .tensor import Tensor

__all__: list[str] = []


# ---------------------------------------------------------------- version counter
def _box(t: Tensor) -> list:
    """``t``'s version counter, created on first use."""
    vc = t._vc
    if vc is None:
        vc = t._vc = _new_version_counter()
    return vc


def _bump(t: Tensor) -> int:
    """Count one in-place change of ``t``'s array; return its stamp."""
    return bump_version(_box(t))


def _array(x: Any) -> Any:
    return x._data if isinstance(x, Nodes.Tensor) else x


def _recording(self: Tensor, others: tuple) -> bool:
    """Will the out-of-place form of this op be recorded?"""
    if not (_GradMode.all_on or _grad_local.enabled):
        return False
    return self.requires_grad or any(
        isinstance(o, Nodes.Tensor) and o.requires_grad for o in others
    )


def _check_allowed(self: Tensor, name: str) -> None:
    """Refusals made before anything is computed (a failed call changes nothing)."""
    if self.requires_grad and self._fn is None and (_GradMode.all_on or _grad_local.enabled):
        raise RuntimeError(
            f"{name}: a leaf Tensor that requires grad (shape {self.shape}) is being used "
            "in an in-place operation while the graph is recorded; its gradient would no "
            "longer match its values. Update it inside `with no_grad():` (as optimizers "
            "do: `with no_grad(): p -= lr * p.grad`), or change a copy made with .clone()"
        )
    if not self._data.flags.writeable:
        raise ValueError(
            f"{name}: this Tensor's array (shape {self.shape}) is read-only (a broadcast "
            "view, or an array NumPy marked read-only); change a copy made with .clone()"
        )


def _check_result(self: Tensor, result: Tensor, name: str) -> None:
    if result.shape != self.shape:
        raise ValueError(
            f"{name}: the result has shape {result.shape}, but an in-place op cannot change "
            f"the shape of the Tensor it writes into ({self.shape}); use the out-of-place "
            "form (x = x + y)"
        )
    if not np.can_cast(result.dtype, self.dtype, "same_kind"):
        raise TypeError(
            f"{name}: the result has dtype {result.dtype}, which cannot be stored in this "
            f"Tensor of dtype {self.dtype}; use the out-of-place form (x = x + y) or "
            ".astype() first"
        )


# ---------------------------------------------------------------- the driver
def _inplace(
    self: Tensor,
    name: str,
    compute: Callable[[], Tensor],
    fast: Callable[[], None],
    others: tuple = (),
) -> Tensor:
    """Run one in-place op: ``compute()`` is its out-of-place form (recorded when it
    should be); ``fast()`` writes straight into ``self``'s array when nothing records."""
    _check_allowed(self, name)
    if not _recording(self, others):
        try:
            fast()
        except TypeError as err:
            raise TypeError(f"{name}: {err} (Tensor dtype {self.dtype})") from None
        except ValueError as err:
            raise ValueError(
                f"{name}: {err}; an in-place op keeps the shape {self.shape} of the Tensor "
                "it writes into (use the out-of-place form to broadcast to a new shape)"
            ) from None
        _bump(self)
        return self
    result = compute()
    _check_result(self, result, name)
    if result._fn is None:  # e.g. every operand turned out constant
        np.copyto(self._data, result._data, casting="same_kind")
        _bump(self)
        return self
    _rebase(self, result, name)
    return self


def _rebase(self: Tensor, result: Tensor, name: str) -> None:
    """Write the recorded ``result`` into ``self`` and make ``self`` its graph node."""
    fn = result._fn
    assert fn is not None, "a recorded op's result has its Function"
    vc = _box(self)
    if vc[1]:
        raise RuntimeError(
            f"{name}: this Tensor (shape {self.shape}) is a view of another Tensor or has "
            "views (from reshape, transpose or indexing) sharing its memory; changing it in "
            "place while recording would leave their history stale. Use the out-of-place "
            "form (y = y + b), or take a .clone() before making views"
        )
    # the snapshot: self's previous version, taking over its place in the graph
    old = Nodes.Tensor._constant(self._data)
    old._vc = vc  # same array, same counter: ops that saved it will see the change
    old.requires_grad = self.requires_grad
    old._fn, old._parents, old.label = self._fn, self._parents, self.label
    if self._fn is not None and self._fn._output_ref() is self:
        self._fn._output_ref = weakref.ref(old)
    # An op that keeps its own input (mul_ needs the old values for the other operand's
    # gradient) keeps a copy of it, taken before the write -- as PyTorch does.
    saved = getattr(fn, "_saved", ())
    if any(a is self._data for a in saved):
        original = old.clone()
        fn._saved = tuple(original._data if a is self._data else a for a in saved)
        fn._saved_extra = fn._saved_extra + (original,)
    fn.inputs = tuple(old if t is self else t for t in fn.inputs)
    np.copyto(self._data, result._data, casting="same_kind")
    stamp = _bump(self)
    # self (same object) becomes the op's output, as of after the write
    self._fn, self._parents, self.requires_grad = fn, fn.inputs, True
    fn._output_ref = weakref.ref(self)
    fn._stamp = stamp
    snaps = [s for s in (self._snaps or ()) if s[1]() is not None]
    snaps.append((stamp, weakref.ref(old)))
    self._snaps = snaps


# ---------------------------------------------------------------- ops
class Copy(Function):
    """``src`` broadcast to ``x``'s shape and cast to its dtype (``copy_``/``fill_``).

    The old values of ``x`` are discarded, so x gets a zero gradient; ``src`` gets the
    gradient summed over the axes broadcasting stretched.
    """

    op = "copy"
    rule = DerivativeRule.of("x src", "0", "gy", broadcasts=True)

    def forward(self, x: np.ndarray, src: np.ndarray) -> np.ndarray:
        try:
            return np.broadcast_to(src, x.shape).astype(x.dtype)
        except ValueError:
            raise ValueError(
                f"cannot copy a source of shape {src.shape} into a Tensor of shape {x.shape}"
            ) from None

    def backward(self, gy: Any) -> tuple:
        x, src = self.inputs
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = Nodes.Tensor._constant(np.zeros(x.shape, dtype=x.dtype))
        if self.needs_input_grad[1]:
            gs = unbroadcast(gy, src.shape)
            if gs.dtype != src.dtype:
                gs = gs.astype(src.dtype)
        return gx, gs


def _binary(name: str, op: type[Function], ufunc: Any) -> Callable[..., Tensor]:
    def method(self: Tensor, other: Any) -> Tensor:
        def fast() -> None:
            ufunc(self._data, _array(other), out=self._data, casting="same_kind")

        return _inplace(self, name, lambda: op.apply(self, other), fast, (other,))

    method.__name__ = name
    method.__doc__ = f"In place: ``self = self {op.op} other`` (returns ``self``)."
    return method


_add = _binary("add_", ar.Add, np.add)
_sub = _binary("sub_", ar.Sub, np.subtract)
mul_ = _binary("mul_", ar.Mul, np.multiply)
div_ = _binary("div_", ar.Div, np.true_divide)


def add_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """In place: ``self += alpha * other`` (PyTorch's ``add_``); returns ``self``."""
    return _add(self, other if alpha == 1 else other * alpha)


def sub_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """In place: ``self -= alpha * other`` (PyTorch's ``sub_``); returns ``self``."""
    return _sub(self, other if alpha == 1 else other * alpha)


def pow_(self: Tensor, exponent: Any) -> Tensor:
    """In place: ``self = self ** exponent``; returns ``self``."""

    def compute() -> Tensor:
        if isinstance(exponent, (int, float, np.number)):
            return ar.PowScalar.apply(self, exponent=float(exponent))
        return ar.Pow.apply(self, exponent)

    def fast() -> None:
        np.power(self._data, _array(exponent), out=self._data, casting="same_kind")

    return _inplace(self, "pow_", compute, fast, (exponent,))


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """In place: clip to ``[min, max]`` (either may be None); returns ``self``."""
    if min is None and max is None:
        raise ValueError("clamp_: give min, max or both")
    lo, hi = _array(min), _array(max)

    def fast() -> None:
        np.clip(self._data, lo, hi, out=self._data, casting="same_kind")

    return _inplace(self, "clamp_", lambda: ew.clip(self, lo, hi), fast)


def copy_(self: Tensor, src: Any) -> Tensor:
    """In place: copy ``src`` (broadcast, cast to ``self.dtype``) into ``self``.

    Differentiable like PyTorch's: ``src`` receives the gradient, the old values none.
    """

    def fast() -> None:
        np.copyto(self._data, np.broadcast_to(_array(src), self.shape), casting="unsafe")

    def compute() -> Tensor:
        return Copy.apply(self, src)

    return _inplace(self, "copy_", compute, fast, (src,))


def fill_(self: Tensor, value: Any) -> Tensor:
    """In place: every element becomes ``value`` (a number or a one-element Tensor)."""
    if isinstance(value, Nodes.Tensor) and value._data.size != 1:
        raise ValueError(
            f"fill_: the value must be a number or a one-element Tensor, got shape {value.shape}"
        )
    return _fill(self, value, "fill_")


def zero_(self: Tensor) -> Tensor:
    """In place: every element becomes 0; returns ``self``."""
    return _fill(self, 0, "zero_")


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> Tensor:
    """In place: draws from U[from, to) (the default stream unless ``generator`` is given)."""
    _check_allowed(self, "uniform_")
    values = uniform_values("uniform_", self.shape, self.dtype, from_, to, generator)
    return _fill(self, values, "uniform_")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """In place: draws from N(mean, std^2) (the default stream unless ``generator`` is given)."""
    _check_allowed(self, "normal_")
    values = normal_values("normal_", self.shape, self.dtype, mean, std, generator)
    return _fill(self, values, "normal_")


def _fill(self: Tensor, value: Any, name: str) -> Tensor:
    def fast() -> None:
        self._data[...] = _array(value)

    return _inplace(self, name, lambda: Copy.apply(self, value), fast, (value,))


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """``self[index] = value``: writes in place; differentiable like PyTorch's.

    ``y = x * 2; y[0] = z`` makes ``y``'s gradient flow to ``z`` at index 0 and to ``x``
    everywhere else.
    """
    index = indexing.normalize_index(index)

    def fast() -> None:
        try:
            self._data[index] = _array(value)
        except IndexError as err:
            raise ValueError(f"{err} (Tensor shape {self.shape})") from None

    def compute() -> Tensor:
        return indexing.IndexPut.apply(self, value, index=index)

    _inplace(self, "__setitem__", compute, fast, (value,))


def _imatmul(self: Tensor, other: Any) -> Tensor:
    raise TypeError(
        "@=: in-place matrix multiplication is not supported (the result usually has a "
        "different shape); write x = x @ w"
    )


class InplaceMethods:
    """PyTorch's in-place Tensor methods and operators, inherited by ``Tensor``.

    ``x.add_(y)``, ``x += y``, ``x[i] = v``, ...: each writes into ``x``'s own array (see the
    module docstring for when that is allowed while recording, and how it is recorded).
    """

    __slots__ = ()

    add_ = add_
    sub_ = sub_
    mul_ = mul_
    div_ = div_
    pow_ = pow_
    clamp_ = clamp_
    copy_ = copy_
    fill_ = fill_
    zero_ = zero_
    uniform_ = uniform_
    normal_ = normal_
    __iadd__ = _add
    __isub__ = _sub
    __imul__ = mul_
    __itruediv__ = div_
    __ipow__ = pow_
    __imatmul__ = _imatmul
    __setitem__ = setitem
