"""Drawing and playing the frames of ``BackwardAnimation``.

* ``FrameDrawer`` writes each frame's DOT source: the ``draw_graph`` picture with the
  gradients known at that moment, the node and edge of the current step highlighted,
  and one layout shared by every frame;
* ``captioned_pages`` and ``gif_bytes`` make the files (SVG/PNG frames, GIF);
* ``player_fragment`` / ``player_document`` make the HTML player: plain HTML, CSS and
  a few lines of JavaScript.

Design constraints of the player, and how they are met:

* **self-contained** -- every frame's SVG is inlined; no external script, style sheet,
  font or URL (the SVGs lose their XML namespace declarations, which HTML does not
  need), so the page works offline, from a file, and inside a notebook;
* **readable without JavaScript** -- notebooks may strip or sandbox scripts (an
  untrusted notebook, a static viewer): the first frame and its caption are plain
  markup, the others carry the ``hidden`` attribute, and a note says what is missing;
* **several players per page** -- all ids (the player's and the SVGs' own) get a prefix
  unique to each call, and the script only looks inside its own player;
* **dark themes** -- the player paints its own light background and text colours;
* **any width** -- the SVGs scale down to the available width (never up) without
  clipping.

``page.html#frame=N`` opens the player at frame ``N`` (0-based), so a headless browser
or a link in a text can point at one step.
"""

from __future__ import annotations

import functools
import io
import json
import re
import textwrap
import uuid
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import graphviz

from autograd.tensor import Tensor

from . import render as _render
from .describe import NO_GRAD, NOT_COMPUTED, _describe, _number, _Options, summarize
from .graph import _FONT, _INK, _STYLE, _escape, _record

if TYPE_CHECKING:  # pragma: no cover
    from .animation import BackwardAnimation, GradValue, Step

__all__ = [
    "FrameDrawer",
    "captioned_pages",
    "gif_bytes",
    "player_fragment",
    "player_document",
    "inline_svg",
]

# Highlight colours. Red marks where the gradient comes from (the node being processed,
# its op and the edge whose local derivative is applied), green where it goes to.
_ACTIVE = {"color": "#dc2626", "penwidth": "3", "fillcolor": "#fee2e2"}
_RECEIVING = {"color": "#047857", "penwidth": "3", "fillcolor": "#d1fae5"}
_ACTIVE_EDGE = {"color": "#dc2626", "fontcolor": "#b91c1c", "penwidth": "2.6"}
_ACTIVE_OP = {"color": "#dc2626", "penwidth": "2.4", "fillcolor": "#fee2e2"}

_VALUE_NO_GRAD = "grad —"


