"""deltagrad's drawings: computation graphs (Graphviz), rendered with or without ``dot``.

``draw_graph(root)`` returns a ``Drawing`` (a ``graphviz.Digraph``) that shows inline in
Jupyter; ``save(drawing_or_source, "graph.svg")`` writes SVG/PNG/PDF/DOT files.
"""

from .graph import Drawing, draw_graph
from .render import RenderError, save

__all__ = ["draw_graph", "Drawing", "save", "RenderError"]
