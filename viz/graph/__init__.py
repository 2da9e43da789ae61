"""Drawing the computation graph behind a ``Value`` or ``Tensor`` (``draw_graph``)."""

from .draw import (
    DEFAULT_MAX_NODES,
    DEFAULT_MAX_VALUE_NODES,
    GraphTooLargeError,
    draw_graph,
    far_uses,
)
from .drawing import Drawing

__all__ = [
    "draw_graph", "Drawing", "DEFAULT_MAX_NODES", "DEFAULT_MAX_VALUE_NODES",
    "GraphTooLargeError", "far_uses",
]