# -------------------------------------------------------------------- frames
class FrameDrawer:
    """Draws the frames of one animation the way ``viz.draw_graph`` draws the graph.

    All frames share one Graphviz layout: every box is given, up front, the size of its
    widest gradient text over the whole animation (``box_sizes``), so nothing moves
    as the numbers arrive. Statements are made once and reused across frames.
    """

    def __init__(
        self, order: list, root: Any, names: tuple[str, ...], rankdir: str, number_format: str
    ) -> None:
        self.order = order
        self.root = root
        self.names = names
        self.rankdir = rankdir
        self.fmt = number_format
        self.index = {node: i for i, node in enumerate(order)}
        by_id = {id(node): name for node, name in zip(order, names)}

        def label_fn(node: Any) -> str:
            # A one-element constant Tensor is best named by its value (gy·2): leaving
            # it unnamed lets viz.describe do that.
            if isinstance(node, Tensor) and node.is_leaf and not node.requires_grad:
                return ""
            return by_id.get(id(node), "")

        opts = _Options(
            show_grad=False,
            show_local_grads=True,
            number_format=number_format,
            label_fn=label_fn,
            taken=frozenset(names),
        )
        self.descs = [_describe(node, opts) for node in order]
        self._statements: dict[tuple, str] = {}

    def grad_text(self, i: int, g: GradValue) -> str:
        """The gradient line of node ``i``'s box; "—" until a gradient has arrived."""
        node = self.order[i]
        if isinstance(node, Tensor):
            if g is None:
                return NOT_COMPUTED if node.requires_grad else NO_GRAD
            return f"grad: {summarize(g, self.fmt)}"
        return _VALUE_NO_GRAD if g is None else f"grad {_number(g, self.fmt)}"

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
            parent = self.order[i].parents[position]
            return f"∂/∂{self.names[self.index[parent]]} = {desc.local_grads[position]}"
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
        except (_render.RenderError, ValueError, KeyError):
            return None
        sizes = {}
        for i in range(len(self.order)):
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
        r = self.index[self.root]
        active = step.node if step is not None else (r if kind == "seed" else None)
        receiving = step.parent if step is not None else None
        lines: list[str] = []
        for i, node in enumerate(self.order):
            role = "active" if i == active else ("receiving" if i == receiving else "")
            size = sizes.get(i) if sizes is not None else None
            lines.append(self._cached(("box", i, grad_texts[i], role, size), self._box))
            if not node.parents:
                continue
            sending = step is not None and i == active
            lines.append(self._cached(("op", i, sending), self._op))
            for j in range(len(node.parents)):
                hot = step is not None and step.node == i and step.position == j
                lines.append(self._cached(("in", i, j, hot), self._operand_edge))
            lines.append(self._cached(("out", i, sending), self._result_edge))
        return self._head + "".join(lines) + "}\n"

    @functools.cached_property
    def _head(self) -> str:
        g = graphviz.Digraph(name="backward_step")
        g.attr(
            rankdir=self.rankdir,
            bgcolor="white",
            fontname=_FONT,
            fontcolor=_INK,
            nodesep="0.25",
            ranksep="0.35",
            pad="0.12",  # room for the thick highlight borders at the drawing's edge
        )
        g.attr("node", fontname=_FONT, fontcolor=_INK, fontsize="11", style="filled")
        g.attr(
            "edge", fontname=_FONT, fontcolor=_INK, fontsize="9", color="#374151", arrowsize="0.7"
        )
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
        node, desc = self.order[i], self.descs[i]
        if node is self.root:
            kind = "root"
        else:
            kind = desc.kind or ("computed" if node.parents else "leaf")
        style = dict(_STYLE[kind])
        if role == "receiving":
            style.update(_RECEIVING)
        elif role == "active":
            style.update(_ACTIVE)  # x*x: the node sending is also receiving; sending wins
        if size is not None:
            style.update(width=size[0], height=size[1], fixedsize="true")
        name = self.names[i] if named_in_box(node) else ""
        record = type(desc)(name, (*desc.fields, grad_text), desc.local_grads)
        # A Tensor's lines are too long to sit side by side (as draw_graph does).
        flip = not isinstance(node, Tensor) or self.rankdir in ("TB", "BT")
        g.node(f"v{i}", _record(record, flip=flip), shape="record", **style)

    def _op(self, g: graphviz.Digraph, i: int, sending: bool) -> None:
        op = self.order[i].op or "?"
        style = dict(_STYLE["op"])
        if sending:
            style.update(_ACTIVE_OP)
        g.node(
            f"op{i}",
            graphviz.nohtml(_escape(op)),
            shape="circle" if len(op) <= 4 else "ellipse",
            width="0.3",
            height="0.3",
            margin="0.02",
            fontsize="10",
            **style,
        )

    def _operand_edge(self, g: graphviz.Digraph, i: int, j: int, hot: bool) -> None:
        parent = self.order[i].parents[j]
        text = self.edge_text(i, j)
        attrs: dict[str, str] = {}
        if getattr(parent, "requires_grad", True) is False:
            attrs["style"] = "dashed"  # a constant: no gradient flows back
        if hot:
            attrs.update(_ACTIVE_EDGE)
        label = None if text is None else graphviz.nohtml(_escape(text))
        g.edge(f"v{self.index[parent]}", f"op{i}", label=label, **attrs)

    def _result_edge(self, g: graphviz.Digraph, i: int, sending: bool) -> None:
        attrs = {k: v for k, v in _ACTIVE_EDGE.items() if k != "fontcolor"} if sending else {}
        g.edge(f"op{i}", f"v{i}", **attrs)


