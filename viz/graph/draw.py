"""Draw the computation graph behind a ``Value`` or ``Tensor``: data, gradients, derivatives.

Picture (``rankdir="LR"``)::

    [ a | data 2 | grad 6 ] --∂/∂a = -3--> ( * ) --> [ e | data -6 | grad -2 ] ...

* one box per node: its name, data and grad (for a Tensor: shape, dtype and a summary
  of data and grad); leaves that receive gradients (inputs, weights) are blue,
  constants white and dashed, computed nodes grey, the root amber;
* one small circle per operation, fed by its operands;
* each operand edge says how the gradient gets back to that operand: the local
  derivative ``∂out/∂operand`` as a number for a ``Value``, the op's derivative rule
  (``∂/∂a = gy·bᵀ``) for a ``Tensor`` (see ``viz.graph.describe``);
* with ``model=``: parameters named after their module path, and each module's
  parameters *and the ops it computed* inside one dashed box (``viz.graph.collapse`` explains
  how an op's module is inferred); ``collapse="modules"`` draws each module as a single
  box instead, so the training graph of a real network stays readable;
* with ``highlight="nonfinite"``: NaN/Inf in red, and the op where it started.
* never a hang: graphs over ``max_nodes`` are refused before layout
  (``GraphTooLargeError``), ``x*x`` is one edge ``∂/∂x = 3 (×2)``, the far uses of a
  node used many times get small copies of it (``far_uses``), and ``viz.render`` stops
  any layout after ``layout_timeout()`` seconds (``LayoutTimeoutError``).

Boxes are Graphviz *record* labels rather than HTML-like tables: the WebAssembly
Graphviz used when ``dot`` is not installed is built without the XML parser that
HTML-like labels need, and the drawing must look the same with either backend.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable
from typing import Any, Literal

import graphviz

from autograd.graph import topological_order
from autograd.tensor import Tensor
from autograd.value import Value

from .. import render
from ..render import GraphTooLargeError
from .collapse import Collapsed, ModelMap, Unit, assign_owners, collapse_modules, shapes_text
from .describe import NodeDescription, _describe, _name, _Options, _own_name
from .dot import FONT, INK, STYLE, Statements, escape
from .drawing import Drawing
from .nonfinite import NonFinite, find_nonfinite

__all__ = [
    "Drawing",
    "draw_graph",
    "save",
    "DEFAULT_MAX_NODES",
    "DEFAULT_MAX_VALUE_NODES",
    "GraphTooLargeError",
    "far_uses",
]

#: ``draw_graph``'s default limit for Tensor graphs: beyond a few hundred boxes a
#: drawing is no longer something a person can read.
DEFAULT_MAX_NODES = 500

#: ``draw_graph``'s default limit for Value graphs. Calibrated so that a drawing at the
#: limit lays out in about 2 s or less with either Graphviz backend (a Value drawing has
#: an op circle and a labelled edge per computed node, so it is denser than a Tensor one).
DEFAULT_MAX_VALUE_NODES = 350

#: A node whose uses lie far apart in the data flow (``a`` in ``a*a*...*a``) would get
#: one long edge per use, and Graphviz's layout time explodes with such edges (60 uses:
#: minutes). When it has at least ``FAR_USES`` uses more than ``FAR_SPAN`` ops beyond
#: its nearest one, those uses are drawn from small copies of the node instead.
FAR_USES = 3
FAR_SPAN = 2

# Names the frames of an animation (viz.animation.frame_drawer) share.
_INK, _FONT, _STYLE, _escape = INK, FONT, STYLE, escape
_CLUSTER_STYLE = {
    "style": "rounded,dashed",
    "color": "#9ca3af",
    "fontsize": "10",
    "fontcolor": INK,
    "labeljust": "l",
}


def _record_text(desc: NodeDescription, *, flip: bool = True) -> str:
    parts = ([escape(desc.name, record=True)] if desc.name else []) + [
        escape(f, record=True) for f in desc.fields
    ]
    # Braces flip the record: fields side by side for LR, stacked for TB. No spaces
    # around "|": Graphviz 2.x drops a space after a non-ASCII letter in a field that
    # starts with one.
    body = "|".join(parts)
    return "{" + body + "}" if flip else body


def _record(desc: NodeDescription, *, flip: bool = True) -> str:
    """The record label of a box, for ``graphviz.Digraph.node``."""
    return graphviz.nohtml(_record_text(desc, flip=flip))


def _edge_label(parent_name: str, local: str) -> str:
    wrt = f"∂/∂{parent_name}" if parent_name else "∂"
    return escape(f"{wrt} = {local}")


def _folded(texts: list[str]) -> str:
    """One label for ``n`` parallel edges (``x*x``): ``"3 (×2)"``, or each value listed."""
    distinct = list(dict.fromkeys(texts))
    body = distinct[0] if len(distinct) == 1 else ", ".join(texts)
    return body if len(texts) == 1 else f"{body} (×{len(texts)})"


def _check_size(count: int, root: Any, max_nodes: int | None | str, what: str) -> None:
    if max_nodes == "auto":
        max_nodes = DEFAULT_MAX_NODES if isinstance(root, Tensor) else DEFAULT_MAX_VALUE_NODES
    if max_nodes is None:
        return
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    if count > max_nodes:
        if what == "graph":
            advice = (
                "Draw a smaller sub-graph (call draw_graph on an intermediate result -- a "
                "sub-expression, a single neuron -- or use a smaller model or batch); for "
                'a network, pass model=your_model with collapse="modules" to draw one box '
                "per module (nn.Module layers, nn.scalar neurons); or pass max_nodes=None "
                "to draw it anyway (Graphviz may then take long, and is stopped after "
                "viz.render.layout_timeout() seconds)"
            )
        else:
            advice = (
                "Draw a smaller sub-graph (call draw_graph on an intermediate result, or "
                "use a smaller model or batch), or pass max_nodes=None to draw it anyway"
            )
        raise GraphTooLargeError(
            f"draw_graph: the {what} has {count} nodes, more than max_nodes={max_nodes}; "
            f"a drawing that large is not readable, and Graphviz would take very long to "
            f"lay it out. {advice}"
        )


def far_uses(order: list, index: dict[Any, int]) -> set[tuple[int, int]]:
    """``(parent, consumer)`` positions whose edge is drawn from a copy of the parent.

    The depth of a node is its longest path from a leaf (ops only). For each node, its
    consumers more than ``FAR_SPAN`` deeper than its nearest consumer are "far"; when
    there are at least ``FAR_USES`` of them, each gets its own copy of the node, so the
    layout has only short edges (``a*a*...*a``: linear instead of minutes).
    """
    depth = [0] * len(order)
    consumers: dict[int, list[int]] = {}
    for i, node in enumerate(order):
        parents = node._parents
        if not parents:
            continue
        deepest = 0
        for parent in parents:
            p = index[parent]
            deepest = max(deepest, depth[p])
            users = consumers.setdefault(p, [])
            if not users or users[-1] != i:
                users.append(i)
        depth[i] = deepest + 1
    out: set[tuple[int, int]] = set()
    for p, users in consumers.items():
        if len(users) <= FAR_USES:
            continue
        near = min(depth[c] for c in users)
        far = [c for c in users if depth[c] - near > FAR_SPAN]
        if len(far) >= FAR_USES:
            out.update((p, c) for c in far)
    return out


def draw_graph(
    root: Any,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = True,
    number_format: str = ".4g",
    label_fn: Callable[[Any], str] | None = None,
    model: Any = None,
    max_nodes: int | None | Literal["auto"] = "auto",
    collapse: Literal["modules"] | None = None,
    highlight: Literal["nonfinite"] | None = None,
) -> Drawing:
    """Draw the computation graph that produced ``root``.

    Parameters
    ----------
    root : Value or Tensor
        The output node; everything it depends on is drawn.
    rankdir : {"LR", "RL", "TB", "BT"}
        Direction of the data flow.
    show_grad : bool
        Show each node's ``grad`` (run ``root.backward()`` first to fill them). A Tensor
        that has no gradient yet shows ``grad: —  (not computed yet)``, never 0. A
        ``Value``'s grad starts at 0.0, so a zero cannot be told from "not computed"
        node by node; but ``backward()`` seeds the root with 1, so when the *root's*
        grad is 0.0 no backward has run from it (or the grads were zeroed since), and
        the drawing says so in its title.
    show_local_grads : bool
        Label each operand edge with how the gradient reaches that operand. For a
        ``Value``: the local derivative ``∂out/∂operand``, the number that ``out.grad``
        is multiplied by on its way back (chain rule). For a ``Tensor``: the op's rule
        for the operand's gradient in terms of the output gradient ``gy``, e.g.
        ``∂/∂a = gy·bᵀ`` for ``a @ b`` (``viz.graph.rules``); a number
        again when the op's output and inputs all have one element.
    number_format : str
        ``format()`` spec for all numbers, e.g. ``".4g"`` or ``".3f"``.
    label_fn : callable, optional
        ``label_fn(node) -> str`` overrides the displayed name (default: the module
        path given by ``model``, else ``node.label``, else "param" for a parameter).
    model : nn.Module, optional
        Name parameters after their module path (``layers.0.weight``) and group each
        module's parameters, ops and intermediate results in one box (the owner of an
        op is inferred from the graph: see ``viz.graph.collapse``).
    max_nodes : int or None or "auto"
        Refuse graphs with more nodes than this (``GraphTooLargeError``, a
        ``ValueError``, raised before any layout); ``None``: no limit (the layout is
        still stopped after ``viz.render.layout_timeout()`` seconds). ``"auto"``:
        ``DEFAULT_MAX_NODES`` (500) for a Tensor root, ``DEFAULT_MAX_VALUE_NODES``
        (350) for a Value root. With ``collapse="modules"`` the boxes of the collapsed
        drawing are counted.
    collapse : {None, "modules"}
        ``"modules"`` (needs ``model``): one box per module, labelled with its path,
        class and the shapes going in and out (``layers.0 (Linear)`` /
        ``128×784 → 128×256``); edges between modules carry the shapes. Nodes that
        belong to no module (inputs, the loss) are drawn as usual.
    highlight : {None, "nonfinite"}
        ``"nonfinite"``: fill red every node whose data or grad holds NaN/Inf, and give
        the op where it started -- the first op, in forward order, whose output is
        non-finite while its inputs are finite -- a thick red border and a
        "first non-finite" note (see ``viz.graph.find_nonfinite``). Run the forward
        under ``autograd.detect_anomaly()`` and the note also shows the line of code
        that created that op; ``detect_anomaly`` alone stops at the same op with an
        ``AnomalyError``.

    Returns
    -------
    Drawing
        A ``graphviz.Digraph``; shows inline in Jupyter; ``.save("g.svg")``,
        ``.svg()``, ``.source``.

    Raises
    ------
    TypeError
        If ``root`` (or a node it depends on) is neither a ``Value`` nor a ``Tensor``,
        or ``model`` has no ``named_parameters()``.
    ValueError
        If ``rankdir``, ``number_format``, ``max_nodes``, ``collapse`` or ``highlight``
        is invalid.
    GraphTooLargeError
        (a ``ValueError``) If the drawing would have more than ``max_nodes`` nodes; the
        message says what to draw instead.

    Notes
    -----
    Two operands that are the same node (``x*x``, ``x+x``) share one edge labelled
    with the count: ``∂/∂x = 3 (×2)``. A node used many times far apart (``a`` in
    ``a*a*...*a``) is drawn once in full, and its far uses come from small dashed
    copies (see ``far_uses``): the layout stays fast.

    Examples
    --------
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> L = a * b; L.backward()
    >>> "∂/∂a = -3" in draw_graph(L).source
    True
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    try:
        format(1.5, number_format)
    except (ValueError, TypeError):
        raise ValueError(
            f"draw_graph: invalid number_format {number_format!r}; try '.4g' or '.3f'"
        ) from None
    if collapse not in (None, "modules"):
        raise ValueError(f"draw_graph: collapse must be None or 'modules', got {collapse!r}")
    if collapse is not None and model is None:
        raise ValueError(
            "draw_graph: collapse='modules' needs model=your_model to know the modules"
        )
    if highlight not in (None, "nonfinite"):
        raise ValueError(f"draw_graph: highlight must be None or 'nonfinite', got {highlight!r}")
    mapping = ModelMap.from_model(model) if model is not None else ModelMap()
    opts = _Options(show_grad, show_local_grads, number_format, label_fn, mapping.params)
    _describe(root, opts)  # reject a non-node root before walking it

    order = topological_order(root)  # iterative: deep graphs are fine
    owners = None
    if model is not None:
        owners = assign_owners(order, mapping, lambda node: bool(_own_name(node, opts)))
    plan = None
    if collapse is not None and owners is not None:
        stackable = [
            not node._parents and not getattr(node, "requires_grad", True) and not named
            for node, named in zip(order, (_own_name(node, opts) for node in order))
        ]
        plan = collapse_modules(order, owners, len(order) - 1, stackable)
    if plan is not None:
        _check_size(plan.size, root, max_nodes, "collapsed graph")
    else:
        _check_size(len(order), root, max_nodes, "graph")
    taken = frozenset(filter(None, (_own_name(node, opts) for node in order)))
    opts = _Options(show_grad, show_local_grads, number_format, label_fn, mapping.params, taken)
    marks = find_nonfinite(order) if highlight else None

    g = Drawing(name="computation_graph", format="svg")
    title = _not_computed_title(root) if show_grad else {}
    g.attr(
        rankdir=rankdir,
        bgcolor="white",
        fontname=FONT,
        fontcolor=INK,
        nodesep="0.25",
        ranksep="0.35",
        **title,
    )
    g.attr("node", fontname=FONT, fontcolor=INK, fontsize="11", style="filled")
    g.attr("edge", fontname=FONT, fontcolor=INK, fontsize="9", color="#374151", arrowsize="0.7")
    painter = _Painter(order, root, opts, rankdir, marks)
    if plan is not None:
        painter.collapsed(plan, mapping.units)
    else:
        painter.expanded(owners, mapping.units)
    g.body.extend(painter.out.body())
    return g


