"""What ``draw_graph`` shows for one node: its box, and the labels of the edges into its op.

Two node kinds are drawn:

* ``Value`` (scalar engine): ``data`` and ``grad`` are numbers, and each operand edge
  carries the local derivative ``∂out/∂operand`` as a number.
* ``Tensor`` (array engine): shape, dtype and a summary of ``data`` and ``grad``; each
  operand edge carries the derivative *rule* of the op for that operand -- how the
  gradient ``gy`` arriving at the op's output becomes that operand's contribution to its
  own gradient (the vector-Jacobian product), e.g. ``∂/∂a = gy·bᵀ`` for ``a @ b``.

Each op carries its rule (``Function.rule``, read by ``viz.rules``); the few that do not
yet are in ``DERIVATIVE_RULES`` (re-exported here). Ops with neither (a user's own
``Function``) are drawn with the neutral ``∂(op)/∂input i``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.graph import no_grad
from autograd.tensor import Tensor
from autograd.value import Value

from ..words import say, words
from .rules import DERIVATIVE_RULES, DerivativeRule, _element, _number, _shape, derivative_rule

__all__ = [
    "DERIVATIVE_RULES",
    "DerivativeRule",
    "NodeDescription",
    "check_node",
    "describe_nodes",
    "own_name",
    "derivative_rule",
    "summarize",
    "TINY_TENSOR",
    "NOT_COMPUTED",
]

#: Tensors with at most this many elements are shown value by value, larger ones as
#: ``mean/std/min/max``: six numbers still fit on one line of a box.
TINY_TENSOR = 6

#: The grad field of a Tensor that requires grad but has none yet. Spelled out rather
#: than shown as 0, because "no gradient arrived" and "the gradient is 0" differ.
NOT_COMPUTED = "grad: —  (not computed yet)"

#: The grad field of a constant (``requires_grad=False``): it never gets a gradient.
NO_GRAD = "grad: —  (constant)"


# -------------------------------------------------------------------- descriptions
@dataclass(frozen=True)
class NodeDescription:
    """What the drawing shows for one node, independent of the node kind.

    Attributes
    ----------
    name : str
        Display name ("" for none): the node's label or ``label_fn(node)``.
    fields : tuple[str, ...]
        Lines of the value box after the name, e.g. ``("data 2", "grad -3")``.
    local_grads : tuple[str | None, ...]
        Formatted local derivative per parent (``None``: leave the edge unlabelled);
        the edge reads ``∂/∂<parent name> = <local grad>``.
    edge_labels : tuple[str | None, ...]
        Complete edge texts per parent; when given, used instead of ``local_grads``.
    kind : str
        ``"leaf"``, ``"constant"`` or ``"computed"`` (box style); "" lets the drawing
        decide from the node's parents.
    parent_names : tuple[str, ...]
        Display name of each parent (for the ``∂/∂<parent name>`` of ``local_grads``).
    """

    name: str
    fields: tuple[str, ...]
    local_grads: tuple[str | None, ...]
    edge_labels: tuple[str | None, ...] = ()
    kind: str = ""
    parent_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Options:
    show_grad: bool
    show_local_grads: bool
    number_format: str
    label_fn: Callable[[Any], str] | None
    #: id(parameter) -> dotted module path, from ``draw_graph(..., model=)``; the model
    #: keeps its parameters alive, so an id cannot be reused while drawing.
    param_names: Mapping[int, str] = field(default_factory=dict)
    #: every real name in the drawing (see ``derivative_rule``'s ``taken``)
    taken: frozenset[str] = frozenset()


def check_node(node: Any) -> None:
    """Refuse anything but the two node kinds a drawing knows (``TypeError``)."""
    if not isinstance(node, (Value, Tensor)):
        raise TypeError(
            f"draw_graph: cannot draw a node of type {type(node).__module__}."
            f"{type(node).__qualname__}; expected an autograd.Value or autograd.Tensor"
        )


def describe_nodes(
    order: list, opts: _Options, own_names: list[str] | None = None
) -> list[NodeDescription]:
    """Describe every node of a graph, each once; the single place that knows node kinds.

    Parameters
    ----------
    order : list
        The graph's nodes, parents before children (``topological_order``).
    opts : _Options
        What to show and how to name nodes.
    own_names : list of str, optional
        Each node's real name (``own_name``), when the caller has them already.

    Returns
    -------
    list of NodeDescription
        One per node of ``order``, in that order.
    """
    if own_names is None:
        own_names = [own_name(node, opts) for node in order]
    index = {node: i for i, node in enumerate(order)}
    shown = [name or _fallback_name(node, opts) for node, name in zip(order, own_names)]
    w = words()  # the box words in the drawing's language, looked up once
    out: list[NodeDescription] = []
    for node, name in zip(order, shown):
        parents = [index[p] for p in node._parents]
        if isinstance(node, Value):
            out.append(_describe_value(node, opts, name, tuple(shown[p] for p in parents), w))
        elif isinstance(node, Tensor):
            out.append(_describe_tensor(node, opts, name, [own_names[p] for p in parents], w))
        else:
            check_node(node)
    return out


def _describe_value(
    v: Value, opts: _Options, name: str, parent_names: tuple[str, ...], w: dict[str, str]
) -> NodeDescription:
    fmt = opts.number_format
    fields = [f"{w['data']} {_number(v.data, fmt)}"]
    if opts.show_grad:
        fields.append(f"{w['grad']} {_number(v.grad, fmt)}")
    local = tuple(_number(g, fmt) for g in v.local_grads) if opts.show_local_grads else ()
    return NodeDescription(name, tuple(fields), local, parent_names=parent_names)


def _describe_tensor(
    t: Tensor, opts: _Options, name: str, parent_names: list[str], w: dict[str, str]
) -> NodeDescription:
    fmt = opts.number_format
    fields = [
        f"{w['shape']} {_shape(t.shape)}  {_dtype_name(t.data.dtype)}",
        f"{w['data']}: {summarize(t.data, fmt)}",
    ]
    if opts.show_grad:
        if t.grad is not None:
            fields.append(f"{w['grad']}: {summarize(np.asarray(t.grad.data), fmt)}")
        else:
            fields.append(w["not_computed"] if t.requires_grad else w["no_grad"])
    if t.is_leaf:
        kind = "leaf" if t.requires_grad else "constant"
    else:
        kind = "computed"
    edges: tuple[str | None, ...] = ()
    if opts.show_local_grads and not t.is_leaf:
        edges = _tensor_edge_labels(t, opts, parent_names)
    return NodeDescription(name, tuple(fields), (), edges, kind)


def _tensor_edge_labels(
    t: Tensor, opts: _Options, parent_names: list[str]
) -> tuple[str | None, ...]:
    fn = t.grad_fn
    parents = t.parents
    # A one-element constant (the 2 of x * 2) is best named by its value: gy·2.
    names = [
        own
        or (_number_or_empty(p, opts.number_format) if p.is_leaf and not p.requires_grad else "")
        for p, own in zip(parents, parent_names)
    ]
    needs = tuple(getattr(fn, "needs_input_grad", ())) or tuple(p.requires_grad for p in parents)
    numbers = _scalar_local_derivatives(t)
    labels: list[str | None] = []
    for i in range(len(parents)):
        if i < len(needs) and not needs[i]:
            labels.append(None)  # a constant operand: no gradient flows back to it
            continue
        number = numbers[i] if numbers is not None and i < len(numbers) else None
        if number is not None:
            # One element everywhere: the local derivative is a number, as for Value.
            wrt = f"∂/∂{names[i]}" if names[i] else "∂"  # as in Value graphs
            labels.append(f"{wrt} = {_number(number, opts.number_format)}")
        else:
            labels.append(
                derivative_rule(t, i, names, taken=opts.taken, number_format=opts.number_format)
            )
    return tuple(labels)


def _scalar_local_derivatives(t: Tensor) -> list[float | None] | None:
    """``∂t/∂input`` as numbers when ``t`` and all its inputs have one element, else None.

    Running the op's own ``backward`` with ``gy = 1`` gives exactly the local
    derivatives; for one-element tensors that costs microseconds.
    """
    if t.numel() != 1 or any(p.numel() != 1 for p in t.parents):
        return None
    try:
        with no_grad():
            grads = t.grad_fn.backward(Tensor(np.ones_like(t.data)))
    except Exception:  # a user Function's backward may fail: then draw its rule
        return None
    if not isinstance(grads, tuple):
        grads = (grads,)
    out: list[float | None] = []
    for g in grads:
        arr = None if g is None else np.asarray(getattr(g, "data", g))
        out.append(float(arr.reshape(-1)[0].real) if arr is not None and arr.size == 1 else None)
    return out


def _number_or_empty(t: Tensor, number_format: str) -> str:
    if t.numel() != 1 or t.dtype.kind not in "fiub":
        return ""
    return _element(t.data.reshape(-1)[0], number_format)


_DTYPE_NAMES: dict[np.dtype, str] = {}


def _dtype_name(dtype: np.dtype) -> str:
    # str(dtype) goes through NumPy's Python-level name lookup: cache it per drawing run
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return name


# -------------------------------------------------------------------- names
def own_name(node: Any, opts: _Options) -> str:
    """The node's real name: ``label_fn``, module path or label; "" if it has none."""
    if opts.label_fn is not None:
        name = opts.label_fn(node)
        return str(name) if name else ""
    path = opts.param_names.get(id(node))
    if path:
        return path
    label = getattr(node, "label", "")
    return str(label) if label else ""


