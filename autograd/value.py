"""``Value``: a scalar node, compatible with micrograd.

Each operation computes its result and, right beside it, the *local derivatives*
``d out / d parent`` as plain floats. ``backward()`` then only multiplies:
``parent.grad += local * out.grad``. No closures, no references from a node to its
outputs: the graph is a DAG of plain references that reference counting frees as soon
as the root is dropped.

Derivatives at kinks (the one-sided choices PyTorch makes too)::

    relu'(0) = 0          abs'(0) = 0            leaky_relu'(0) = alpha
    sqrt'(0) = +inf       d(a**n)/da at a == 0 is +inf for 0 < n < 1
    d(a**b)/db = 0 where a <= 0 (PyTorch gives nan for a < 0; a**b is not real nearby)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import maths
from .graph import _GradMode, run_backward
from .graph import _local as _grad_local
from .naming import NameIsLabel

__all__ = ["Value"]

Number = int | float


class _UserSteps:
    """How many ``_backward`` steps user code has assigned (micrograd's idiom). While
    0 -- the usual case -- ``Value.backward`` runs its built-in float steps inline."""

    count: int = 0


class Value(NameIsLabel):
    """A scalar that remembers how it was computed.

    Parameters
    ----------
    data : float
        The number. Stored as a Python float.
    label : str
        Optional name shown in drawings (``Value(2.0, label="a")``).

    Attributes
    ----------
    data : float
    grad : float
        ``dL/dself`` after ``L.backward()``; 0.0 before. Leaf gradients accumulate
        across ``backward()`` calls -- call ``zero_grad`` (or set ``grad = 0``) between.
    parents : tuple[Value, ...]
        The operands, in order, repeats kept (``a * a`` has parents ``(a, a)``).
    local_grads : tuple[float, ...]
        ``d self / d parent`` for each parent, computed in the forward pass.
    op : str
        Operation label: ``"+"``, ``"*"``, ``"tanh"``, ... (``""`` for a leaf).

    micrograd's internals are there too, so its lecture code runs unchanged:
    ``_prev`` (the *set* of operands: ``a * a`` has one), ``_op`` (same as ``op``) and
    ``_backward()`` (this node's own chain-rule step; user code may assign its own, as
    micrograd's ops do), and DeZero's ``name`` (the same as ``label``). Those are the
    attributes a Value has: setting any other (``v.color = "red"``) raises
    AttributeError. To attach your own, subclass it -- ``class Tagged(Value): pass`` -- a
    subclass has a ``__dict__``.

    A number operand (``x * 0.5``) becomes a leaf Value the first time the parents
    are looked at, not before (see ``_constant``); the graph reads the same.

    ``==`` and ``hash`` are by identity so Values work in sets and dicts (as in
    micrograd); ``<  <=  >  >=`` compare ``.data`` and return Python bools.
    """

    # Everything a node holds lives in named slots, and there is no per-instance
    # ``__dict__``: CPython 3.11 gives every instance of a class with a ``__dict__`` an
    # extra values array, and a slot-only node is one smaller object for the cyclic
    # garbage collector to scan -- while a long forward pass builds the graph, the
    # collector re-scans the growing live graph again and again, so bytes per node
    # count. The slots cover what micrograd and the lecture set on a Value (``data``,
    # ``grad``, ``label``, ``_op``, ``_backward``); any other attribute raises
    # AttributeError -- subclass Value (``class Named(Value): pass``) to attach your own.
    #   _a, _b    parents (``_b`` None for one parent, ``_a`` None for a leaf)
    #   _da, _db  their local derivatives d self / d parent, floats from the forward pass
    #   _k        a number operand not yet made a Value (see ``_fold``), else None
    #   _step     a chain-rule step user code assigned to ``_backward``; left unset
    #             (empty) otherwise, so ordinary nodes spend neither a store nor a scan
    __slots__ = (
        "data",
        "grad",
        "_a",
        "_da",
        "_b",
        "_db",
        "_k",
        "_op",
        "label",
        "_step",
        "__weakref__",
    )
    # The slots' types, for type checkers. ``_a``/``_b``/``_k`` are Any: the hot loops
    # read a parent's fields once they know the node is interior, which no checker sees.
    data: float
    grad: float
    label: str
    _op: str
    _a: Any  # Value | None
    _b: Any  # Value | None
    _k: Any  # float | None
    _da: float
    _db: float

    def __init__(
        self,
        data: Number,
        label: str = "",
        _parents: tuple[Value, ...] = (),
        _local: tuple[float, ...] = (),
        _op: str = "",
    ) -> None:
        self.data = data if type(data) is float else _to_float(data)
        self.grad = 0.0
        self.label = label
        self._a = self._b = self._k = None
        self._da = self._db = 0.0
        self._op = ""
        if _parents and (_GradMode.all_on or _grad_local.enabled):
            if len(_parents) > 2 or len(_parents) != len(_local):
                raise ValueError(
                    "Value: a node has one or two parents, each with one local derivative; "
                    f"got {len(_parents)} parents and {len(_local)} local derivatives"
                )
            # (pyright reads _local as the empty default tuple here; mypy does not)
            self._a, self._da = _parents[0], float(_local[0])  # pyright: ignore[reportGeneralTypeIssues]
            if len(_parents) == 2:
                self._b, self._db = _parents[1], float(_local[1])
            self._op = _op

    # ---------------------------------------------------------------- read-only graph
    @property
    def _parents(self) -> tuple:
        a = self._a
        if a is None:
            return ()
        b = self._b
        if b is None:
            if self._k is None:
                return (a,)
            b = self._constant()
        return (a, b)

    parents = _parents

    @property
    def local_grads(self) -> tuple:
        if self._a is None:
            return ()
        if self._b is None and self._k is None:
            return (self._da,)
        return (self._da, self._db)

    def _constant(self) -> Value:
        """The folded number operand (``x * 0.5``'s 0.5) as its leaf Value, made once.

        ``x * 0.5`` keeps 0.5 as a float in ``_k`` instead of building a leaf Value that
        nobody else can reach (see ``_fold``); the first look at the parents makes the
        leaf and keeps it, so it is the same object every time after. Its ``grad`` is what
        the latest ``backward()`` would have sent it: ``d self / d c * self.grad``.
        """
        c = Value(self._k)
        g = self.grad
        c.grad = self._db * g if g else 0.0  # (no -0.0 or inf * 0 before any pass)
        self._b, self._k = c, None
        return c

    @property
    def op(self) -> str:
        return self._op

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name: the set of operands (``a * a`` gives ``{a}``)."""
        return set(self._parents)

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's chain-rule step, micrograd's per-node ``_backward``.

        ``operand.grad += d self / d operand * self.grad`` for each operand (twice for
        ``a * a``); nothing for a leaf. ``backward()`` runs it for every node in reverse
        topological order; the lecture calls it by hand, one node at a time.

        As in micrograd, user code may assign its own step (a function of no arguments),
        e.g. for an op it writes itself: ``out._backward = step``; ``backward()`` then
        runs that instead of the built-in one for this node.
        """
        return getattr(self, "_step", None) or self._local_step

    @_backward.setter
    def _backward(self, step: Callable[[], None]) -> None:
        if not callable(step):
            raise TypeError(
                f"Value._backward: expected a function of no arguments, got {type(step).__name__}"
            )
        self._step = step
        _UserSteps.count += 1

    def _local_step(self) -> None:
        """The built-in chain-rule step (see ``_backward``)."""
        a = self._a
        if a is not None:
            g = self.grad
            a.grad += self._da * g
            b = self._b
            if b is not None:
                b.grad += self._db * g

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{name})"

    # ---------------------------------------------------------------- arithmetic
    # A number operand (``x * 0.999``) is folded into the node: ``_fold`` keeps it as a
    # float and makes its leaf Value only when someone looks at the parents. The graph
    # reads the same, but a long chain of ``x * c + d`` holds two objects per step, not
    # four, for the garbage collector to scan and for ``backward()`` to visit.
    # ``+`` and ``*`` of two Values are most of any scalar model's nodes, so they build
    # the node inline: the same lines as ``_binary``, one Python call fewer per node.
    def __add__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            v = _new(Value)
            v.data = self.data + other.data
            v.grad = 0.0
            v.label = ""
            v._k = None
            if _GradMode.all_on or _grad_local.enabled:
                # d(a+b)/da = 1, d(a+b)/db = 1
                v._a, v._da, v._b, v._db, v._op = self, 1.0, other, 1.0, "+"
            else:
                v._a, v._da, v._b, v._db, v._op = None, 0.0, None, 0.0, ""
            return v
        c = other if type(other) is float else _to_float(other)
        return _fold(self.data + c, self, 1.0, c, 1.0, "+")

    def __mul__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            a, b = self.data, other.data
            v = _new(Value)
            v.data = a * b
            v.grad = 0.0
            v.label = ""
            v._k = None
            if _GradMode.all_on or _grad_local.enabled:
                # d(ab)/da = b, d(ab)/db = a
                v._a, v._da, v._b, v._db, v._op = self, b, other, a, "*"
            else:
                v._a, v._da, v._b, v._db, v._op = None, 0.0, None, 0.0, ""
            return v
        a = self.data
        c = other if type(other) is float else _to_float(other)
        return _fold(a * c, self, c, c, a, "*")

    def __sub__(self, other: Value | Number) -> Value:
        a = self.data
        if isinstance(other, Value):
            # d(a-b)/da = 1, d(a-b)/db = -1
            return _binary(a - other.data, self, 1.0, other, -1.0, "-")
        c = other if type(other) is float else _to_float(other)
        return _fold(a - c, self, 1.0, c, -1.0, "-")

    def __truediv__(self, other: Value | Number) -> Value:
        a = self.data
        b = other.data if isinstance(other, Value) else _to_float(other)
        if b == 0.0:
            raise ZeroDivisionError(f"Value '/': division of {a:g} by zero")
        inv = 1.0 / b
        # a / b itself, correctly rounded (a * (1/b) can be one ulp off, unlike PyTorch)
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        if isinstance(other, Value):
            return _binary(a / b, self, inv, other, -a * inv * inv, "/")
        return _fold(a / b, self, inv, b, -a * inv * inv, "/")

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        if not isinstance(other, (int, float)):
            return NotImplemented
        a, n = self.data, float(other)
        if a == 0.0 and n < 0.0:
            raise ZeroDivisionError(f"Value '**': 0.0 ** {n:g} is undefined")
        out = a**n
        if isinstance(out, complex):
            raise ValueError(
                f"Value '**': {a:g} ** {n:g} is not real; use an integer exponent "
                "or a positive base"
            )
        local = _power_slope(a, n)
        # d(a^n)/da = n a^(n-1)
        return _unary(out, self, local, f"**{other:g}")

    def _pow_value(self, other: Value) -> Value:
        a, b = self.data, other.data
        if a < 0.0 and not float(b).is_integer():
            raise ValueError(f"Value '**': {a:g} ** {b:g} is not real (negative base)")
        if a == 0.0 and b < 0.0:
            raise ZeroDivisionError(f"Value '**': 0.0 ** {b:g} is undefined")
        out = a**b
        da = _power_slope(a, b)
        # d(a^b)/db = a^b log a; taken as 0 where a <= 0 (there a^b is constant in b
        # or not real for nearby b)
        db = out * math.log(a) if a > 0.0 else 0.0
        return _binary(out, self, da, other, db, "**")

    def __rpow__(self, other: Number) -> Value:
        return Value(other) ** self

    def __neg__(self) -> Value:
        return _unary(-self.data, self, -1.0, "neg")

    def __pos__(self) -> Value:
        return self

    def __radd__(self, other: Number) -> Value:
        return Value(other) + self

    def __rmul__(self, other: Number) -> Value:
        return Value(other) * self

    def __rsub__(self, other: Number) -> Value:
        return Value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return Value(other) / self

    # ---------------------------------------------------------------- functions
    def relu(self) -> Value:
        x = self.data
        # relu'(u) = 1 if u > 0 else 0 (0 at the kink)
        if x > 0.0:
            return _binary(x, self, 1.0, None, 0.0, "relu")
        return _binary(0.0, self, 0.0, None, 0.0, "relu")

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        x = self.data
        # f(u) = max(0,u) + alpha min(0,u);  f'(u) = 1 if u > 0 else alpha
        if x > 0.0:
            return _unary(x, self, 1.0, "leaky_relu")
        return _unary(alpha * x, self, float(alpha), "leaky_relu")

    # The smooth functions take value and derivative from ``autograd/maths.py``, which the
    # Tensor ops use too: ``vjp(1, x, y)`` is the local derivative f'(x). (They call
    # ``_binary`` directly: one call less than ``_unary`` pays for the ``vjp`` call.)
    def tanh(self) -> Value:
        x = self.data
        t = math.tanh(x)
        return _binary(t, self, _TANH(1.0, x, t), None, 0.0, "tanh")

    def sigmoid(self) -> Value:
        x = self.data
        s = _sigmoid(x)  # stable in both tails
        return _binary(s, self, _SIGMOID(1.0, x, s), None, 0.0, "sigmoid")

    def exp(self) -> Value:
        x = self.data
        try:
            e = math.exp(x)
        except OverflowError:
            raise OverflowError(f"Value.exp: exp({x:g}) overflows a float") from None
        return _binary(e, self, _EXP(1.0, x, e), None, 0.0, "exp")

    def log(self) -> Value:
        x = self.data
        if x <= 0.0:
            raise ValueError(f"Value.log: log({x:g}) is undefined; the argument must be > 0")
        return _binary(math.log(x), self, _LOG(1.0, x, None), None, 0.0, "log")

    def sqrt(self) -> Value:
        x = self.data
        if x < 0.0:
            raise ValueError(f"Value.sqrt: sqrt({x:g}) is undefined; the argument must be >= 0")
        r = math.sqrt(x)
        # sqrt'(0) = +inf (a float division by 0 would raise)
        return _binary(r, self, _SQRT(1.0, x, r) if r > 0.0 else math.inf, None, 0.0, "sqrt")

    def sin(self) -> Value:
        x = self.data
        return _binary(math.sin(x), self, _SIN(1.0, x, None), None, 0.0, "sin")

    def cos(self) -> Value:
        x = self.data
        return _binary(math.cos(x), self, _COS(1.0, x, None), None, 0.0, "cos")

    def abs(self) -> Value:
        x = self.data
        # |u|' = sign(u), 0 at the kink
        sign = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return _unary(abs(x), self, sign, "abs")

    __abs__ = abs

    # ---------------------------------------------------------------- comparisons
    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    # ---------------------------------------------------------------- backward
    def backward(self) -> None:
        """Fill ``.grad`` of every node this value depends on with ``d self / d node``.

        The root is seeded with 1. Leaf gradients accumulate across calls (zero them
        between training steps); interior nodes show the gradient of the latest call.
        """
        if _UserSteps.count:  # some node runs its own step: the general driver
            run_backward((self,), (None,))
            return
        # The float-only version of ``autograd.graph.run_backward``: order the interior
        # nodes parents-first (clearing their grads), seed the root, then walk the order
        # backwards, each node pushing  parent.grad += d node / d parent * node.grad.
        # It reads the slots directly (no parent tuples) and allocates nothing the
        # cyclic garbage collector tracks, so no collection can start during the pass.
        order = _interior_order(self)
        self.grad += 1.0
        for node in reversed(order):
            g = node.grad
            node._a.grad += node._da * g
            b = node._b
            if b is not None:
                b.grad += node._db * g

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and everything it depends on."""
        from .graph import topological_order

        for node in topological_order(self):
            node.grad = 0.0

    # node protocol used by autograd.graph
    _GRAD_UNSET = 0.0

    def _seed_grad(self, seed: float | None) -> None:
        self.grad += 1.0 if seed is None else float(seed)

    def _send_grad(self) -> None:
        step = getattr(self, "_step", None) if _UserSteps.count else None
        if step is None:
            g = self.grad
            self._a.grad += self._da * g
            b = self._b
            if b is not None:
                b.grad += self._db * g
        else:
            step()


_new = object.__new__
_sigmoid = maths.SIGMOID.scalar
# the derivatives, ``vjp(gy, x, y)``, bound once (a module global is the fastest lookup)
_EXP, _LOG, _SQRT = maths.EXP.vjp, maths.LOG.vjp, maths.SQRT.vjp
_SIN, _COS, _TANH, _SIGMOID = maths.SIN.vjp, maths.COS.vjp, maths.TANH.vjp, maths.SIGMOID.vjp


def _unary(data: float, a: Value, da: float, op: str) -> Value:
    """A node with one parent ``a`` and local derivative ``da = d out / d a``."""
    return _binary(data, a, da, None, 0.0, op)


def _binary(data: float, a: Value, da: float, b: Value | None, db: float, op: str) -> Value:
    """A node with parents ``a``, ``b`` and their local derivatives ``da``, ``db``."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    v._k = None
    if _GradMode.all_on or _grad_local.enabled:
        v._a, v._da, v._b, v._db, v._op = a, da, b, db, op
    else:  # no_grad: a plain leaf
        v._a, v._da, v._b, v._db, v._op = None, 0.0, None, 0.0, ""
    return v


def _fold(data: float, a: Value, da: float, c: float, dc: float, op: str) -> Value:
    """``a op c`` for a number ``c``: the node keeps ``c`` as a float (``_k``) and
    ``dc = d out / d c``; ``Value._constant`` makes c's leaf only if it is asked for."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    v._b = None
    if _GradMode.all_on or _grad_local.enabled:
        v._a, v._da, v._k, v._db, v._op = a, da, c, dc, op
    else:  # no_grad: a plain leaf
        v._a, v._da, v._k, v._db, v._op = None, 0.0, None, 0.0, ""
    return v


def _interior_order(root: Value) -> list[Value]:
    """The interior nodes reachable from ``root``, each after its interior parents, with
    their ``grad`` cleared to 0 (leaves are left out: they push nothing, and keep their
    accumulated gradients).

    Iterative depth-first search: the top of the stack is examined again after each of
    its parents has been finished, and emitted once both are. A node is marked when it
    is pushed; in a DAG a marked node is either finished or below us on the stack --
    the latter would mean a cycle -- so skipping marked nodes is safe.

    The mark is the cleared gradient itself: ``zero`` is a float object made for this
    pass (``float()`` returns a new object each call), so ``node.grad is zero`` means
    "visited in this pass" -- no set of visited nodes. A set of millions of nodes is a
    large hash table read at random places; the mark sits in the node we read anyway.
    """
    order: list[Value] = []
    if root._a is None:
        return order
    zero = float()  # noqa: UP018 -- a new 0.0 object for this pass (a literal is shared)
    root.grad = zero
    emit = order.append
    stack = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = stack[-1]
        a = node._a
        if a.grad is not zero and a._a is not None:
            a.grad = zero
            push(a)
            continue
        b = node._b
        if b is not None and b.grad is not zero and b._a is not None:
            b.grad = zero
            push(b)
            continue
        pop()
        emit(node)
    return order


def _power_slope(a: float, n: float) -> float:
    """d(a^n)/da = n a^(n-1); +inf at a == 0 for 0 < n < 1 (as for sqrt)."""
    if n == 0.0:
        return 0.0
    if a == 0.0 and n < 1.0:
        return math.inf
    return n * a ** (n - 1.0)


def _to_float(data: object) -> float:
    if isinstance(data, Value):
        raise TypeError("Value(data): data is already a Value; use it directly")
    if isinstance(data, (str, bytes)):
        raise TypeError(f"Value(data): expected a real number, got the string {data!r}")
    try:
        # any object: float() raises TypeError for the wrong ones, turned into our message
        return float(data)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(
            f"Value(data): expected a real number, got {type(data).__name__} {data!r}"
        ) from None


def _data(x: Value | Number) -> float:
    return x.data if isinstance(x, Value) else x