def named_in_box(node: Any) -> bool:
    """False for a one-element constant Tensor: it shows its value, not a made-up name."""
    return not (isinstance(node, Tensor) and node.is_leaf and not node.requires_grad)


def _node_sizes(source: str) -> dict[str, tuple[float, float]]:
    """Graphviz's own ``width``/``height`` (inches) of every node in ``source``."""
    layout = json.loads(_render.pipe(source, "json").decode("utf-8"))
    return {
        obj["name"]: (float(obj["width"]), float(obj["height"]))
        for obj in layout.get("objects", [])
        if "width" in obj and "height" in obj
    }


# -------------------------------------------------------------------- exports
_SIZE_RE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"', re.S)
_CAPTION_FONT = 12.0  # pt
_CHAR_WIDTH = 0.56 * _CAPTION_FONT  # a generous average for a sans-serif face
_MIN_WIDTH = 420.0  # pt: room for a readable caption line even under a tiny graph


def _svg_size(svg: str) -> tuple[float, float]:
    m = _SIZE_RE.search(svg)
    if m is None:
        raise _render.RenderError("cannot read the size of a rendered frame")
    return float(m.group(1)), float(m.group(2))


def _svg_body(svg: str) -> str:
    """The ``<svg ...>...</svg>`` element alone (no XML declaration, doctype, comments)."""
    start = svg.find("<svg")
    return re.sub(r"<!--.*?-->", "", svg[start:], flags=re.S).strip()


def captioned_pages(svgs: list[str], captions: list[str]) -> list[str]:
    """Each SVG centred on a common white page, its caption wrapped underneath."""
    sizes = [_svg_size(s) for s in svgs]
    width = max(_MIN_WIDTH, max(w for w, _ in sizes))
    per_line = max(20, int((width - 16) / _CHAR_WIDTH))
    lines = [textwrap.wrap(c, per_line) or [""] for c in captions]
    graph_h = max(h for _, h in sizes)
    line_h = _CAPTION_FONT * 1.35
    height = graph_h + 10 + line_h * max(len(ls) for ls in lines) + 8
    pages = []
    for svg, (w, h), caption_lines in zip(svgs, sizes, lines):
        inner = _svg_body(svg)
        # the graph's own width/height in pt become user units of the page
        tag_end = inner.index(">")
        tag = re.sub(
            r'\swidth="[\d.]+pt"',
            f' x="{_fmt((width - w) / 2)}" width="{_fmt(w)}"',
            inner[:tag_end],
            count=1,
        )
        tag = re.sub(r'\sheight="[\d.]+pt"', f' y="0" height="{_fmt(h)}"', tag, count=1)
        inner = tag + inner[tag_end:]
        text = "".join(
            f'<text x="8" y="{_fmt(graph_h + 10 + line_h * (k + 0.8))}">{escape(line)}</text>'
            for k, line in enumerate(caption_lines)
        )
        pages.append(
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(width)}pt" '
            f'height="{_fmt(height)}pt" viewBox="0 0 {_fmt(width)} {_fmt(height)}">\n'
            f'<rect width="100%" height="100%" fill="white"/>\n{inner}\n'
            f'<g font-family="Helvetica,Arial,sans-serif" font-size="{_fmt(_CAPTION_FONT)}" '
            f'fill="{_INK}">{text}</g>\n</svg>\n'
        )
    return pages


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def gif_bytes(pages: list[str], interval_ms: int, scale: float) -> bytes:
    """An animated GIF of SVG pages of one size (``captioned_pages``), looping forever."""
    try:
        from PIL import Image
    except ImportError:
        raise _render.RenderError(
            "saving a GIF needs Pillow; pip install pillow "
            "(part of pip install 'deltagrad[render]')"
        ) from None
    images = [
        Image.open(io.BytesIO(_render.svg_to_png(svg, scale))).convert("RGB") for svg in pages
    ]
    # The pages share one size, but rounding can leave a pixel of difference.
    w = max(im.width for im in images)
    h = max(im.height for im in images)
    padded = []
    for im in images:
        if im.size != (w, h):
            page = Image.new("RGB", (w, h), "white")
            page.paste(im, (0, 0))
            im = page
        padded.append(im)
    durations = [interval_ms] * len(padded)
    durations[-1] = 3 * interval_ms  # linger on the result
    out = io.BytesIO()
    padded[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=padded[1:],
        duration=durations,
        loop=0,
        disposal=1,
    )
    return out.getvalue()


