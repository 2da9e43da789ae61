"""Drawing the computation graph behind a ``Value`` or ``Tensor`` (``draw_graph``)."""

from ..render import GraphTooLargeError
from .draw import DEFAULT_MAX_NODES, DEFAULT_MAX_VALUE_NODES, draw_graph, save
from .drawing import Drawing
from .nonfinite import find_nonfinite
from .painter import far_uses

__all__ = [
    "draw_graph",
    "save",
    "Drawing",
    "find_nonfinite",
    "far_uses",
    "GraphTooLargeError",
    "DEFAULT_MAX_NODES",
    "DEFAULT_MAX_VALUE_NODES",
]
