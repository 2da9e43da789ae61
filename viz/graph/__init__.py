"""Drawing the computation graph behind a ``Value`` or ``Tensor`` (``draw_graph``)."""

from .draw import (
    DEFAULT_MAX_NODES,
    DEFAULT_MAX_VALUE_NODES,
    GraphTooLargeError,
    draw_graph,
    far_uses,
    save,
)
from .drawing import Drawing
from .nonfinite import find_nonfinite

__all__ = [
    "draw_graph", "save", "Drawing", "find_nonfinite", "far_uses", "GraphTooLargeError",
    "DEFAULT_MAX_NODES", "DEFAULT_MAX_VALUE_NODES",
]
