"""DOT source of each explorer view, and its SVG from Graphviz (``viz.render``).

A view's drawing uses the same boxes, colours and edge texts as ``draw_graph``
(``viz.graph.dot``, ``viz.graph.painter.record``); what is new are the boxes standing for
whole groups or pages (``b<k>``, click to open), the cluster around a folded copy, and
the dashed "from ..." stubs for the nodes of other views that feed this one (``s<i>``).
Every node box is written with ``id="n<i>"`` (``i`` = position in the topological
order), so the page can find the numbers of whatever is under the mouse.

All views are laid out in one run of the system ``dot`` when it is installed (one
process start instead of hundreds: Graphviz lays out every graph of its input in turn);
otherwise one by one with the WebAssembly build.
"""

from __future__ import annotations

import concurrent.futures
import os
import re

from ..fonts import graph_font
from ..graph.describe import NodeDescription
from ..graph.dot import INK, STYLE, Statements, attr_list, escape
from ..graph.painter import _record_text
from ..render import dot_to_svg, find_dot, layout_timeout
from ..words import current_language, say
from .views import View

__all__ = ["view_source", "render_all", "too_large", "VIEW_CHARS", "VIEW_NODES"]

#: Most nodes one view draws; a larger view (the whole network for one sample, when no
#: model= splits it into modules) is shown as a note instead: its layout could take long.
VIEW_NODES = 250

#: A node with more uses than this in one view is drawn again beside each later use.
MANY_USES = 3

#: Longest DOT source of one view that is laid out; a larger view (a neuron with
#: thousands of inputs) is shown as a note instead, so the layout can never take long.
VIEW_CHARS = 400_000


def too_large(number: int, nodes: int) -> str:
    """The DOT of a note standing for a view too large to lay out."""
    text = say("x_too_many", nodes=f"{nodes:,}")
    return f'digraph view{number} {{\n\tnote [label="{text}" shape=note]\n}}\n'


_STUB = {
    "fillcolor": "#ffffff",
    "color": "#9ca3af",
    "style": "filled,dashed",
    "penwidth": "1",
    "fontsize": "9",
}


def _header(name: str) -> list[str]:
    font = graph_font(current_language())
    graph = attr_list(
        None,
        {
            "rankdir": "LR",
            "bgcolor": "white",
            "fontname": font,
            "fontcolor": INK,
            "nodesep": "0.25",
            "ranksep": "0.35",
        },
    )
    node = attr_list(
        None, {"fontname": font, "fontcolor": INK, "fontsize": "11", "style": "filled"}
    )
    edge = attr_list(
        None,
        {
            "fontname": font,
            "fontcolor": INK,
            "fontsize": "9",
            "color": "#374151",
            "arrowsize": "0.7",
        },
    )
    return [
        f"digraph {name} {{\n",
        f"\tgraph [{graph}]\n",
        f"\tnode [{node}]\n",
        f"\tedge [{edge}]\n",
    ]


def _fold(texts: list[str]) -> str:
    distinct = list(dict.fromkeys(texts))
    body = distinct[0] if len(distinct) == 1 else ", ".join(texts)
    return body if len(texts) == 1 else f"{body} (×{len(texts)})"