def check_interval(interval_ms: int) -> None:
    if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms < 20:
        raise ValueError(f"interval_ms must be an int >= 20 (milliseconds), got {interval_ms!r}")


# -------------------------------------------------------------------- HTML
_CSS = """
#{uid} {{ background:#ffffff; color:#1f2937; color-scheme:light; border:1px solid #d1d5db;
  border-radius:8px; padding:10px 12px; margin:6px 0; max-width:100%; box-sizing:border-box;
  font-family:Helvetica,Arial,sans-serif; font-size:14px; line-height:1.35; }}
#{uid} [hidden] {{ display:none !important; }}
#{uid} .dg-frame {{ margin:0; }}
#{uid} .dg-frame svg {{ display:block; max-width:100%; height:auto; margin:0 auto; }}
#{uid} .dg-frame figcaption {{ margin-top:6px; min-height:2.7em; white-space:pre-wrap;
  overflow-wrap:anywhere; }}
#{uid} .dg-controls {{ display:flex; flex-wrap:wrap; align-items:center; gap:6px;
  margin-top:8px; }}
#{uid} .dg-controls button {{ background:#f3f4f6; color:#1f2937; border:1px solid #9ca3af;
  border-radius:4px; padding:2px 10px; font:inherit; cursor:pointer; }}
#{uid} .dg-controls button:disabled {{ opacity:0.45; cursor:default; }}
#{uid} .dg-controls input[type=range] {{ flex:1 1 160px; min-width:120px;
  accent-color:#b45309; }}
#{uid} .dg-counter {{ font-variant-numeric:tabular-nums; white-space:nowrap; }}
#{uid} .dg-nojs {{ color:#6b7280; font-size:12px; margin:6px 0 0 0; }}
"""

# ES5 only, no modules: it must run in whatever a notebook front end embeds.
_JS = """
(function () {{
  var root = document.getElementById("{uid}");
  if (!root) return;
  var frames = root.querySelectorAll(".dg-frame");
  var n = frames.length, cur = 0, timer = null, interval = {interval};
  var slider = root.querySelector(".dg-slider");
  var counter = root.querySelector(".dg-counter");
  var prev = root.querySelector(".dg-prev"), next = root.querySelector(".dg-next");
  var play = root.querySelector(".dg-play");
  function show(i) {{
    i = Math.max(0, Math.min(n - 1, Math.floor(Number(i) || 0)));
    frames[cur].hidden = true;
    frames[i].hidden = false;
    cur = i;
    slider.value = String(i);
    slider.setAttribute("value", String(i));  /* so a saved or dumped page shows it too */
    counter.textContent = "Frame " + (i + 1) + " / " + n;
    prev.disabled = i === 0;
    next.disabled = i === n - 1;
    root.setAttribute("data-frame", String(i));
  }}
  function stop() {{
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "\\u25B6 Play";
    play.setAttribute("aria-pressed", "false");
  }}
  function start() {{
    if (cur >= n - 1) show(0);
    stop();
    play.textContent = "\\u275A\\u275A Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {{
      if (cur >= n - 1) {{ stop(); return; }}
      show(cur + 1);
    }}, interval);
  }}
  prev.addEventListener("click", function () {{ stop(); show(cur - 1); }});
  next.addEventListener("click", function () {{ stop(); show(cur + 1); }});
  play.addEventListener("click", function () {{ if (timer === null) start(); else stop(); }});
  slider.addEventListener("input", function () {{ stop(); show(slider.value); }});
  root.addEventListener("keydown", function (e) {{
    if (e.target === slider) return;  /* the slider handles its own arrow keys */
    if (e.key === "ArrowLeft") {{ stop(); show(cur - 1); e.preventDefault(); }}
    else if (e.key === "ArrowRight") {{ stop(); show(cur + 1); e.preventDefault(); }}
  }});
  function fromHash() {{
    var m = /(?:^#|&)frame=(\\d+)/.exec(window.location.hash || "");
    if (m) {{ stop(); show(parseInt(m[1], 10)); }}
  }}
  window.addEventListener("hashchange", fromHash);
  var note = root.querySelector(".dg-nojs");
  if (note) note.hidden = true;
  show(0);
  fromHash();
  if ({autoplay} && !/(?:^#|&)frame=/.test(window.location.hash || "")) start();
}})();
"""

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'(\sid=")([^"]*")')
_TITLE = re.compile(r"<title>.*?</title>\s*", re.S)
_TEXT_FILL = re.compile(r'<text\b([^>]*?)\sfill="([^"]*)"')


