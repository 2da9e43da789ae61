"""What ``draw_graph`` shows for one node: its box, and the labels of the edges into its op.

Two node kinds are drawn:

* ``Value`` (scalar engine): ``data`` and ``grad`` are numbers, and each operand edge
  carries the local derivative ``∂out/∂operand`` as a number.
* ``Tensor`` (array engine): shape, dtype and a summary of ``data`` and ``grad``; each
  operand edge carries the derivative *rule* of the op for that operand -- how the
  gradient ``gy`` arriving at the op's output becomes that operand's contribution to its
  own gradient (the vector-Jacobian product), e.g. ``∂/∂a = gy·bᵀ`` for ``a @ b``.

The rules live in one table, ``DERIVATIVE_RULES``, keyed by the op label (``Function.op``);
add an entry there to teach the drawing about a new op. Ops without an entry (a user's own
``Function``) are drawn with the neutral ``∂(op)/∂input i``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from autograd.graph import no_grad
from autograd.tensor import Tensor
from autograd.value import Value

__all__ = [
    "DERIVATIVE_RULES",
    "DerivativeRule",
    "NodeDescription",
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

# A name longer than this makes edge labels wider than the boxes they connect; the
# rule then uses the op's own symbol for that operand (``W`` rather than
# ``layers.0.weight``), which the edge itself ties to the box.
_MAX_NAME_IN_RULE = 12


# -------------------------------------------------------------------- rule table
class DerivativeRule(NamedTuple):
    """How an op sends its output gradient ``gy`` back to each input.

    Attributes
    ----------
    symbols : tuple[str, ...]
        The op's own names for its inputs, by position (``("a", "b")`` for ``a @ b``).
    grads : tuple[str | None, ...]
        One template per input position: the input's gradient contribution in terms of
        ``gy`` (output gradient), ``y`` (output) and ``{0}``, ``{1}``, ... (the inputs,
        replaced by their names in the drawing). Other placeholders: ``{shape}`` and
        ``{dtype}`` of this input, ``{n}`` = input size / output size, ``{i}`` = position.
        ``None``: the op does not differentiate that input.
    broadcasts : bool
        Elementwise op with NumPy broadcasting: an input of a smaller shape receives
        its gradient summed over the broadcast axes (drawn as ``Σ(...)``).
    variadic : bool
        Any number of inputs: the last template applies to all further positions.
    constants : tuple[tuple[str, str], ...]
        ``(symbol, attribute)``: when the op was called without that input, the symbol is
        a constant stored on the ``Function`` (e.g. the exponent of ``x ** 2``).
    """

    symbols: tuple[str, ...]
    grads: tuple[str | None, ...]
    broadcasts: bool = False
    variadic: bool = False
    constants: tuple[tuple[str, str], ...] = ()


def _rule(
    symbols: str,
    *grads: str | None,
    broadcasts: bool = False,
    variadic: bool = False,
    constants: Mapping[str, str] | None = None,
) -> DerivativeRule:
    return DerivativeRule(
        tuple(symbols.split()), grads, broadcasts, variadic, tuple((constants or {}).items())
    )


#: Derivative rule of every op label the engine and ``nn.functional`` define.
DERIVATIVE_RULES: dict[str, DerivativeRule] = {
    # arithmetic; broadcasting sums each gradient back to its operand's shape
    "+": _rule("a b", "gy", "gy", broadcasts=True),
    "-": _rule("a b", "gy", "−gy", broadcasts=True),
    "*": _rule("a b", "gy·{1}", "gy·{0}", broadcasts=True),
    "/": _rule("a b", "gy/{1}", "−gy·{0}/{1}²", broadcasts=True),
    "neg": _rule("x", "−gy"),
    "**": _rule(
        "a b", "gy·{1}·{0}^({1}−1)", "gy·y·ln {0}", broadcasts=True, constants={"b": "exponent"}
    ),
    "maximum": _rule("a b", "gy·[{0}>{1}]", "gy·[{1}>{0}]", broadcasts=True),
    "minimum": _rule("a b", "gy·[{0}<{1}]", "gy·[{1}<{0}]", broadcasts=True),
    "where": _rule("a b", "gy·[cond]", "gy·[not cond]", broadcasts=True),
    # elementwise functions y = f(x): gy·f'(x), written with y where that is shorter
    "exp": _rule("x", "gy·y"),
    "log": _rule("x", "gy/{0}"),
    "sqrt": _rule("x", "gy/(2y)"),
    "abs": _rule("x", "gy·sign({0})"),
    "sin": _rule("x", "gy·cos {0}"),
    "cos": _rule("x", "−gy·sin {0}"),
    "tanh": _rule("x", "gy·(1−y²)"),
    "sigmoid": _rule("x", "gy·y(1−y)"),
    "relu": _rule("x", "gy·[{0}>0]"),
    "leaky_relu": _rule("x", "gy·({0}>0 ? 1 : α)"),
    "clip": _rule("x", "gy·[lo≤{0}≤hi]"),
    # reductions: every reduced element receives (a share of) the output's gradient
    "sum": _rule("x", "broadcast gy to {shape}"),
    "mean": _rule("x", "gy/n broadcast to {shape}, n = {n}"),
    "max": _rule("x", "gy·[{0} = max]  (ties share)"),
    "min": _rule("x", "gy·[{0} = min]  (ties share)"),
    "logsumexp": _rule("x", "gy·softmax({0})"),
    # shape and indexing: gradients are moved, never scaled
    "reshape": _rule("x", "reshape gy to {shape}"),
    "transpose": _rule("x", "transpose gy back"),
    "broadcast_to": _rule("x", "Σ gy over broadcast axes"),
    "astype": _rule("x", "gy as {dtype}"),
    "getitem": _rule("x", "scatter gy into zeros {shape}"),
    "index_add": _rule("g", "gather gy[index]"),
    "concat": _rule("x", "slice {i} of gy", variadic=True),
    "pad": _rule("x", "crop gy to {shape}"),
    # linear algebra
    "matmul": _rule("a b", "gy·{1}ᵀ", "{0}ᵀ·gy"),
    # fused neural-network ops (nn.functional)
    "linear": _rule("x W b", "gy·{1}", "gyᵀ·{0}", "Σ gy over the batch"),
    "softmax": _rule("x", "y·(gy − Σ gy·y)"),
    "log_softmax": _rule("x", "gy − softmax({0})·Σ gy"),
    "cross_entropy": _rule("u t", "(softmax({0}) − {1})·gy", "−log softmax({0})·gy"),
    "binary_cross_entropy": _rule("p d", "gy·({0} − {1})/({0}(1 − {0}))", None),
    "bce_with_logits": _rule("u d", "(σ({0}) − {1})·gy", "−{0}·gy"),
}


def derivative_rule(
    node: Tensor,
    position: int,
    names: Sequence[str] | None = None,
    *,
    taken: frozenset[str] = frozenset(),
    number_format: str = ".4g",
) -> str:
    """The edge text for input ``position`` of the op that made ``node``.

    Parameters
    ----------
    node : Tensor
        An interior node (made by an op).
    position : int
        Which input of the op.
    names : sequence of str, optional
        Display names of the op's inputs ("" for unnamed); a named input appears under
        its name, an unnamed one under the op's own symbol (``a``, ``b``, ``x``, ...).
    taken : frozenset of str
        Names used elsewhere in the drawing: an unnamed input's symbol gets primes
        (``a′``) rather than read as a different, named node.
    number_format : str
        Format of constants that appear in a rule (the exponent of ``x ** 2``).

    Returns
    -------
    str
        E.g. ``"∂/∂a = gy·bᵀ"``; ``"∂(op)/∂input i"`` for an op without a rule.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> a = Tensor(np.ones((2, 3)), requires_grad=True, label="a")
    >>> b = Tensor(np.ones((3, 4)), requires_grad=True, label="b")
    >>> derivative_rule(a @ b, 1, ["a", "b"])
    '∂/∂b = aᵀ·gy'
    """
    fn = node.grad_fn
    if fn is None:
        raise ValueError("derivative_rule: this Tensor is a leaf; it was not made by an op")
    parents = node.parents
    rule = DERIVATIVE_RULES.get(fn.op)
    if rule is None or not rule.grads or (position >= len(rule.grads) and not rule.variadic):
        return f"∂({fn.op})/∂input {position}"
    template = rule.grads[min(position, len(rule.grads) - 1)]
    if template is None:
        return "not differentiated"
    syms = _operand_symbols(rule, fn, parents, names or (), taken, number_format)
    parent = parents[position]
    try:
        body = template.format(
            *syms,
            i=position,
            n=parent.size // max(node.size, 1),
            shape=_shape(parent.shape),
            dtype=parent.dtype,
        )
    except (IndexError, KeyError, ValueError):
        body = template  # a user-added template with other braces: show it verbatim
    if rule.broadcasts and parent.shape != node.shape:
        body = (f"Σ {body}" if body == "gy" else f"Σ({body})") + "\n(summed over broadcast axes)"
    return f"∂/∂{syms[position]} = {body}"


def _operand_symbols(
    rule: DerivativeRule,
    fn: Any,
    parents: Sequence[Any],
    names: Sequence[str],
    taken: frozenset[str],
    number_format: str,
) -> list[str]:
    """What each input is called in the rule text, for every symbol the rule knows."""
    real = [
        names[k] if k < len(names) and len(names[k]) <= _MAX_NAME_IN_RULE else ""
        for k in range(len(parents))
    ]
    constants = dict(rule.constants)
    out: list[str] = []
    for k in range(max(len(parents), len(rule.symbols))):
        if k < len(parents) and real[k]:
            out.append(real[k])
            continue
        if rule.variadic and k >= len(rule.symbols) - 1 and len(parents) > 1:
            sym = f"{rule.symbols[-1]}{k}"  # inputs of concat: x0, x1, ...
        elif k < len(rule.symbols):
            sym = rule.symbols[k]
        else:
            sym = f"x{k}"
        if k >= len(parents):
            # Called without this input: a constant of the op, e.g. the 2 of x ** 2.
            value = getattr(fn, constants[sym], None) if sym in constants else None
            if isinstance(value, (int, float, np.number)):
                sym = _number(float(value), number_format)
        else:
            # An unnamed operand must not borrow a name that a drawn node really has.
            while sym in taken or sym in real:
                sym += "′"
        out.append(sym)
    return out


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
    """

    name: str
    fields: tuple[str, ...]
    local_grads: tuple[str | None, ...]
    edge_labels: tuple[str | None, ...] = ()
    kind: str = ""


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


