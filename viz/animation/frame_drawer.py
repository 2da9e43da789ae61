"""``FrameDrawer``: the DOT source of each frame of ``BackwardAnimation``.

Each frame is the ``draw_graph`` picture with the gradients known at that moment, the
node and edge of the current step highlighted, and one layout shared by every frame
(so boxes do not jump as numbers arrive).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

import graphviz
import numpy as np

from autograd.tensor import Tensor

from .. import render as _render
from ..graph.describe import (
    _number,
    _Options,
    describe_nodes,
    summarize,
)
from ..graph.dot import INK, STYLE, escape
from ..graph.painter import far_uses, record
from ..words import words
from .replay import GradValue, Step
from .scene import Scene, named_in_box

__all__ = ["FrameDrawer"]

# Highlight colours. Red marks where the gradient comes from (the node being processed,
# its op and the edge whose local derivative is applied), green where it goes to.
_ACTIVE = {"color": "#dc2626", "penwidth": "3", "fillcolor": "#fee2e2"}
_RECEIVING = {"color": "#047857", "penwidth": "3", "fillcolor": "#d1fae5"}
_ACTIVE_EDGE = {"color": "#dc2626", "fontcolor": "#b91c1c", "penwidth": "2.6"}
_ACTIVE_OP = {"color": "#dc2626", "penwidth": "2.4", "fillcolor": "#fee2e2"}


class FrameDrawer:
    """Draws the frames of one animation the way ``viz.draw_graph`` draws the graph.

    All frames share one Graphviz layout: every box is given, up front, the size of its
    widest gradient text over the whole animation (``box_sizes``), so nothing moves
    as the numbers arrive. Statements are made once and reused across frames.
    """

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        order, names = scene.order, scene.names
        by_id = {id(node): name for node, name in zip(order, names)}

        def label_fn(node: Any) -> str:
            # A one-element constant Tensor is best named by its value (gy·2): leaving
            # it unnamed lets viz.graph.describe do that.
            if isinstance(node, Tensor) and node.is_leaf and not node.requires_grad:
                return ""
            return by_id.get(id(node), "")

        opts = _Options(
            show_grad=False,
            show_local_grads=True,
            number_format=scene.number_format,
            label_fn=label_fn,
            taken=frozenset(names),
        )
        self.descs = describe_nodes(order, opts)
        self.words = words()  # the box words, in the animation's language
        self._statements: dict[tuple, str] = {}
        # Far uses of a node are drawn from small copies of it, as draw_graph does.
        self.far = far_uses(order, scene.index)

    def grad_text(self, i: int, g: GradValue) -> str:
        """The gradient line of node ``i``'s box; "—" until a gradient has arrived."""
        node, w = self.scene.order[i], self.words
        if isinstance(node, Tensor):
            if g is None:
                return w["not_computed"] if node.requires_grad else w["no_grad"]
            return f"{w['grad']}: {summarize(np.asarray(g), self.scene.number_format)}"
        if g is None:
            return w["anim_no_grad"]
        return f"{w['grad']} {_number(float(g), self.scene.number_format)}"

    def edge_text(self, i: int, position: int) -> str | None:
        """The label of operand ``position``'s edge into node ``i``'s op (as draw_graph's).

        ``∂/∂a = -3`` for a ``Value``; the op's derivative rule (``∂/∂W = gy·xᵀ``) for a
        ``Tensor``; ``None`` for an edge that carries no gradient (a constant).
        """
        desc = self.descs[i]
        if desc.edge_labels:
            text = desc.edge_labels[position] if position < len(desc.edge_labels) else None
            return text
        if position < len(desc.local_grads) and desc.local_grads[position] is not None:
            parent = self.scene.order[i].parents[position]
            return f"∂/∂{self.scene.name_of(parent)} = {desc.local_grads[position]}"
        return None

    def box_sizes(self, texts: list[set[str]]) -> dict[int, tuple[str, str]] | None:
        """``node index -> (width, height)`` in inches that fit every frame's text.

        Graphviz measures text itself (and the system ``dot`` and the WebAssembly build
        measure differently), so ask it: one layout with each box's gradient field
        holding all its texts as lines gives the width, one with a single line the
        height. ``None`` when no renderer is available: the frames then get natural
        sizes (correct, but boxes may shift a little between frames).
        """
        widest = ["\n".join(sorted(t)) for t in texts]
        single = [max(t, key=len) for t in texts]
        try:
            wide = _node_sizes(self.dot(widest, "forward", None, None))
            tall = _node_sizes(self.dot(single, "forward", None, None))
        except (_render.LayoutTimeoutError, _render.GraphTooLargeError):
            raise  # every frame would take as long: say so now, not once per frame
        except (_render.RenderError, ValueError, KeyError):
            return None
        sizes = {}
        for i in range(len(self.scene.order)):
            key = f"v{i}"
            if key in wide and key in tall:
                # A hair of slack: Graphviz prints the sizes rounded.
                sizes[i] = (f"{wide[key][0] + 0.02:.4f}", f"{tall[key][1] + 0.01:.4f}")
        return sizes

    def dot(
        self,
        grad_texts: Sequence[str],
        kind: str,
        step: Step | None,
        sizes: dict[int, tuple[str, str]] | None,
    ) -> str:
        """DOT source of one frame, drawn the way ``viz.draw_graph`` draws the graph.

        Frames differ from each other in a few statements only (the gradients that
        changed, the highlighted node and edge), so statements are made once and reused:
        quoting every attribute of every node anew for hundreds of frames would take
        seconds.
        """
        r = self.scene.index[self.scene.root]
        active = step.node if step is not None else (r if kind == "seed" else None)
        receiving = step.parent if step is not None else None
        lines: list[str] = []
        for i, node in enumerate(self.scene.order):
            role = "active" if i == active else ("receiving" if i == receiving else "")
            size = sizes.get(i) if sizes is not None else None
            lines.append(self._cached(("box", i, grad_texts[i], role, size), self._box))
            if not node.parents:
                continue
            sending = step is not None and i == active
            lines.append(self._cached(("op", i, sending), self._op))
            for parent in dict.fromkeys(node.parents):
                if (self.scene.index[parent], i) in self.far:
                    lines.append(self._cached(("copy", self.scene.index[parent], i), self._copy))
            for j in range(len(node.parents)):
                hot = step is not None and step.node == i and step.position == j
                lines.append(self._cached(("in", i, j, hot), self._operand_edge))
            lines.append(self._cached(("out", i, sending), self._result_edge))
        return self._head + "".join(lines) + "}\n"

    @functools.cached_property
    def _head(self) -> str:
        g = graphviz.Digraph(name="backward_step")
        g.attr(
            rankdir=self.scene.rankdir,
            bgcolor="white",
            fontname=self.scene.font,
            fontcolor=INK,
            nodesep="0.25",
            ranksep="0.35",
            pad="0.12",  # room for the thick highlight borders at the drawing's edge
        )
        font = self.scene.font
        g.attr("node", fontname=font, fontcolor=INK, fontsize="11", style="filled")
        g.attr("edge", fontname=font, fontcolor=INK, fontsize="9", color="#374151", arrowsize="0.7")
        source = g.source.rstrip()
        return source[: source.rindex("}")]

    def _cached(self, key: tuple, make: Any) -> str:
        line = self._statements.get(key)
        if line is None:
            g = graphviz.Digraph()
            make(g, *key[1:])
            line = self._statements[key] = "".join(g.body)
        return line

    def _box(
        self, g: graphviz.Digraph, i: int, grad_text: str, role: str, size: tuple | None
    ) -> None:
        node, desc = self.scene.order[i], self.descs[i]
        if node is self.scene.root:
            kind = "root"
        else:
            kind = desc.kind or ("computed" if node.parents else "leaf")
        style = dict(STYLE[kind])
        if role == "receiving":
            style.update(_RECEIVING)
        elif role == "active":
            style.update(_ACTIVE)  # x*x: the node sending is also receiving; sending wins
        if size is not None:
            style.update(width=size[0], height=size[1], fixedsize="true")
        name = self.scene.names[i] if named_in_box(node) else ""
        box = type(desc)(name, (*desc.fields, grad_text), desc.local_grads)
        # A Tensor's lines are too long to sit side by side (as draw_graph does).
        flip = not isinstance(node, Tensor) or self.scene.rankdir in ("TB", "BT")
        g.node(f"v{i}", record(box, flip=flip), shape="record", **style)

    def _op(self, g: graphviz.Digraph, i: int, sending: bool) -> None:
        op = self.scene.order[i].op or "?"
        style = dict(STYLE["op"])
        if sending:
            style.update(_ACTIVE_OP)
        g.node(
            f"op{i}",
            graphviz.nohtml(escape(op)),
            shape="circle" if len(op) <= 4 else "ellipse",
            width="0.3",
            height="0.3",
            margin="0.02",
            fontsize="10",
            **style,
        )

    def _copy(self, g: graphviz.Digraph, p: int, i: int) -> None:
        """A small dashed copy of node ``p`` beside its far use by node ``i``."""
        node, desc = self.scene.order[p], self.descs[p]
        name = self.scene.names[p] if named_in_box(node) else ""
        box = type(desc)(name, (*desc.fields, "(same node)"), ())
        flip = not isinstance(node, Tensor) or self.scene.rankdir in ("TB", "BT")
        g.node(f"use{p}_{i}", record(box, flip=flip), shape="record", **STYLE["constant"])

    def _operand_edge(self, g: graphviz.Digraph, i: int, j: int, hot: bool) -> None:
        parent = self.scene.order[i].parents[j]
        text = self.edge_text(i, j)
        attrs: dict[str, str] = {}
        if getattr(parent, "requires_grad", True) is False:
            attrs["style"] = "dashed"  # a constant: no gradient flows back
        if hot:
            attrs.update(_ACTIVE_EDGE)
        label = None if text is None else graphviz.nohtml(escape(text))
        p = self.scene.index[parent]
        tail = f"use{p}_{i}" if (p, i) in self.far else f"v{p}"
        g.edge(tail, f"op{i}", label=label, **attrs)

    def _result_edge(self, g: graphviz.Digraph, i: int, sending: bool) -> None:
        attrs = {k: v for k, v in _ACTIVE_EDGE.items() if k != "fontcolor"} if sending else {}
        g.edge(f"op{i}", f"v{i}", **attrs)


def _node_sizes(source: str) -> dict[str, tuple[float, float]]:
    """Graphviz's own ``width``/``height`` (inches) of every node in ``source``."""
    layout = json.loads(_render.pipe(source, "json").decode("utf-8"))
    return {
        obj["name"]: (float(obj["width"]), float(obj["height"]))
        for obj in layout.get("objects", [])
        if "width" in obj and "height" in obj
    }