def save(
    graph_or_source: Any,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    timeout: float | None = None,
) -> pathlib.Path:
    """Write a graph to ``path`` as SVG, PNG, PDF or DOT source.

    Parameters
    ----------
    graph_or_source : Value, Tensor, str or graphviz graph
        A node (drawn first with ``draw_graph``'s defaults), DOT source text, or
        anything with a ``.source`` attribute (``viz.Drawing``, ``graphviz.Digraph``).
    path, format, timeout
        As for ``viz.render.save``: the suffix of ``path`` picks the format unless
        ``format`` is given; ``timeout`` limits the layout (seconds).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError, GraphTooLargeError, LayoutTimeoutError, RenderError
        As for ``draw_graph`` and ``viz.render.save``.
    """
    if hasattr(graph_or_source, "_parents"):  # an autograd node: draw it first
        graph_or_source = draw_graph(graph_or_source)
    return render.save(graph_or_source, path, format, timeout=timeout)


def _not_computed_title(root: Any) -> dict[str, str]:
    if not isinstance(root, Value) or root.grad != 0.0:
        return {}
    call = f"{root.label}.backward()" if root.label else "backward() on the root"
    text = f"grad: —  not computed yet (every grad shows 0 until {call} runs)"
    return {"label": escape(text), "labelloc": "t", "labeljust": "l", "fontsize": "11"}