def _describe(node: Any, opts: _Options) -> NodeDescription:
    """Describe one node for drawing; the single place that knows node kinds."""
    if isinstance(node, Value):
        return _describe_value(node, opts)
    if isinstance(node, Tensor):
        return _describe_tensor(node, opts)
    raise TypeError(
        f"draw_graph: cannot draw a node of type {type(node).__module__}."
        f"{type(node).__qualname__}; expected an autograd.Value or autograd.Tensor"
    )


def _describe_value(v: Value, opts: _Options) -> NodeDescription:
    fmt = opts.number_format
    fields = [f"data {_number(v.data, fmt)}"]
    if opts.show_grad:
        fields.append(f"grad {_number(v.grad, fmt)}")
    local = tuple(_number(g, fmt) for g in v.local_grads) if opts.show_local_grads else ()
    return NodeDescription(_name(v, opts), tuple(fields), local)


def _describe_tensor(t: Tensor, opts: _Options) -> NodeDescription:
    fmt = opts.number_format
    fields = [f"shape {_shape(t.shape)}  {t.dtype}", f"data: {summarize(t.data, fmt)}"]
    if opts.show_grad:
        if t.grad is not None:
            fields.append(f"grad: {summarize(np.asarray(t.grad.data), fmt)}")
        else:
            fields.append(NOT_COMPUTED if t.requires_grad else NO_GRAD)
    if t.is_leaf:
        kind = "leaf" if t.requires_grad else "constant"
    else:
        kind = "computed"
    edges = _tensor_edge_labels(t, opts) if opts.show_local_grads and not t.is_leaf else ()
    return NodeDescription(_name(t, opts), tuple(fields), (), edges, kind)