def inline_svg(svg: str, prefix: str) -> str:
    """Make a Graphviz SVG document fit for inlining into HTML.

    Drops the XML declaration, doctype, comments and namespace declarations (HTML's
    parser puts ``<svg>`` in the SVG namespace by itself); prefixes every ``id`` so
    several frames and players can share a page; drops ``<title>`` elements, whose
    internal names (``v3``, ``op3``) would pop up as tooltips. Text colours become
    inline styles: a dark notebook theme's ``svg text { fill: ... }`` rule outranks
    SVG presentation attributes and would paint light text on the light boxes.
    """
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _COMMENT.sub("", svg)
    svg = _XMLNS.sub("", svg)
    svg = _TITLE.sub("", svg)
    svg = _ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)
    svg = _TEXT_FILL.sub(r'<text\1 fill="\2" style="fill:\2"', svg)
    return svg.strip()


def player_fragment(anim: BackwardAnimation, *, autoplay: bool, interval_ms: int) -> str:
    """The player as an HTML fragment (a ``<div>``), for notebooks and pages.

    Each call makes new ids, so the same animation can be shown twice on one page.
    """
    check_interval(interval_ms)
    uid = f"dg-anim-{uuid.uuid4().hex[:12]}"
    n = len(anim.frames)
    svgs = anim.svgs()
    figures = []
    for i, (frame, svg) in enumerate(zip(anim.frames, svgs)):
        hidden = "" if i == 0 else " hidden"
        figures.append(
            f'<figure class="dg-frame" data-frame="{i}"{hidden}>\n'
            f"{inline_svg(svg, f'{uid}-f{i}-')}\n"
            f"<figcaption>{escape(frame.caption)}</figcaption>\n</figure>"
        )
    controls = (
        '<div class="dg-controls">'
        '<button type="button" class="dg-prev" title="Previous step (←)" disabled>'
        "\u25c0 Prev</button>"
        '<button type="button" class="dg-play" aria-pressed="false">\u25b6 Play</button>'
        '<button type="button" class="dg-next" title="Next step (→)">Next \u25b6</button>'
        f'<input type="range" class="dg-slider" min="0" max="{n - 1}" step="1" value="0" '
        f'aria-label="Frame">'
        f'<span class="dg-counter" aria-live="polite">Frame 1 / {n}</span>'
        "</div>"
    )
    note = (
        '<p class="dg-nojs">Showing the first frame only: stepping through the frames needs '
        "JavaScript (in Jupyter: trust the notebook, or re-run the cell; or save the "
        "animation as .html or .gif).</p>"
    )
    css = _CSS.format(uid=uid)
    js = _JS.format(uid=uid, interval=int(interval_ms), autoplay="true" if autoplay else "false")
    return (
        f'<div class="dg-anim" id="{uid}" tabindex="0" data-frames="{n}">\n'
        f"<style>{css}</style>\n"
        + "\n".join(figures)
        + f"\n{controls}\n{note}\n<script>{js}</script>\n</div>"
    )


def player_document(anim: BackwardAnimation, *, autoplay: bool, interval_ms: int) -> str:
    """The player as a complete, standalone HTML document."""
    body = player_fragment(anim, autoplay=autoplay, interval_ms=interval_ms)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Backpropagation, step by step</title>\n"
        "<style>body { background:#ffffff; margin:12px; }</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