def view_source(
    view: View,
    number: int,
    order: list,
    par: list[tuple[int, ...]],
    descs: list[NodeDescription],
    kinds: list[str],
    group_of: list[str],
) -> tuple[str, list[int]]:
    """DOT source of one view, and the positions of the stub nodes it shows."""
    out = Statements()
    shown: dict[int, str | None] = {i: None for i in view.nodes}
    folds = view.folds
    if len(view.nodes) + sum(len(f[3]) for f in folds) > VIEW_NODES:
        # copies too large to draw (a whole network per sample, without model=): a note
        for first, _, copies, positions in folds:
            text = say("x_copies_too_large", copies=copies, nodes=f"{len(positions):,}")
            out.node(f"f{first}", escape(text), out.style(**STYLE["note"]))
        folds = []
    for first, copy, copies, positions in folds:
        fold_cluster = f"fold{first}"
        label = say("x_copy_of", k=copy + 1, copies=copies)
        out.add_cluster(
            fold_cluster,
            {
                "label": escape(label),
                "style": "rounded,dashed",
                "color": "#6d28d9",
                "fontsize": "10",
                "fontcolor": "#5b21b6",
                "labeljust": "l",
            },
        )
        for i in positions:
            shown[i] = fold_cluster
    box_of: dict[int, int] = {}
    for k, (vid, label) in enumerate(view.boxes):
        out.node(
            f"b{k}",
            escape(label),
            out.style(
                **STYLE["module"],
                shape="box",
                id=f"b{k}",
                tooltip=say("x_click_to_open"),
            ),
        )
        for i in view.box_members.get(vid, ()):
            box_of[i] = k
    stubs: list[int] = []
    stub_seen: set[int] = set()
    # A node used by many ops of the view (``a`` in ``a*a*...*a``) would pull long edges
    # across the layout, and Graphviz's time explodes with them: past its first use, each
    # use comes from a small copy of it (as ``viz.graph.painter.far_uses`` does).
    users: dict[int, list[int]] = {}
    for i in shown:
        for p in set(par[i]):
            if p not in box_of:
                users.setdefault(p, []).append(i)
    copied = {p: set(us[1:]) for p, us in users.items() if len(us) > MANY_USES}
    for i, cluster in shown.items():
        node, desc = order[i], descs[i]
        # fields stacked (not side by side): a long chain of w·x + b stays narrower
        out.node(
            f"n{i}",
            _record_text(desc, flip=False),
            out.style(**STYLE[kinds[i]], shape="record", id=f"n{i}"),
            cluster,
        )
        if not par[i]:
            continue
        op = node.op or "?"
        out.node(
            f"o{i}",
            escape(op),
            out.style(
                **STYLE["op"],
                shape="circle" if len(op) <= 4 else "ellipse",
                width="0.3",
                height="0.3",
                margin="0.02",
                fontsize="10",
            ),
            cluster,
        )
        out.edge(f"o{i}", f"n{i}")
        places: dict[int, list[int]] = {}
        for j, p in enumerate(par[i]):
            places.setdefault(p, []).append(j)
        for p, js in places.items():
            if i in copied.get(p, ()):
                tail = f"u{p}_{i}"
                pdesc = descs[p]
                text = f"{say('same_node')} {pdesc.name or order[p].op or ''}".rstrip()
                if pdesc.fields:
                    text += f"\n{pdesc.fields[0]}"
                out.node(tail, escape(text), out.style(**_STUB, shape="box", id=tail), cluster)
            elif p in shown:
                tail = f"n{p}"
            elif p in box_of:
                tail = f"b{box_of[p]}"
            else:
                tail = f"s{p}"
                if p not in stub_seen:
                    stub_seen.add(p)
                    stubs.append(p)
                    where = group_of[p] or say("x_the_training_graph")
                    pdesc = descs[p]
                    name = pdesc.name or order[p].op or say("x_node")
                    text = say("x_from", where=where, name=name)
                    if pdesc.fields:
                        text += f"\n{pdesc.fields[0]}"
                    out.node(tail, escape(text), out.style(**_STUB, shape="box", id=f"s{p}"))
            out.edge(tail, f"o{i}", _edge_text(desc, js), out.style())
    # edges into and between boxes: one per (tail, box), labelled with a count
    counts: dict[tuple[str, str], int] = {}
    for k, (vid, _) in enumerate(view.boxes):
        members = view.box_members.get(vid, [])
        head = f"b{k}"
        seen: set[int] = set()
        for m in members:
            for p in par[m]:
                if p in seen:
                    continue
                if p in shown:
                    tail = f"n{p}"
                elif p in box_of and f"b{box_of[p]}" != head:
                    tail = f"b{box_of[p]}"
                else:
                    continue
                seen.add(p)
                counts[(tail, head)] = counts.get((tail, head), 0) + 1
    for (tail, head), c in counts.items():
        out.edge(tail, head, say("x_values_count" if c > 1 else "x_value_count", c=c))
    # edges out of boxes into drawn nodes were added above (tail b<k>)
    lines = _header(f"view{number}") + out.body() + ["}\n"]
    return "".join(lines), stubs


def _edge_text(desc: NodeDescription, js: list[int]) -> str | None:
    if desc.edge_labels:
        texts = [desc.edge_labels[j] for j in js if j < len(desc.edge_labels)]
        shown = [t for t in texts if t is not None]
        return escape(_fold(shown)) if shown else None
    if all(j < len(desc.local_grads) and desc.local_grads[j] is not None for j in js):
        names = desc.parent_names
        name = names[js[0]] if js[0] < len(names) else ""
        wrt = f"∂/∂{name}" if name else "∂"
        return escape(f"{wrt} = {_fold([str(desc.local_grads[j]) for j in js])}")
    return None


_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
_TITLE = re.compile(r"<title>[^<]*</title>\s*")
_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)

#: Largest batch of DOT sources handed to one ``dot`` run (characters).
_BATCH_CHARS = 1_500_000
#: Most ``dot`` processes run at once.
_WORKERS = 4


def _trim(svg: str) -> str:
    """The ``<svg>`` element alone: no XML prolog, comments or per-node titles."""
    svg = _PROLOG.sub("", svg, count=1)
    return _TITLE.sub("", _COMMENT.sub("", svg)).strip()


def render_all(sources: list[str], timeout: float | None = None) -> list[str]:
    """The SVG of every DOT source, in order (see the module docstring).

    With the system ``dot``, the sources go in a few batches, laid out by parallel
    ``dot`` processes (one per core, at most ``_WORKERS``).
    """
    if find_dot() is None:
        return [_trim(dot_to_svg(s, timeout=timeout)) for s in sources]
    workers = max(1, min(_WORKERS, os.cpu_count() or 1))
    total = sum(len(s) for s in sources)
    limit = min(_BATCH_CHARS, total // workers + 1)
    batches: list[list[str]] = [[]]
    size = 0
    for s in sources:
        if batches[-1] and size + len(s) > limit:
            batches.append([])
            size = 0
        batches[-1].append(s)
        size += len(s)

    # each view is small; the limit of a batch grows with the views in it
    seconds = layout_timeout(timeout)

    def run(batch: list[str]) -> list[str]:
        text = dot_to_svg("".join(batch), timeout=seconds + 0.5 * len(batch))
        parts = [p for p in text.split("<?xml") if p.strip()]
        if len(parts) != len(batch):  # never expected; lay out one by one instead
            parts = [dot_to_svg(s, timeout=timeout) for s in batch]
        return [_trim(p) for p in parts]

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(run, batches))
    return [svg for part in done for svg in part]
