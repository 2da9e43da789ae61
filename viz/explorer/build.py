"""``explore(root, model=None)``: the whole graph as one self-contained, clickable HTML page.

Build steps: walk the graph once (``topological_order``), give every node its module
(``viz.graph.model_map`` / ``viz.graph.collapse``), describe each node once
(``viz.graph.describe``), cut the graph into small views (``viz.explorer.views``), lay
every view out with Graphviz (``viz.explorer.layout``), and write the page
(``viz.explorer.page``): all views' SVGs and a JSON record of every node they show.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import pathlib
import tempfile
from typing import Any

from autograd.graph import topological_order
from autograd.tensor import Tensor
from autograd.value import Value

from ..graph.collapse import assign_owners
from ..graph.describe import NodeDescription, _Options, check_node, describe_nodes, own_name
from ..graph.model_map import ModelMap, scalar_modules
from ..render import GraphTooLargeError
from ..words import WORDS, say, speaking
from .layout import VIEW_CHARS, VIEW_NODES, render_all, too_large, view_source
from .nodeinfo import node_info
from .page import page_html
from .views import TOP, ViewTree, build_views

__all__ = ["explore", "Explorer", "pack", "unpack", "MAX_VIEWS"]

#: Most views one page may have (each is laid out by Graphviz when the page is built):
#: micrograd's demo graph needs 119, a chain of 10,000 Values 252.
MAX_VIEWS = 300


def pack(svg: str) -> str:
    """An SVG as the page embeds it: gzip, then base64 (a tenth of the size; the page
    inflates a view with the browser's ``DecompressionStream`` when it is opened)."""
    packed = gzip.compress(svg.encode("utf-8"), compresslevel=6, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def unpack(text: str) -> str:
    """The SVG text back from ``pack``."""
    return gzip.decompress(base64.b64decode(text)).decode("utf-8")


class Explorer:
    """An explorable graph: shows inline in Jupyter, ``.save("graph.html")`` writes it.

    Attributes
    ----------
    data : dict
        What the page embeds: ``views`` (id -> ``t`` title, ``u`` parent view, ``svg``
        (``pack``-ed), ``b`` the view each box opens, ``v`` the variants showing other
        copies, ``f`` the folds ``[first node, copy, copies]``) and ``nodes``
        (position -> the record of ``viz.explorer.nodeinfo``).
    node_count : int
        Nodes in the whole graph.
    """

    def __init__(self, data: dict[str, Any], node_count: int, language: str = "en") -> None:
        self.data = data
        self.node_count = node_count
        self.language = language  # of the page's words (the views' words are in data)
        self._json: str | None = None

    def to_json(self) -> str:
        """The embedded data as JSON text (``"</"`` escaped, safe inside ``<script>``)."""
        if self._json is None:
            text = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
            self._json = text.replace("</", "<\\/")
        return self._json

    def to_html(self, *, full_page: bool = True) -> str:
        """The explorer as HTML: a whole document, or a fragment for a notebook cell."""
        with speaking(self.language):
            return page_html(self.to_json(), full_page=full_page)

    def _repr_html_(self) -> str:
        return self.to_html(full_page=False)

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write the self-contained page to ``path`` (atomically); return the path.

        The file works offline: no script or style is fetched from anywhere.
        """
        path = pathlib.Path(path)
        text = self.to_html()
        # temp file + os.replace: a failed write never leaves a half-written page
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return path

    def __repr__(self) -> str:
        return (
            f"Explorer({self.node_count} nodes, {len(self.data['views'])} views; "
            "show it in a notebook or .save('graph.html'))"
        )


#: The words of WORDS the page's script shows (``D.w`` on the page).
_PAGE_WORDS = (
    "data",
    "grad",
    "shape",
    "x_folded",
    "x_copy",
    "x_no_gradient",
    "x_stats",
    "x_node",
    "x_leaf",
    "x_kind",
    "x_op",
    "x_module",
    "x_inputs",
    "x_view",
    "x_in",
    "x_kind_leaf",
    "x_kind_constant",
    "x_kind_computed",
    "x_kind_root",
)


def page_words(language: str) -> dict[str, str]:
    """The words the explorer's script shows, in ``language``."""
    return {key: WORDS[key][language] for key in _PAGE_WORDS}


def _box_label(order: list) -> Any:
    def label(title: str, positions: list[int]) -> str:
        values = sum(1 for i in positions if isinstance(order[i], Value))
        count = len(positions)
        what = "x_values" if values == count else "x_nodes"
        return say("x_box", title=title, count=f"{count:,}", what=say(what))

    return label


def explore(
    root: Any, model: Any = None, *, number_format: str = ".4g", language: str | None = None
) -> Explorer:
    """An explorer of the graph that produced ``root``: every node, one view at a time.

    Parameters
    ----------
    root : Value or Tensor
        The output (a loss); run ``root.backward()`` first to see gradients.
    model : nn.Module or nn.scalar network, optional
        Groups nodes by module (``layers.1.neurons.3`` for an ``nn.scalar`` network,
        ``features.0`` for an ``nn.Module``) and names the parameters. Without it the
        graph is cut into folded repeats and pages only.
    number_format : str
        ``format()`` spec of the numbers inside the boxes (the side panel shows full
        precision).
    language : {None, "en", "ja"}
        The language of the boxes, titles and the page's buttons and panel (``None``:
        the process-wide ``viz.set_language(...)``).

    Returns
    -------
    Explorer
        Shows inline in Jupyter; ``.save("graph.html")`` writes one offline HTML file:
        pan (drag) and zoom (wheel); click a module box to open it, the breadcrumb to
        go back; hover or click a node for its data, gradient and the local derivative
        on each edge; search by name; export the current view as SVG.

    Raises
    ------
    TypeError
        If ``root`` is not a ``Value`` or ``Tensor``, or ``model`` is neither an
        ``nn.Module`` nor an ``nn.scalar`` network.
    ValueError
        If ``number_format`` or ``language`` is invalid.
    GraphTooLargeError
        (a ``ValueError``, raised before any layout) If the page would need more than
        ``MAX_VIEWS`` views; the message says what to explore instead.
    """
    check_node(root)
    try:
        format(1.5, number_format)
    except (ValueError, TypeError):
        raise ValueError(
            f"explore: invalid number_format {number_format!r}; try '.4g' or '.3f'"
        ) from None
    with speaking(language, "explore") as lang:
        return _explore(root, model, number_format, lang)


def _explore(root: Any, model: Any, number_format: str, lang: str) -> Explorer:
    """``explore`` after its arguments are checked, inside ``speaking(lang)``."""
    if model is not None and not callable(getattr(model, "named_parameters", None)):
        if scalar_modules(model) is None:
            raise TypeError(
                "explore: model= needs an nn.Module (with named_parameters()) or an "
                "nn.scalar network (Neuron, Layer, MLP), got " + type(model).__name__
            )
    mapping = ModelMap.from_model(model) if model is not None else ModelMap()
    opts = _Options(True, True, number_format, None, mapping.params)
    order = topological_order(root)
    names = [own_name(node, opts) for node in order]
    owners = None
    if model is not None:
        named_nodes = {node for node, name in zip(order, names) if name}
        owners = assign_owners(order, mapping, named_nodes.__contains__)
    pos = {node: i for i, node in enumerate(order)}
    par = [tuple([pos[p] for p in node._parents]) for node in order]
    if owners is not None:
        _adopt_trailing_sums(order, par, owners, mapping.param_unit)
    named = [bool(name) for name in names]
    tree = build_views(order, par, named, owners, mapping.units, _box_label(order))
    if len(tree.views) > MAX_VIEWS:
        raise GraphTooLargeError(
            f"explore: the graph of {len(order):,} nodes would need {len(tree.views):,} views "
            f"(more than viz.explorer.MAX_VIEWS={MAX_VIEWS}); the page would take minutes "
            "to build and be too large to open. Pass model=your_model so that nodes are "
            "grouped by module and repeats folded, or explore an intermediate result "
            "(a smaller part of the graph)"
        )
    wanted = _wanted(tree, par)
    descs = _describe(order, par, wanted, names, opts)
    kinds = [_kind(order[i], i == len(order) - 1) for i in range(len(order))]
    # views in a fixed order: the top first, then as built
    ids = [TOP] + [v for v in tree.views if v != TOP]
    sources = []
    for number, vid in enumerate(ids):
        source, _ = view_source(tree.views[vid], number, order, par, descs, kinds, tree.group_of)
        view = tree.views[vid]
        if len(view.nodes) > VIEW_NODES or len(source) > VIEW_CHARS:
            source = too_large(number, len(view.nodes) + sum(len(f[3]) for f in view.folds))
        sources.append(source)
    svgs = render_all(sources)
    views: dict[str, Any] = {}
    for vid, svg in zip(ids, svgs):
        v = tree.views[vid]
        views[vid] = {
            "t": v.title,
            "u": v.parent,
            "svg": pack(svg),
            "b": [b for b, _ in v.boxes],
            "v": v.variants,
            "f": [[first, copy, copies] for first, copy, copies, _ in v.folds],
        }
    nodes = {}
    for i in sorted(wanted):
        info = node_info(order[i], i, descs[i], list(par[i]), kinds[i], tree.group_of[i])
        info["h"] = tree.home.get(i, TOP)
        nodes[str(i)] = info
    data: dict[str, Any] = {"views": views, "nodes": nodes, "root": len(order) - 1, "top": TOP}
    if lang != "en":  # the words the page's script shows (English ones are in the script)
        data["w"] = page_words(lang)
    return Explorer(data, len(order), lang)


def _adopt_trailing_sums(
    order: list, par: list[tuple[int, ...]], owners: list[int], param_unit: dict[int, int]
) -> None:
    """Give the last module of a network the sum that ends it (in place).

    ``assign_owners`` leaves the parameter-free ops after the last parameterised op
    unowned (rule f: nothing downstream tells it whose they are), so the output neuron
    of an ``nn.scalar`` network would lose its ``w·x + b`` chain to the loss. Here a
    parameter-free op is given to module ``k`` when every computed operand belongs to
    ``k`` and one of them is a *forward* op of ``k``: a parameterised op with an operand
    that is not a parameter (``w * x``; not ``w * w``, the L2 penalty's square).
    """
    unit_of = [param_unit.get(id(node), -1) for node in order]
    forward = [False] * len(order)
    for i, ps in enumerate(par):
        if not ps:
            continue
        units = {unit_of[j] for j in ps} - {-1}
        if len(units) == 1 and any(unit_of[j] < 0 for j in ps):
            forward[i] = True
        if owners[i] >= 0 or units:
            continue
        ks = {owners[j] for j in ps if par[j]}
        if len(ks) == 1 and -1 not in ks and any(forward[j] for j in ps):
            owners[i] = ks.pop()


def _wanted(tree: ViewTree, par: list[tuple[int, ...]]) -> set[int]:
    """Positions of every node some view draws, in full or as a stub."""
    out: set[int] = set()
    for v in tree.views.values():
        shown = set(v.nodes)
        for *_, positions in v.folds:
            shown.update(positions)
        out |= shown
        for i in shown:
            out.update(par[i])
    return out


def _describe(
    order: list,
    par: list[tuple[int, ...]],
    wanted: set[int],
    names: list[str],
    opts: _Options,
) -> list[NodeDescription]:
    """Descriptions of the wanted nodes (others get an empty placeholder)."""
    if any(isinstance(node, Tensor) for node in order):
        return describe_nodes(order, opts, names)
    # Value graphs can be huge (65k nodes): describe only what is shown, the same way
    # describe_nodes does (it needs the whole order, so run it on a small sub-order).
    empty = NodeDescription("", (), ())
    out = [empty] * len(order)
    fmt = opts.number_format
    from ..graph.rules import _number

    for i in wanted:
        node = order[i]
        parent_names = tuple(names[j] for j in par[i])
        fields = (f"data {_number(node.data, fmt)}", f"grad {_number(node.grad, fmt)}")
        local = tuple(_number(g, fmt) for g in node.local_grads)
        out[i] = NodeDescription(names[i], fields, local, parent_names=parent_names)
    return out


def _kind(node: Any, is_root: bool) -> str:
    if is_root:
        return "root"
    if node._parents:
        return "computed"
    if isinstance(node, Tensor) and not node.requires_grad:
        return "constant"
    return "leaf"
