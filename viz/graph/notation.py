"""The textbook's notation for ``nn.scalar`` networks (``draw_graph(..., notation="textbook")``).

The textbook numbers layers from the input: the input is layer 1, so an ``MLP``'s
first hidden layer (``layers.0``) is layer 2, and the units of every layer from 1::

    u_j^(l) = Σ_i w_ji^(l) z_i^(l-1) + b_j^(l)     (the unit's total input)
    z_j^(l) = f(u_j^(l))                           (its output; z_i^(1) = x_i)
    δ_j^(l) = ∂E/∂u_j^(l)                          (the "delta" that backprop carries)

so the weight from unit i of layer l-1 to unit j of layer l is ``w_ji^(l)``. Drawn with
this notation, parameters, totals and outputs carry these names (``w₂₁⁽²⁾``, ``u₁⁽³⁾``,
``z₂⁽²⁾``), the loss is ``E``, and each ``u``'s gradient is shown as its delta:
``δ₁⁽³⁾ 0.25`` -- a learner's hand derivation and the drawing use the same symbols.

Which node is ``u_j^(l)`` is read from the graph: ``nn.scalar.Neuron`` adds its inputs
one at a time (``u = b; u = u + w_i x_i``), so ``u`` is the ``+`` (or the folded ``Σ``)
that takes the product with the neuron's *last* weight; ``z`` is the activation applied
to it (a linear unit has no ``z``: its output is ``u``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from autograd.value import Value

from ..words import say
from .dot import escape
from .model_map import ModelMap

__all__ = [
    "ACTIVATIONS",
    "Textbook",
    "textbook_symbol",
    "textbook_names",
    "textbook_labels",
    "with_deltas",
    "notation_title",
]

#: Ops that are a unit's activation f.
ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid", "leaky_relu"})

_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉‚")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
_PARAM = re.compile(r"^(?:layers\.(?P<k>\d+)\.)?(?:neurons\.(?P<j>\d+)\.)?(?:w\.(?P<i>\d+)|b)$")


def textbook_symbol(letter: str, layer: int, *indices: int) -> str:
    """``("w", 2, 2, 1)`` -> ``"w₂₁⁽²⁾"``: subscripts the 1-based unit indices, superscript
    the layer; indices of two digits or more are separated by a comma (``w₁₂‚₃⁽²⁾``)."""
    sep = "," if any(i >= 10 for i in indices) else ""
    sub = sep.join(str(i) for i in indices).translate(_SUB)
    return f"{letter}{sub}{f'({layer})'.translate(_SUP)}"


class Textbook:
    """The textbook names of the nodes of one drawing.

    Attributes
    ----------
    names : dict
        ``id(node) -> name`` for the named nodes.
    deltas : dict
        ``id(node) -> "δ₁⁽³⁾"`` for every ``u`` node (its grad is shown as the delta).
    label_fn : callable or None
        What the drawing uses to name each node (set by ``draw_graph``).
    """

    def __init__(self, names: dict[int, str], deltas: dict[int, str]) -> None:
        self.names, self.deltas = names, deltas
        self.label_fn: Callable[[Any], str] | None = None

    def __bool__(self) -> bool:
        return bool(self.names)


def textbook_names(order: list, params: dict[int, str]) -> Textbook:
    """Find ``w``, ``b``, ``u``, ``z``, the inputs ``z⁽¹⁾`` and ``E`` in a drawn graph.

    Parameters
    ----------
    order : list of Value
        The drawn nodes, parents first (stand-ins of a folded graph are fine).
    params : dict
        ``id(parameter) -> path`` of an ``nn.scalar`` network, as ``ModelMap`` gives it
        (``"layers.1.neurons.3.w.0"``, ``"layers.1.neurons.3.b"``).

    Returns
    -------
    Textbook
        Empty if no parameter has an ``nn.scalar`` path.
    """
    names: dict[int, str] = {}
    deltas: dict[int, str] = {}
    last_weight: dict[int, tuple[int, int]] = {}  # id(w) -> (layer, unit) for each last w
    widest: dict[tuple[int, int], int] = {}
    parsed = {}
    for node in order:
        path = params.get(id(node))
        m = _PARAM.match(path) if path else None
        if m is None:
            continue
        layer = int(m["k"] or 0) + 2  # the input is layer 1
        unit = int(m["j"] or 0) + 1
        if m["i"] is not None:
            i = int(m["i"]) + 1
            names[id(node)] = textbook_symbol("w", layer, unit, i)
            parsed[id(node)] = (layer, unit, i)
            widest[(layer, unit)] = max(widest.get((layer, unit), 0), i)
        else:
            names[id(node)] = textbook_symbol("b", layer, unit)
    if not names:
        return Textbook({}, {})
    for key, (layer, unit, i) in parsed.items():
        if widest[(layer, unit)] == i:
            last_weight[key] = (layer, unit)
    consumers: dict[int, list[Any]] = {}
    for node in order:
        for p in node._parents:
            users = consumers.setdefault(id(p), [])
            if not users or users[-1] is not node:
                users.append(node)
    for node in order:
        where = last_weight.get(id(node))
        if where is None:
            continue
        layer, unit = where
        for product in consumers.get(id(node), []):
            ps = product._parents
            if product.op != "*" or len(ps) != 2 or ps[0] is ps[1]:
                continue  # w·w is the L2 penalty, not the unit's input
            for total in consumers.get(id(product), []):
                if total.op not in ("+", "Σ"):
                    continue
                names[id(total)] = textbook_symbol("u", layer, unit)
                deltas[id(total)] = textbook_symbol("δ", layer, unit)
                after = consumers.get(id(total), [])
                if len(after) == 1 and after[0].op in ACTIVATIONS:
                    names[id(after[0])] = textbook_symbol("z", layer, unit)
    # the other inputs of the first hidden layer: z_i^(1) for each weight w_ji^(2)
    for node in order:
        info = parsed.get(id(node))
        if info is None or info[0] != 2:
            continue
        for product in consumers.get(id(node), []):
            ps = product._parents
            if product.op == "*" and len(ps) == 2 and ps[0] is not ps[1]:
                other = ps[1] if ps[0] is node else ps[0]
                if not other._parents and id(other) not in names:
                    names[id(other)] = textbook_symbol("z", 1, info[2])
    root = order[-1]
    if id(root) not in names and not getattr(root, "label", ""):
        names[id(root)] = "E"
    return Textbook(names, deltas)


def textbook_labels(order: list, mapping: ModelMap, root: Any, label_fn: Any) -> Textbook:
    """The textbook names of the drawn nodes, and a ``label_fn`` that gives them."""
    params = mapping.params
    if not params and isinstance(root, Value):
        params = ModelMap.from_scalar_labels(order).params  # nn.scalar's own labels
    book = textbook_names(order, params)
    if not book:
        raise ValueError(
            "draw_graph: notation='textbook' names the units of an nn.scalar network "
            "(Neuron, Layer, MLP), but none of its parameters is in this graph; pass "
            "model=your_mlp (the network that computed the loss)"
        )
    names = book.names

    def textbook_label(node: Any) -> str:
        name = names.get(id(node))
        if name:
            return name
        if label_fn is not None:
            return label_fn(node)
        return getattr(node, "label", "") or ""

    book.label_fn = textbook_label
    return book


def with_deltas(order: list, descs: list, book: Textbook, show_grad: bool) -> list:
    """Show the grad of each ``u_j^(l)`` as its delta: ``δ₁⁽³⁾ 0.25``."""
    if not show_grad:
        return descs
    out = list(descs)
    for i, node in enumerate(order):
        delta = book.deltas.get(id(node))
        if delta is not None and len(descs[i].fields) > 1:
            data, grad, *rest = descs[i].fields
            out[i] = replace(descs[i], fields=(data, grad.replace(say("grad"), delta, 1), *rest))
    return out


def notation_title(title: dict[str, str]) -> dict[str, str]:
    line = escape(say("textbook_title"))
    before = title.get("label", "")
    if before and not before.endswith("\\l"):
        before += "\\l"
    text = before + line + "\\l"
    return {"label": text, "labelloc": "t", "labeljust": "l", "fontsize": "11"}
