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
* readable by default: a graph over ``max_nodes`` is drawn as a summary -- the alike
  terms of a long sum (a batch's samples) drawn once with a count (``viz.graph.fold``),
  then one box per module if needed -- whose title says how to expand it;
* ``notation="textbook"``: ``u_j^(l)``, ``z_j^(l)``, ``w_ji^(l)``, ``δ_j^(l)`` for an
  ``nn.scalar`` network (``viz.graph.notation``);
* never a hang: a summary still over ``max_nodes`` is refused before layout
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
from dataclasses import replace
from typing import Any, Literal

from autograd.graph import topological_order
from autograd.tensor import Tensor
from autograd.value import Value

from .. import render
from ..fonts import graph_font
from ..render import GraphTooLargeError
from ..words import speaking
from .collapse import assign_owners, collapse_modules
from .describe import _Options, check_node, describe_nodes, own_name
from .dot import INK
from .drawing import Drawing
from .fold import fold_edge_labels, fold_repeats
from .model_map import ModelMap
from .nonfinite import find_nonfinite
from .notation import notation_title, textbook_labels, with_deltas
from .painter import Painter
from .titles import not_computed_title, summary_title

__all__ = ["draw_graph", "save", "DEFAULT_MAX_NODES", "DEFAULT_MAX_VALUE_NODES"]

#: ``draw_graph``'s default limit for Tensor graphs: beyond a few hundred boxes a
#: drawing is no longer something a person can read.
DEFAULT_MAX_NODES = 500

#: ``draw_graph``'s default limit for Value graphs. Calibrated so that a drawing at the
#: limit lays out in about 2 s or less with either Graphviz backend (a Value drawing has
#: an op circle and a labelled edge per computed node, so it is denser than a Tensor one).
DEFAULT_MAX_VALUE_NODES = 350


def _limit(root: Any, max_nodes: int | None | str) -> int | None:
    """``max_nodes`` resolved (``"auto"``: the default for the root's kind) and checked."""
    if max_nodes == "auto":
        return DEFAULT_MAX_NODES if isinstance(root, Tensor) else DEFAULT_MAX_VALUE_NODES
    if max_nodes is None:
        return None
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    return max_nodes


def _over(count: int, limit: int | None) -> bool:
    return limit is not None and count > limit


def _check_size(
    count: int, root: Any, limit: int | None, what: str, total: int | None = None
) -> None:
    """Refuse a drawing of more than ``limit`` boxes; ``total``: the graph's size when
    ``count`` is that of a summary (folded or collapsed)."""
    if not _over(count, limit):
        return
    if what == "graph" or total is not None:
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
    if total is not None:
        raise GraphTooLargeError(
            f"draw_graph: the graph has {total} nodes, and its summary (repeated terms "
            f"folded, modules as boxes) still has {count}, more than max_nodes={limit}; "
            f"a drawing that large is not readable. {advice}"
        )
    raise GraphTooLargeError(
        f"draw_graph: the {what} has {count} nodes, more than max_nodes={limit}; "
        f"a drawing that large is not readable, and Graphviz would take very long to "
        f"lay it out. {advice}"
    )


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
    collapse: Literal["modules", "auto"] | None = "auto",
    highlight: Literal["nonfinite"] | None = None,
    fold: bool | Literal["auto"] = "auto",
    sample: int = 0,
    notation: Literal["textbook"] | None = None,
    language: Literal["en", "ja"] | None = None,
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
        The most boxes a drawing may have. A graph with more is summarised (``fold``,
        ``collapse``); if the summary still has more, it is refused
        (``GraphTooLargeError``, a ``ValueError``, raised before any layout). ``None``:
        no limit and no summary (the layout is still stopped after
        ``viz.render.layout_timeout()`` seconds). ``"auto"``: ``DEFAULT_MAX_NODES``
        (500) for a Tensor root, ``DEFAULT_MAX_VALUE_NODES`` (350) for a Value root.
    collapse : {"auto", None, "modules"}
        ``"modules"`` (needs ``model``): one box per module, labelled with its path,
        class and the shapes going in and out (``layers.0 (Linear)`` /
        ``128×784 → 128×256``; for Values, the module's output with its data and grad);
        edges between modules carry the shapes. Nodes that belong to no module
        (inputs, the loss) are drawn as usual. ``"auto"``: the same when the graph
        (after ``fold``) has more than ``max_nodes`` boxes, with the modules of
        ``model`` or -- for a Value graph without ``model`` -- the neurons of an
        ``nn.scalar.MLP`` found from its parameters' labels (``L1.n3.w0`` ->
        ``layers.1.neurons.3``). ``None``: never.
    highlight : {None, "nonfinite"}
        ``"nonfinite"``: fill red every node whose data or grad holds NaN/Inf, and give
        the op where it started -- the first op, in forward order, whose output is
        non-finite while its inputs are finite -- a thick red border and a
        "first non-finite" note (see ``viz.graph.find_nonfinite``). Run the forward
        under ``autograd.detect_anomaly()`` and the note also shows the line of code
        that created that op; ``detect_anomaly`` alone stops at the same op with an
        ``AnomalyError``.
    fold : {"auto", True, False}
        Value graphs: draw each group of alike terms of a long sum once (the
        per-sample subgraphs of a batch loss, see ``viz.graph.fold``), with the count
        on its edge into the sum (``×100 alike terms, term 0 shown``) and in the title.
        ``"auto"``: when the graph has more than ``max_nodes`` nodes; ``True``: always;
        ``False``: never (every term drawn). Tensor graphs are not folded.
    sample : int
        Which term of each folded group to draw: for a batch, the sample (default 0,
        the first added). A group with fewer terms shows its first.
    notation : {None, "textbook"}
        ``"textbook"`` (an ``nn.scalar`` network, given as ``model`` or recognised from
        its labels): name weights ``w_ji^(l)``, biases ``b_j^(l)``, totals ``u_j^(l)``,
        outputs ``z_j^(l)``, inputs ``z_i^(1)`` and the loss ``E``, numbering layers from
        the input (layer 1), and show each ``u``'s gradient as its delta
        ``δ_j^(l) = ∂E/∂u_j^(l)`` (see ``viz.graph.notation``).
    language : {None, "en", "ja"}
        The language of the words in the drawing (``"ja"``: データ / 勾配, Japanese
        titles and captions, drawn with the bundled IPAexGothic font). ``None``: the
        process-wide ``viz.set_language(...)`` setting (default ``"en"``). Numbers,
        names, formulas and the graph itself are the same in every language.

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
        If ``rankdir``, ``number_format``, ``max_nodes``, ``collapse``, ``highlight``,
        ``fold``, ``sample``, ``notation`` or ``language`` is invalid, or ``notation="textbook"``
        finds no ``nn.scalar`` network in the graph.
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
    if collapse not in (None, "modules", "auto"):
        raise ValueError(
            f"draw_graph: collapse must be None, 'modules' or 'auto', got {collapse!r}"
        )
    if collapse == "modules" and model is None:
        raise ValueError(
            "draw_graph: collapse='modules' needs model=your_model to know the modules"
        )
    if highlight not in (None, "nonfinite"):
        raise ValueError(f"draw_graph: highlight must be None or 'nonfinite', got {highlight!r}")
    if fold not in (True, False, "auto"):
        raise ValueError(f"draw_graph: fold must be True, False or 'auto', got {fold!r}")
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
        raise ValueError(f"draw_graph: sample must be an int >= 0, got {sample!r}")
    if notation not in (None, "textbook"):
        raise ValueError(f"draw_graph: notation must be None or 'textbook', got {notation!r}")
    with speaking(language, "draw_graph") as lang:
        return _draw(
            root,
            rankdir,
            show_grad,
            show_local_grads,
            number_format,
            label_fn,
            model,
            max_nodes,
            collapse,
            highlight,
            fold,
            sample,
            notation,
            graph_font(lang),
        )


def _draw(
    root: Any,
    rankdir: str,
    show_grad: bool,
    show_local_grads: bool,
    number_format: str,
    label_fn: Callable[[Any], str] | None,
    model: Any,
    max_nodes: int | None | str,
    collapse: str | None,
    highlight: str | None,
    fold: bool | str,
    sample: int,
    notation: str | None,
    font: str,
) -> Drawing:
    """``draw_graph`` after its arguments are checked, inside ``speaking(language)``."""
    limit = _limit(root, max_nodes)
    mapping = ModelMap.from_model(model) if model is not None else ModelMap()
    check_node(root)  # reject a non-node root before walking it

    order = topological_order(root)  # iterative: deep graphs are fine
    total = len(order)
    folding = None
    if isinstance(root, Value) and (fold is True or (fold == "auto" and _over(total, limit))):
        folding = fold_repeats(order, sample)
        if folding is not None:
            order = folding.order
            mapping = mapping.remapped(folding.original_ids())
    inferred = False
    wants_modules = collapse == "modules" or (collapse == "auto" and _over(len(order), limit))
    if wants_modules and model is None and isinstance(root, Value):
        mapping = ModelMap.from_scalar_labels(order)
        inferred = bool(mapping.units)
    textbook = None
    if notation is not None:
        textbook = textbook_labels(order, mapping, root, label_fn)
        label_fn = textbook.label_fn
    opts = _Options(show_grad, show_local_grads, number_format, label_fn, mapping.params)
    names = [own_name(node, opts) for node in order]  # each node's real name, once
    owners = None
    if mapping.units and (model is not None or inferred):
        named = {node for node, name in zip(order, names) if name}
        owners = assign_owners(order, mapping, named.__contains__)
    plan = None
    if wants_modules and owners is not None:
        stackable = [
            not node._parents and not getattr(node, "requires_grad", True) and not name
            for node, name in zip(order, names)
        ]
        plan = collapse_modules(order, owners, len(order) - 1, stackable)
        if collapse == "auto" and plan.size >= len(order):
            plan = None  # module boxes would not make it smaller
    if inferred and plan is None:
        owners = None  # the inferred modules only serve the collapsed view
    summary = folding is not None or (plan is not None and collapse == "auto")
    if plan is not None:
        _check_size(plan.size, root, limit, "collapsed graph", total if summary else None)
    else:
        _check_size(len(order), root, limit, "graph", total if summary else None)
    opts = replace(opts, taken=frozenset(filter(None, names)))
    descs = describe_nodes(order, opts, names)  # every box and edge text, once
    if folding is not None:
        descs = fold_edge_labels(folding, descs, opts)
    if textbook is not None:
        descs = with_deltas(order, descs, textbook, show_grad)
    marks = find_nonfinite(order) if highlight else None

    g = Drawing(name="computation_graph", format="svg")
    title = not_computed_title(root) if show_grad else {}
    if summary:
        title = summary_title(total, folding, plan, mapping.units, title)
    if textbook is not None:
        title = notation_title(title)
    g.attr(
        rankdir=rankdir,
        bgcolor="white",
        fontname=font,
        fontcolor=INK,
        nodesep="0.25",
        ranksep="0.35",
        **title,
    )
    g.attr("node", fontname=font, fontcolor=INK, fontsize="11", style="filled")
    g.attr("edge", fontname=font, fontcolor=INK, fontsize="9", color="#374151", arrowsize="0.7")
    painter = Painter(order, descs, rankdir, marks)
    if plan is not None:
        notes = folding.unit_notes(owners) if folding is not None and owners else None
        painter.collapsed(plan, mapping.units, notes)
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
