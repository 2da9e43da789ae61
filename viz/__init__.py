"""deltagrad's pictures: computation graphs (Graphviz, with or without ``dot``), the
backward pass as an animation, and training plots.

``draw_graph(root)`` returns a ``Drawing`` (a ``graphviz.Digraph``) that shows inline in
Jupyter; ``save(drawing_or_source, "graph.svg")`` writes SVG/PNG/PDF/DOT files;
``backward_animation(root)`` replays the chain rule one step per frame (HTML player, GIF,
PNG frames); ``viz.plots`` holds the matplotlib plots (optional dependency).
"""

from .animation import BackwardAnimation, backward_animation
from .graph import Drawing, draw_graph
from .render import RenderError, save

__all__ = [
    "draw_graph", "Drawing", "save", "RenderError", "backward_animation", "BackwardAnimation",
]
