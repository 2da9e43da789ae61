"""The DOT statements of one drawing: boxes, op circles, labelled edges, module boxes.

``draw_graph`` checks its arguments, describes every node once (``viz.graph.describe``)
and hands the descriptions to a ``Painter``, which writes them as DOT lines
(``viz.graph.dot``): the whole graph (``expanded``), or one box per module
(``collapsed``). The frames of an animation draw their boxes with the same ``record``
and ``far_uses``.
"""

from __future__ import annotations

from typing import Any

import graphviz

from autograd.tensor import Tensor
from autograd.value import Value

from ..words import say
from .collapse import Collapsed, shapes_text
from .describe import NodeDescription
from .dot import INK, STYLE, Statements, escape
from .model_map import Unit
from .nonfinite import NonFinite

__all__ = ["Painter", "record", "far_uses", "FAR_USES", "FAR_SPAN"]

#: A node whose uses lie far apart in the data flow (``a`` in ``a*a*...*a``) would get
#: one long edge per use, and Graphviz's layout time explodes with such edges (60 uses:
#: minutes). When it has at least ``FAR_USES`` uses more than ``FAR_SPAN`` ops beyond
#: its nearest one, those uses are drawn from small copies of the node instead.
FAR_USES = 3
FAR_SPAN = 2

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


def record(desc: NodeDescription, *, flip: bool = True) -> str:
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


class Painter:
    """Writes the DOT statements of one drawing (expanded or collapsed)."""

    def __init__(
        self,
        order: list,
        descs: list[NodeDescription],
        rankdir: str,
        marks: NonFinite | None,
    ) -> None:
        self.order, self.descs, self.marks = order, descs, marks
        self.root = order[-1]  # the root is last in a topological order
        self.index = {node: i for i, node in enumerate(order)}  # stable ids, not id()
        self.tb = rankdir in ("TB", "BT")
        self.out = Statements()
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
        node, desc = self.order[i], self.descs[i]
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
        node, desc = self.order[p], self.descs[p]
        data = desc.fields[:2] if isinstance(node, Tensor) else desc.fields[:1]
        fields = (*data, say("same_node"))
        flip = not isinstance(node, Tensor) or self.tb
        label = _record_text(NodeDescription(desc.name, fields, ()), flip=flip)
        name = f"use{p}_{i}"
        self.out.node(name, label, self._style("constant", None, shape="record"), cluster)
        return name

    def stack(self, i: int, count: int) -> None:
        """Box ``v{i}`` standing for ``count`` alike constant inputs (collapsed view)."""
        node = self.order[i]
        shape = tuple(int(n) for n in node.shape)
        fields = (
            say("inputs_like_this", count=count),
            f"{say('shape')} {shape}  {node.data.dtype}",
        )
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
            local = _folded([str(desc.local_grads[j]) for j in js])
            label = _edge_label(desc.parent_names[js[0]], local)
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

    def collapsed(
        self, plan: Collapsed, units: list[Unit], notes: dict[int, str] | None = None
    ) -> None:
        """One box per module (``notes``: an extra line for some, by unit index)."""
        shape = [tuple(getattr(node, "shape", ())) for node in self.order]
        for k, (ins, outs, members) in plan.units.items():
            if outs and isinstance(self.order[min(outs)], Value):
                # scalars: the module's output (a neuron's z) with its numbers
                text = f"{units[k].title}\n" + "  ".join(self.descs[min(outs)].fields)
                if notes and k in notes:
                    text += f"\n{notes[k]}"
            else:
                text = f"{units[k].title}\n{shapes_text([shape[p] for p in ins])} → "
                text += shapes_text([shape[p] for p in outs])
            bad, has_origin = self._bad(members)
            extra = dict(STYLE["nonfinite"], style="rounded,filled") if bad else {}
            if len(self.order) - 1 in members:  # the root is last in the order
                extra.update(penwidth=STYLE["root"]["penwidth"], color=STYLE["root"]["color"])
            if has_origin:
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
            # between modules of scalars, "scalar" on every edge says nothing
            label = None if all(s == () for s in shapes) else escape(shapes_text(shapes))
            self.out.edge(tail_id, head_id, label)
        origin = self.marks.origin if self.marks is not None else None
        if origin is not None:
            unit = next((k for k, u in plan.units.items() if origin in u[2]), None)
            if unit is not None:
                self.note(f"m{unit}")
            else:
                self.note(f"op{origin}" if self.order[origin]._parents else f"v{origin}")