def _tensor_edge_labels(t: Tensor, opts: _Options) -> tuple[str | None, ...]:
    fn = t.grad_fn
    parents = t.parents
    # A one-element constant (the 2 of x * 2) is best named by its value: gy·2.
    names = [
        _own_name(p, opts)
        or (_number_or_empty(p, opts.number_format) if p.is_leaf and not p.requires_grad else "")
        for p in parents
    ]
    needs = tuple(getattr(fn, "needs_input_grad", ())) or tuple(p.requires_grad for p in parents)
    numbers = _scalar_local_derivatives(t)
    labels: list[str | None] = []
    for i in range(len(parents)):
        if i < len(needs) and not needs[i]:
            labels.append(None)  # a constant operand: no gradient flows back to it
            continue
        if numbers is not None and i < len(numbers) and numbers[i] is not None:
            # One element everywhere: the local derivative is a number, as for Value.
            wrt = f"∂/∂{names[i]}" if names[i] else "∂"  # as in Value graphs
            labels.append(f"{wrt} = {_number(numbers[i], opts.number_format)}")
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
    if t.size != 1 or any(p.size != 1 for p in t.parents):
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
    if t.size != 1 or t.dtype.kind not in "fiub":
        return ""
    return _element(t.data.reshape(-1)[0], number_format)


