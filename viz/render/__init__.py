"""DOT source to SVG, PNG or PDF, with the system ``dot`` or Graphviz in WebAssembly.

The lowest layer of viz: it knows DOT text, never a graph of nodes.
"""

from .formats import (
    INSTALL_HINT,
    LAYOUT_TIMEOUT,
    MAX_SOURCE_CHARS,
    GraphTooLargeError,
    LayoutTimeoutError,
    RenderError,
    dot_to_pdf,
    dot_to_png,
    dot_to_svg,
    find_dot,
    layout_timeout,
    pipe,
    save,
    svg_to_png,
)

__all__ = [
    "RenderError", "GraphTooLargeError", "LayoutTimeoutError", "INSTALL_HINT",
    "LAYOUT_TIMEOUT", "MAX_SOURCE_CHARS", "layout_timeout", "find_dot",
    "dot_to_svg", "svg_to_png", "dot_to_png", "dot_to_pdf", "pipe", "save",
]