def _fallback_name(node: Any, opts: _Options) -> str:
    """The name of a node without a real one: "param" for an ``nn.Parameter`` leaf."""
    if opts.label_fn is None and _is_parameter(node):
        return "param"
    return ""


def _is_parameter(node: Any) -> bool:
    # No import of nn here: if nn.parameter was never imported, no Parameter can exist,
    # and viz keeps working for Value/Tensor graphs even without (a working) nn.
    module = sys.modules.get("nn.parameter")
    cls = getattr(module, "Parameter", None)
    return isinstance(cls, type) and isinstance(node, cls)


def summarize(data: np.ndarray, number_format: str = ".4g") -> str:
    """One line for an array: its values when tiny, else ``mean/std/min/max``.

    Parameters
    ----------
    data : np.ndarray
        The array (``Tensor.data`` or ``Tensor.grad.data``).
    number_format : str
        ``format()`` spec for every number.

    Returns
    -------
    str
        ``"[1, 2, 3]"`` for at most ``TINY_TENSOR`` elements, otherwise e.g.
        ``"mean 0.5  std 0.2887  min 0  max 1"``.

    Examples
    --------
    >>> summarize(np.array([[1.0, 2.0], [3.0, 4.0]]))
    '[[1, 2], [3, 4]]'
    >>> summarize(np.arange(10.0))
    'mean 4.5  std 2.872  min 0  max 9'
    """
    data = np.asarray(data)
    if data.size == 0:
        return say("empty")
    if data.size <= TINY_TENSOR:
        if data.ndim == 0:
            return _element(data.item(), number_format)
        # Nested lists rather than np.array2string: same text, 20x faster, which
        # matters when a drawing has thousands of boxes.
        return _nested(data.tolist(), number_format)
    if data.dtype.kind == "b":
        return say("true_count", k=int(data.sum()), n=data.size)
    if data.dtype.kind == "c":
        values = np.abs(data.astype(np.complex128)).ravel()  # complex: magnitudes
    else:
        values = data.astype(np.float64).ravel()
    # The ufunc reductions themselves, not ndarray.mean/std: the same numbers (population
    # std), without their per-call overhead, which dominates for the small arrays of a
    # drawing with thousands of boxes.
    with np.errstate(all="ignore"):  # inf/nan data summarizes to inf/nan, not warnings
        mean_ = np.add.reduce(values) / values.size
        centered = values - mean_
        std_ = np.sqrt(np.dot(centered, centered) / values.size)
        stats = (mean_, std_, np.minimum.reduce(values), np.maximum.reduce(values))
    mean, std, lo, hi = (_number(float(s), number_format) for s in stats)
    return say("stats", mean=mean, std=std, lo=lo, hi=hi)


def _nested(items: Any, number_format: str) -> str:
    if isinstance(items, list):
        return "[" + ", ".join([_nested(x, number_format) for x in items]) + "]"
    return _element(items, number_format)
