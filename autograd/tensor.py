"""``Tensor``: a NumPy array that remembers how it was computed.

A Tensor made by the user is a *leaf*; one made by an op is an *interior* node whose
``parents`` are the op's inputs and whose ``grad_fn`` (a :class:`Function`) knows the
local derivatives. ``backward()`` is the same driver as for ``Value``
(``autograd/graph.py``).

dtype policy: floating arrays keep their dtype; Python numbers, lists and integer or
boolean arrays become the default float dtype (float32, see ``set_default_dtype``);
an explicit ``dtype=`` always wins (that is how integer class-index Tensors are made).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from . import hooks as _hooks
from .data_view import is_whole_view, view_of
from .devices import DeviceMethods
from .dtype import get_default_dtype
from .function import Function, Nodes
from .graph import _new_version_counter, run_backward
from .inplace import InplaceMethods
from .naming import NameIsLabel
from .ops.arithmetic import ArithmeticMethods
from .ops.compare import CompareMethods
from .ops.elementwise import ElementwiseMethods
from .ops.gather import GatherMethods
from .ops.indexing import IndexingMethods
from .ops.join import JoinMethods
from .ops.matmul import MatmulMethods
from .ops.reduction import ReductionMethods
from .ops.shape import ShapeMethods

__all__ = ["Tensor"]

ArrayLike = Any


def _to_array(data: ArrayLike, dtype: Any = None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    arr = np.asarray(data)
    if arr.dtype.kind == "f" and isinstance(data, (np.ndarray, np.generic)):
        return arr  # NumPy floating data keeps its precision
    if arr.dtype.kind in "fbiu":  # Python numbers and lists, integer and bool arrays
        return arr.astype(get_default_dtype())
    raise TypeError(
        f"Tensor: cannot make a Tensor from data of dtype {arr.dtype}; "
        "pass real numbers (or give dtype= explicitly)"
    )


class Tensor(
    ArithmeticMethods,
    CompareMethods,
    ElementwiseMethods,
    ReductionMethods,
    GatherMethods,
    ShapeMethods,
    IndexingMethods,
    JoinMethods,
    MatmulMethods,
    DeviceMethods,
    InplaceMethods,
    NameIsLabel,
):
    """A node holding a NumPy array.

    The node itself (data, grad, parents, backward) is written here; its operators and
    methods come from the op modules, one base class each (``ElementwiseMethods`` in
    ``ops/elementwise.py`` gives ``exp``, ...), so an op and its method live together.

    Parameters
    ----------
    data : array-like
        Converted with the dtype policy above. Not copied when already an array of the
        right dtype.
    requires_grad : bool
        Leaves with ``requires_grad=True`` receive ``.grad`` from ``backward()``.
    dtype : numpy dtype, optional
    label : str
        Name shown in drawings.

    Attributes
    ----------
    data : np.ndarray
        The values. Assigning ``t.data = array`` replaces them with ``array`` cast to
        ``t.dtype``; the shape must stay the same. The assignment is not recorded and not
        counted as an in-place change (like PyTorch's ``.data``).
    grad : Tensor or None
        ``dL/dself`` with the shape of ``data``; ``None`` until a gradient arrives.
        Leaf gradients accumulate across ``backward()`` calls.
    parents : tuple[Tensor, ...]
    op : str
    grad_fn : Function or None
    _version : int
        How many in-place changes its array has seen (``autograd/inplace.py``).
    """

    # ``_vc`` is the version counter (``autograd/graph.py``), shared by every Tensor that
    # shares the same array (``detach()``, views); ``None`` until first needed, meaning 0.
    # ``_hooks`` holds the gradient hooks (``register_hook``), ``_snaps`` the hidden
    # snapshots of earlier versions left behind by recorded in-place ops.
    __slots__ = (
        "_data",
        "grad",
        "requires_grad",
        "_parents",
        "_fn",
        "label",
        "_vc",
        "_hooks",
        "_snaps",
        "__weakref__",
    )

    # ``x.new_zeros(2, 3)`` and the like: set by autograd/creation.py, which imports this
    # module (declared here so that type checkers know them)
    new_zeros: ClassVar[Callable[..., Tensor]]
    new_ones: ClassVar[Callable[..., Tensor]]
    new_empty: ClassVar[Callable[..., Tensor]]
    new_full: ClassVar[Callable[..., Tensor]]
    new_tensor: ClassVar[Callable[..., Tensor]]

    # Make NumPy defer to our reflected operators (``array * tensor`` -> Tensor).
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str = "",
    ) -> None:
        array = _to_array(data, dtype)
        if requires_grad and array.dtype.kind not in "fc":
            raise TypeError(
                f"Tensor: only floating tensors can require gradients, got dtype {array.dtype}"
            )
        self._data = array
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple = ()
        self._fn: Function | None = None
        self.label = label
        self._vc: list | None = None
        self._hooks: list | None = None
        # (stamp, weak reference to the snapshot Tensor) per recorded in-place change
        self._snaps: list[tuple[int, weakref.ref[Tensor]]] | None = None

    @classmethod
    def _constant(cls, data: np.ndarray) -> Tensor:
        t = cls.__new__(cls)
        t._data = data
        t.grad = None
        t.requires_grad = False
        t._parents = ()
        t._fn = None
        t.label = ""
        t._vc = t._hooks = t._snaps = None
        return t

    @classmethod
    def _from_op(cls, data: np.ndarray, fn: Any) -> Tensor:
        t = Tensor.__new__(Tensor)
        t._data = data if isinstance(data, np.ndarray) else np.asarray(data)
        t.grad = None
        t.requires_grad = True
        t._parents = fn.inputs
        t._fn = fn
        t.label = ""
        t._vc = t._hooks = t._snaps = None
        return t

    # ------------------------------------------------------------------ data
    @property
    def data(self) -> np.ndarray:
        """The values: this Tensor's own array (no copy), as a NumPy array that also has
        PyTorch's in-place methods (``p.data.add_(g, alpha=-lr)``; ``autograd/data_view.py``).
        Changes made through it count as in-place changes of the Tensor."""
        vc = self._vc
        if vc is None:
            vc = self._vc = _new_version_counter()
        return view_of(self._data, vc)

    @data.setter
    def data(self, value: ArrayLike) -> None:
        self._data = _assigned_array(self, value, "data")

    @property
    def _version(self) -> int:
        """How many in-place changes the array has seen (shared with ``detach()``/views)."""
        vc = self._vc
        return 0 if vc is None else vc[0]

    # ------------------------------------------------------------------ graph view
    @property
    def parents(self) -> tuple:
        return self._parents

    @property
    def op(self) -> str:
        return self._fn.op if self._fn is not None else ""

    @property
    def grad_fn(self) -> Any:
        return self._fn

    @property
    def is_leaf(self) -> bool:
        return self._fn is None

    # ------------------------------------------------------------------ array view
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def size(self, dim: int | None = None) -> Any:
        """The shape (``size()``) or the length of one dimension (``size(dim)``).

        A method, as in PyTorch; NumPy's ``.size`` (the element count) is ``numel()``.
        """
        if dim is None:
            return self._data.shape
        return self._data.shape[dim]

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self._data

    def item(self) -> float:
        if self._data.size != 1:
            raise ValueError(
                f"item: only a one-element Tensor converts to a number, this one has "
                f"shape {self.shape}"
            )
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if copy:
            return np.array(self._data, dtype=dtype, copy=True)
        return self._data if dtype is None else self._data.astype(dtype)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self._data)

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a Tensor of shape {self.shape} is ambiguous; "
                "use (t > 0).any() or .all()"
            )
        return bool(self._data)

    # identity hash (defining __eq__ would otherwise remove it); kept as the C slot, not a
    # Python def, because the graph walks hash every node
    __hash__ = object.__hash__  # pyright: ignore[reportAssignmentType]

    def __repr__(self) -> str:
        body = np.array2string(self._data, precision=4, threshold=20, edgeitems=2, separator=", ")
        extras = [f"shape={self.shape}", f"dtype={self.dtype}"]
        if self._fn is not None:
            extras.append(f"op={self.op!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.label:
            extras.append(f"label={self.label!r}")
        return f"Tensor({body}, {', '.join(extras)})"

    # ------------------------------------------------------------------ leaves
    def detach(self) -> Tensor:
        """Same data (shared), no history, no gradient.

        The two Tensors also share the version counter, so an in-place change through
        either one is seen by the ops that saved the other for backward (as in PyTorch).
        """
        vc = self._vc
        if vc is None:
            vc = self._vc = _new_version_counter()
        t = Tensor._constant(self._data)
        t._vc = vc
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            raise ValueError(
                f"requires_grad_: only leaves can change requires_grad (this Tensor was "
                f"made by '{self.op}'); use .detach().requires_grad_()"
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise TypeError(f"requires_grad_: dtype {self.dtype} cannot require gradients")
        self.requires_grad = requires_grad
        return self

    def zero_grad(self) -> None:
        """Forget this Tensor's gradient (``grad = None``)."""
        self.grad = None

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when backward computes this Tensor's gradient.

        A Tensor returned by ``hook`` replaces the gradient (what this Tensor's op sends
        on, or what a leaf accumulates). Returns a handle; ``handle.remove()`` unregisters
        the hook. See ``autograd/hooks.py``.
        """
        return _hooks.register_hook(self, hook)

    # ------------------------------------------------------------------ backward
    def backward(self, grad: ArrayLike | None = None, create_graph: bool = False) -> None:
        """Backpropagate from this Tensor into every leaf that requires grad.

        Parameters
        ----------
        grad : array-like or Tensor, optional
            ``dL/dself``. Needed unless this Tensor has one element (then 1).
        create_graph : bool
            Record the backward pass so gradients can be differentiated again. Interior
            nodes then keep no ``.grad`` (a recorded gradient refers back to its node, a
            reference cycle); leaves do, and ``x.grad``'s graph contains ``x`` -- set
            ``x.grad = None`` when done, or use ``autograd.grad`` for higher-order work.
        """
        if not self.requires_grad:
            raise ValueError(
                "backward: this Tensor does not require grad (no input had "
                "requires_grad=True, or it was computed under no_grad())"
            )
        run_backward((self,), (grad,), create_graph=create_graph)

    # node protocol used by autograd.graph (whose seed_grad/send_grad are Tensor's steps)
    _GRAD_UNSET = None


def _assigned_array(t: Tensor, value: ArrayLike, what: str) -> np.ndarray:
    """``value`` as an array of ``t``'s dtype and shape, for ``t.data = value``."""
    current = t._data
    if is_whole_view(value, current):  # ``t.data -= x`` already wrote in place
        return current
    if isinstance(value, Tensor):
        value = value._data
    try:
        array = np.asarray(value, dtype=current.dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{what}: cannot store {type(value).__name__} data in a Tensor of dtype "
            f"{current.dtype} ({err})"
        ) from None
    if array.shape != current.shape:
        raise ValueError(
            f"{what}: cannot assign data of shape {array.shape} to a Tensor of shape "
            f"{current.shape}; .data keeps the shape. Make a new Tensor for new data "
            f"(t = Tensor(array)), or write the values in place with t.data[...] = array "
            f"if they broadcast"
        )
    return array


def _constant_like(x: ArrayLike, like: Tensor | None) -> Tensor:
    """A constant operand: Python numbers take ``like``'s dtype (no float32 -> 64 creep)."""
    dtype = None if like is None else like.dtype
    floating_like = dtype is not None and dtype.kind == "f"
    if isinstance(x, (int, float, np.number)) and floating_like:
        return Tensor._constant(np.asarray(x, dtype=dtype))
    if isinstance(x, np.ndarray) and x.dtype.kind in "biu":
        # masks stay boolean (NumPy multiplies them without a copy); integers take the
        # partner's float dtype rather than promoting float32 to float64
        if x.dtype.kind == "b":
            return Tensor._constant(x)
        return Tensor._constant(x.astype(dtype if floating_like else get_default_dtype()))
    return Tensor._constant(_to_array(x))


# Ops make Tensors through ``function.Nodes`` (they sit below this module)
Nodes.Tensor = Tensor
Nodes.constant_like = _constant_like
