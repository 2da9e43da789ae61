"""deltagrad's pictures: computation graphs (Graphviz, with or without ``dot``), the
backward pass as an animation, and training plots.

``draw_graph(root)`` returns a ``Drawing`` (a ``graphviz.Digraph``) that shows inline in
Jupyter; ``save(drawing_or_source, "graph.svg")`` writes SVG/PNG/PDF/DOT files;
``backward_animation(root)`` replays the chain rule one step per frame (HTML player, GIF,
PNG frames); ``viz.plots`` holds the matplotlib plots (optional dependency).

Layout: ``viz.render`` (DOT -> SVG/PNG/PDF), ``viz.graph`` (drawing a graph),
``viz.animation`` (the backward pass frame by frame), ``viz.plots`` (matplotlib),
``viz.cli`` (``python -m viz`` / ``deltagrad``). Old module paths: see ``viz._moved``.
"""

from nn.autograd_check import require_deltagrad_autograd

require_deltagrad_autograd()  # (already run by nn's import) a foreign `autograd` is named

from . import _moved  # noqa: E402, F401  (installs the old module paths, with a warning)
from .animation import BackwardAnimation, backward_animation  # noqa: E402
from .explorer import Explorer, explore  # noqa: E402
from .graph import Drawing, draw_graph, save  # noqa: E402
from .language import get_language, set_language  # noqa: E402
from .plots import (  # noqa: E402
    plot_decision_boundary,
    plot_feature_maps,
    plot_filters,
    plot_gradient_flow,
    plot_histograms,
    plot_history,
    plot_optimizer_trajectories,
    plot_sequence_predictions,
)
from .render import GraphTooLargeError, LayoutTimeoutError, RenderError  # noqa: E402

__all__ = [
    "draw_graph",
    "Drawing",
    "save",
    "RenderError",
    "GraphTooLargeError",
    "LayoutTimeoutError",
    "backward_animation",
    "BackwardAnimation",
    "explore",
    "Explorer",
    "set_language",
    "get_language",
    "plot_history",
    "plot_decision_boundary",
    "plot_optimizer_trajectories",
    "plot_gradient_flow",
    "plot_histograms",
    "plot_filters",
    "plot_feature_maps",
    "plot_sequence_predictions",
]