# -------------------------------------------------------------------- names
def _own_name(node: Any, opts: _Options) -> str:
    """The node's real name: ``label_fn``, module path or label; "" if it has none."""
    if opts.label_fn is not None:
        name = opts.label_fn(node)
        return str(name) if name else ""
    path = opts.param_names.get(id(node))
    if path:
        return path
    label = getattr(node, "label", "")
    return str(label) if label else ""


def _name(node: Any, opts: _Options) -> str:
    """Display name: the real name, else "param" for an ``nn.Parameter`` leaf."""
    name = _own_name(node, opts)
    if not name and opts.label_fn is None and _is_parameter(node):
        return "param"
    return name


def _is_parameter(node: Any) -> bool:
    # No import of nn here: if nn.parameter was never imported, no Parameter can exist,
    # and viz keeps working for Value/Tensor graphs even without (a working) nn.
    module = sys.modules.get("nn.parameter")
    cls = getattr(module, "Parameter", None)
    return isinstance(cls, type) and isinstance(node, cls)


# -------------------------------------------------------------------- numbers
def _number(x: float, fmt: str) -> str:
    # -0.0 (e.g. 0 * -0.3) prints as "-0", which only puzzles a learner.
    return format(x + 0.0 if x == 0 else x, fmt)


def _element(x: Any, fmt: str) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (complex, np.complexfloating)):
        return format(complex(x), fmt)
    return _number(float(x), fmt)


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(n) for n in shape))


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
        return "(empty)"
    if data.size <= TINY_TENSOR:
        if data.ndim == 0:
            return _element(data.item(), number_format)
        text = np.array2string(
            data,
            separator=", ",
            formatter={"all": lambda x: _element(x, number_format)},
            max_line_width=sys.maxsize,
            threshold=sys.maxsize,
        )
        return " ".join(text.split())  # rows of a matrix on one line
    if data.dtype.kind == "b":
        return f"{int(data.sum())} of {data.size} True"
    values = data.astype(np.complex128 if data.dtype.kind == "c" else np.float64)
    if values.dtype.kind == "c":
        values = np.abs(values)  # magnitudes: complex numbers have no min/max
    with np.errstate(all="ignore"):  # inf/nan data summarizes to inf/nan, not warnings
        stats = (values.mean(), values.std(), values.min(), values.max())
    mean, std, lo, hi = (_number(float(s), number_format) for s in stats)
    return f"mean {mean}  std {std}  min {lo}  max {hi}"
