"""Writing DOT text quickly: quoting, attribute lists, styles and escaping shared by drawings.

``graphviz.Digraph.node()`` re-quotes every attribute of every node through several
layers of wrappers; for a 10,000-node graph that alone takes over a second. The drawings
therefore build their statements here as plain lines -- in exactly the format the
``graphviz`` package writes (same quoting, attributes sorted by name after the label) --
and assign them to the ``Digraph`` body once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from ..fonts import GRAPH_FONT

__all__ = ["quote", "attr_list", "escape", "Statements", "INK", "FONT", "STYLE"]

# Colours: explicit light fills with dark text and an explicit white background, so a
# drawing reads the same on light and dark notebook themes.
INK = "#1f2937"
# English drawings' font (Japanese ones use viz.fonts.graph_font("ja"): IPAexGothic)
FONT = GRAPH_FONT
STYLE: dict[str, dict[str, str]] = {
    "leaf": {"fillcolor": "#dbeafe", "color": "#1d4ed8", "penwidth": "1.2"},
    "computed": {"fillcolor": "#f3f4f6", "color": "#4b5563", "penwidth": "1"},
    "constant": {
        "fillcolor": "#ffffff",
        "color": "#9ca3af",
        "penwidth": "1",
        "style": "filled,dashed",
    },
    "root": {"fillcolor": "#fde68a", "color": "#b45309", "penwidth": "2.2"},
    "op": {"fillcolor": "#ffffff", "color": "#6b7280", "penwidth": "1"},
    "module": {
        "fillcolor": "#ede9fe",
        "color": "#6d28d9",
        "penwidth": "1.4",
        "style": "rounded,filled",
    },
    # highlight="nonfinite": NaN/Inf in data or grad, and the op where it started
    "nonfinite": {"fillcolor": "#fecaca", "color": "#b91c1c", "penwidth": "1.6"},
    "origin": {"color": "#dc2626", "penwidth": "4"},
    "note": {"fillcolor": "#fff1f2", "color": "#dc2626", "penwidth": "1.2", "shape": "note"},
}

# The same rules as graphviz.quoting.quote for text that is never an HTML label.
_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})
_UNESCAPED_QUOTE = re.compile(r'(?P<bs>(?:\\{2})*)\\?(?P<q>")')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RECORD_SPECIAL = re.compile(r"([{}|<>])")


def quote(text: str) -> str:
    """``text`` as a DOT ID: bare when it is a plain name or number, else double-quoted."""
    if _ID.match(text) and text.lower() not in _KEYWORDS:
        return text
    return '"' + _UNESCAPED_QUOTE.sub(r"\g<bs>\\\g<q>", text) + '"'


def attr_list(label: str | None = None, attrs: Mapping[str, str | None] | None = None) -> str:
    """``label=... a=1 b=2``: the label first, then the attributes sorted by name."""
    parts = [f"label={quote(label)}"] if label is not None else []
    if attrs:
        parts += [f"{quote(k)}={quote(v)}" for k, v in sorted(attrs.items()) if v is not None]
    return " ".join(parts)


def escape(text: str, *, record: bool = False) -> str:
    r"""Make arbitrary text show literally in a Graphviz label.

    Graphviz reads ``\`` escapes (``\n``, ``\N``, ...) and HTML entities (``&amp;``)
    in every label, and ``{ } | < >`` structure record labels; double quotes are
    escaped by ``quote``. Control characters are shown as ``\xNN``.
    """
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = text.replace("\t", " ").replace("\\", "\\\\").replace("&", "&amp;")
    if record and ("{" in text or "}" in text or "|" in text or "<" in text or ">" in text):
        text = _RECORD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n")


@functools.lru_cache(maxsize=512)
def _style_text(items: tuple[tuple[str, str | None], ...]) -> str:
    # Attribute text of a style, formatted once: thousands of nodes, and every drawing
    # of a session, share a handful of styles.
    return attr_list(None, dict(items))


class Statements:
    """DOT statements of one drawing: top-level lines and cluster subgraphs.

    Lines are written as ``graphviz.Digraph`` writes them (tab-indented, one per line),
    so ``extend_body`` can hand them to a ``Digraph`` whose ``source`` then looks as if
    every node had been added with ``node()``.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.clusters: dict[str, tuple[str, list[str]]] = {}  # key -> (attr line, lines)

    def style(self, **attrs: str | None) -> str:
        """The formatted attribute text for ``attrs`` (cached across drawings)."""
        return _style_text(tuple(sorted(attrs.items())))

    def add_cluster(self, key: str, attrs: Mapping[str, str]) -> None:
        """Open the cluster subgraph ``key`` (drawn titled ``attrs["label"]``).

        Clusters are written as ``cluster_module0``, ``cluster_module1``, ... in the
        order they were opened.
        """
        self.clusters[key] = (f"\t\tgraph [{attr_list(None, attrs)}]\n", [])

    def node(self, name: str, label: str, style: str, cluster: str | None = None) -> None:
        """Add ``name [label=... <style>]``; ``style`` comes from ``style()``."""
        line = (
            f"\t{name} [label={quote(label)} {style}]\n"
            if style
            else (f"\t{name} [label={quote(label)}]\n")
        )
        if cluster is None:
            self.lines.append(line)
        else:
            self.clusters[cluster][1].append("\t" + line)

    def edge(self, tail: str, head: str, label: str | None = None, style: str = "") -> None:
        """Add ``tail -> head`` with an optional label and formatted style text."""
        attrs = (f"label={quote(label)}" if label is not None else "") + (
            (" " if label is not None and style else "") + style
        )
        self.lines.append(f"\t{tail} -> {head} [{attrs}]\n" if attrs else f"\t{tail} -> {head}\n")

    def body(self) -> list[str]:
        """All lines: top-level statements, then each cluster subgraph."""
        out = list(self.lines)
        for number, (attr_line, lines) in enumerate(self.clusters.values()):
            out.append(f"\tsubgraph cluster_module{number} {{\n")
            out.append(attr_line)
            out.extend(lines)
            out.append("\t}\n")
        return out
