"""DOT source to SVG, PNG or PDF, with the system ``dot`` or Graphviz in WebAssembly.

The lowest layer of viz: it knows DOT text, never a graph of nodes. ``limits`` holds the
errors and the size and time limits, ``backends`` runs a layout, ``formats`` turns its
output into SVG, PNG, PDF or a file.
"""

from .backends import find_dot
from .formats import dot_to_pdf, dot_to_png, dot_to_svg, pipe, save, svg_to_png
from .limits import (
    INSTALL_HINT,
    LAYOUT_TIMEOUT,
    MAX_SOURCE_CHARS,
    GraphTooLargeError,
    LayoutTimeoutError,
    RenderError,
    layout_timeout,
)

__all__ = [
    "RenderError",
    "GraphTooLargeError",
    "LayoutTimeoutError",
    "INSTALL_HINT",
    "LAYOUT_TIMEOUT",
    "MAX_SOURCE_CHARS",
    "layout_timeout",
    "find_dot",
    "dot_to_svg",
    "svg_to_png",
    "dot_to_png",
    "dot_to_pdf",
    "pipe",
    "save",
]