class _Painter:
    """Writes the DOT statements of one drawing (expanded or collapsed)."""

    def __init__(
        self, order: list, root: Any, opts: _Options, rankdir: str, marks: NonFinite | None
    ) -> None:
        self.order, self.root, self.opts, self.marks = order, root, opts, marks
        self.index = {node: i for i, node in enumerate(order)}  # stable ids, not id()
        self.tb = rankdir in ("TB", "BT")
        self.out = Statements()
        self.descs: dict[int, NodeDescription] = {}
        self.far = far_uses(order, self.index)

    # ---------------------------------------------------------------- styles
    def _style(self, kind: str, i: int | None, **extra: str) -> str:
        attrs = dict(STYLE[kind], **extra)
        if self.marks is not None and i is not None:
            if i in self.marks.bad:
                attrs.update(STYLE["nonfinite"])
            if i == self.marks.origin:
                attrs.update(STYLE["origin"])
        return self.out.style(**attrs)

    def _bad(self, members: list[int]) -> tuple[bool, bool]:
        if self.marks is None:
            return False, False
        return any(i in self.marks.bad for i in members), self.marks.origin in members

    # ---------------------------------------------------------------- one node
    def node(self, i: int, cluster: str | None = None, edges: bool = True) -> None:
        """Box ``v{i}``, and for a computed node its op ``op{i}`` and operand edges."""
        node, opts = self.order[i], self.opts
        desc = self.descs[i] = _describe(node, opts)
        if node is self.root:
            kind = "root"
        else:
            kind = desc.kind or ("computed" if node._parents else "leaf")
        # A Tensor's lines (shape, data, grad) are too long to sit side by side: stack
        # them, whatever the direction of the data flow.
        flip = not isinstance(node, Tensor) or self.tb
        self.out.node(
            f"v{i}", _record_text(desc, flip=flip), self._style(kind, i, shape="record"), cluster
        )
        if not node._parents:
            return
        op = node.op or "?"
        origin = self.marks is not None and self.marks.origin == i
        self.out.node(
            f"op{i}",
            escape(op),
            self.out.style(
                **dict(STYLE["op"], **(STYLE["origin"] if origin else {})),
                # a circle around "cross_entropy" would dwarf the boxes
                shape="circle" if len(op) <= 4 else "ellipse",
                width="0.3",
                height="0.3",
                margin="0.02",
                fontsize="10",
            ),
            cluster,
        )
        if edges:
            # Parallel edges (x*x, x+x) are folded into one, labelled with a count.
            positions: dict[int, list[int]] = {}
            for j, parent in enumerate(node._parents):
                positions.setdefault(self.index[parent], []).append(j)
            for p, js in positions.items():
                tail = f"v{p}"
                if (p, i) in self.far:
                    tail = self.copy(p, i, cluster)
                self.operand_edge(tail, i, js)
        self.out.edge(f"op{i}", f"v{i}")

    def copy(self, p: int, i: int, cluster: str | None) -> str:
        """A small dashed copy of node ``p`` next to its use by node ``i`` (``far_uses``)."""
        desc = self.descs.get(p) or _describe(self.order[p], self.opts)
        node = self.order[p]
        data = desc.fields[:2] if isinstance(node, Tensor) else desc.fields[:1]
        fields = (*data, "(same node)")
        flip = not isinstance(node, Tensor) or self.tb
        label = _record_text(NodeDescription(desc.name, fields, ()), flip=flip)
        name = f"use{p}_{i}"
        self.out.node(name, label, self._style("constant", None, shape="record"), cluster)
        return name

    def stack(self, i: int, count: int) -> None:
        """Box ``v{i}`` standing for ``count`` alike constant inputs (collapsed view)."""
        node = self.order[i]
        shape = tuple(int(n) for n in node.shape)
        fields = (f"{count} inputs like this", f"shape {shape}  {node.data.dtype}")
        label = _record_text(NodeDescription("", fields, ()), flip=self.tb)
        self.out.node(f"v{i}", label, self._style("constant", i, shape="record"))

    def operand_edge(self, tail: str, i: int, js: list[int]) -> None:
        """One edge from ``tail`` into the op of node ``i`` for its operands ``js``.

        ``js`` lists the positions of one parent (``[0, 1]`` for ``x*x``): one edge,
        labelled with each position's local derivative and the count, ``(×2)``.
        """
        desc, parent = self.descs[i], self.order[i]._parents[js[0]]
        label = None
        if desc.edge_labels:
            texts = [desc.edge_labels[j] if j < len(desc.edge_labels) else None for j in js]
            shown = [t for t in texts if t is not None]
            label = escape(_folded(shown)) if shown else None
        elif all(j < len(desc.local_grads) and desc.local_grads[j] is not None for j in js):
            local = _folded([desc.local_grads[j] for j in js])
            label = _edge_label(_name(parent, self.opts), local)
        # dashed: a constant operand, to which no gradient flows back
        constant = getattr(parent, "requires_grad", True) is False
        self.out.edge(tail, f"op{i}", label, self.out.style(style="dashed") if constant else "")

    def note(self, target: str) -> None:
        """The "first non-finite" note, tied to ``target``."""
        if self.marks is None or not self.marks.note:
            return
        self.out.node("nonfinite_note", escape(self.marks.note), self.out.style(**STYLE["note"]))
        # A ranked edge from the origin keeps the note one rank away from it; an
        # unconstrained one let Graphviz park the note in the first rank, far away.
        style = self.out.style(style="dashed", color=STYLE["origin"]["color"], arrowhead="none")
        self.out.edge(target, "nonfinite_note", None, style)

    # ---------------------------------------------------------------- whole graphs
    def expanded(self, owners: list[int] | None, units: list[Unit]) -> None:
        clusters: dict[int, str] = {}
        for i, node in enumerate(self.order):
            cluster = None
            k = owners[i] if owners is not None else -1
            if k >= 0 and node is not self.root:
                cluster = clusters.get(k)
                if cluster is None:
                    cluster = clusters[k] = units[k].path or f"({units[k].type_name})"
                    title = escape(units[k].title)
                    self.out.add_cluster(cluster, dict(_CLUSTER_STYLE, label=title))
            self.node(i, cluster)
        origin = self.marks.origin if self.marks is not None else None
        if origin is not None:
            self.note(f"op{origin}" if self.order[origin]._parents else f"v{origin}")

    def collapsed(self, plan: Collapsed, units: list[Unit]) -> None:
        shape = [tuple(getattr(node, "shape", ())) for node in self.order]
        for k, (ins, outs, members) in plan.units.items():
            text = f"{units[k].title}\n{shapes_text([shape[p] for p in ins])} → "
            text += shapes_text([shape[p] for p in outs])
            bad, origin = self._bad(members)
            extra = dict(STYLE["nonfinite"], style="rounded,filled") if bad else {}
            if len(self.order) - 1 in members:  # the root is last in the order
                extra.update(penwidth=STYLE["root"]["penwidth"], color=STYLE["root"]["color"])
            if origin:
                extra.update(STYLE["origin"])
            self.out.node(f"m{k}", escape(text), self._style("module", None, shape="box", **extra))
        for i in plan.singles:
            if i in plan.stacks:
                self.stack(i, len(plan.stacks[i]))
            else:
                self.node(i, edges=False)
        grouped: dict[tuple[str, str], list[tuple[int, ...]]] = {}
        for tail, head, p, j in plan.edges:
            tail_id = f"m{tail[1]}" if tail[0] == "unit" else f"v{tail[1]}"
            if head[0] == "node":
                self.operand_edge(tail_id, head[1], [j])
            else:
                grouped.setdefault((tail_id, f"m{head[1]}"), []).append(shape[p])
        for (tail_id, head_id), shapes in grouped.items():
            self.out.edge(tail_id, head_id, escape(shapes_text(shapes)))
        origin = self.marks.origin if self.marks is not None else None
        if origin is not None:
            k = next((k for k, u in plan.units.items() if origin in u[2]), None)
            if k is not None:
                self.note(f"m{k}")
            else:
                self.note(f"op{origin}" if self.order[origin]._parents else f"v{origin}")
