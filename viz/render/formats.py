"""DOT source to SVG, PNG or PDF (bytes, or a file), on whichever backend is available.

The WebAssembly build only writes SVG (and text formats), so PNG is made by
rasterising that SVG with ``resvg-py``; ``dot -Tpng`` is used when resvg-py is
missing. PDF needs the system ``dot``. ``save`` writes DOT source to a file; drawing a
node first is ``viz.save``'s job (``viz.graph.save``).
"""

from __future__ import annotations

import os
import pathlib
import re
from typing import Any

from ..fonts import ja_font_file, needs_ja_font
from .backends import check_engine, find_dot, layout, run_dot
from .limits import INSTALL_HINT, RenderError, check_source

__all__ = [
    "SUFFIX_FORMATS",
    "dot_to_svg",
    "svg_to_png",
    "dot_to_png",
    "dot_to_pdf",
    "pipe",
    "save",
]

#: ``save`` picks the format from these suffixes; ``.dot``/``.gv`` store the source.
SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def dot_to_svg(source: str, engine: str = "dot", *, timeout: float | None = None) -> str:
    """Lay out DOT source and return the SVG document as text.

    Parameters
    ----------
    source : str
        Graphviz DOT source.
    engine : str
        Layout engine (``"dot"``, ``"neato"``, ...).
    timeout : float, optional
        Time limit of the layout in seconds (default: ``layout_timeout()``).

    Returns
    -------
    str
        The SVG document.

    Raises
    ------
    GraphTooLargeError
        If the source is longer than ``MAX_SOURCE_CHARS`` (checked before layout).
    LayoutTimeoutError
        If the layout takes longer than the time limit (it is stopped).
    RenderError
        If neither ``dot`` nor the WebAssembly renderer is available, or Graphviz
        rejects the source (the message is Graphviz's).
    """
    return layout(source, "svg", engine, timeout).decode("utf-8")


def _resvg() -> Any:
    try:
        import resvg_py
    except ImportError:
        return None
    return resvg_py


def _svg_for_resvg(svg: str) -> str:
    # Graphviz writes the generic family as "sans-Serif"; resvg matches generic names
    # case-sensitively and would fall back to a serif face.
    return svg.replace("sans-Serif", "sans-serif")


def svg_to_png(svg: str, scale: float = 1.0) -> bytes:
    """Rasterise an SVG document to PNG bytes with ``resvg-py``.

    Parameters
    ----------
    svg : str
        SVG document (as written by Graphviz: sizes in ``pt``).
    scale : float
        Zoom factor; 1.0 maps 1 CSS px to 1 pixel (96 dpi), 2.0 is "retina".

    Returns
    -------
    bytes
        PNG data.

    Raises
    ------
    RenderError
        If resvg-py is not installed or cannot parse the SVG.
    """
    if not scale > 0:
        raise ValueError(f"svg_to_png: scale must be > 0, got {scale!r}")
    resvg = _resvg()
    if resvg is None:
        raise RenderError(
            "svg_to_png needs the resvg-py package; pip install resvg-py "
            "(part of pip install 'deltagrad[render]')"
        )
    options: dict[str, Any] = {}
    font = ja_font_file() if needs_ja_font(svg) else None
    if font is not None:
        # Japanese text: load the bundled IPAexGothic, so no system CJK font is needed.
        options["font_files"] = [str(font)]
    try:
        # dpi=96: resvg-py's default of 0 gives zero size to documents measured in pt.
        return resvg.svg_to_bytes(
            svg_string=_svg_for_resvg(svg), dpi=96.0, zoom=float(scale), **options
        )
    except ValueError as exc:
        raise RenderError(f"resvg could not rasterise the SVG: {exc}") from None


def dot_to_png(
    source: str, engine: str = "dot", scale: float = 1.0, *, timeout: float | None = None
) -> bytes:
    """Lay out DOT source and return PNG bytes.

    Uses ``dot_to_svg`` then ``resvg-py``; without resvg-py, falls back to
    ``dot -Tpng`` (system Graphviz).

    Parameters
    ----------
    source : str
        Graphviz DOT source.
    engine : str
        Layout engine.
    scale : float
        Zoom factor (1.0 = 96 dpi).
    timeout : float, optional
        Time limit of the layout in seconds (default: ``layout_timeout()``).

    Raises
    ------
    GraphTooLargeError, LayoutTimeoutError
        As for ``dot_to_svg``.
    RenderError
        If no combination of backends can produce a PNG.
    """
    check_engine(engine)
    if _resvg() is not None:
        return svg_to_png(dot_to_svg(source, engine, timeout=timeout), scale)
    dot = find_dot()
    if dot is not None:
        check_source(source)
        args = [f"-K{engine}", "-Tpng", f"-Gdpi={96.0 * scale:g}"]
        return run_dot(dot, source, args, timeout)
    raise RenderError(f"cannot render the graph to PNG; {INSTALL_HINT}")


def dot_to_pdf(source: str, engine: str = "dot", *, timeout: float | None = None) -> bytes:
    """Lay out DOT source and return PDF bytes (system ``dot`` only).

    ``timeout``: time limit of the layout in seconds (default: ``layout_timeout()``).

    Raises
    ------
    GraphTooLargeError, LayoutTimeoutError
        As for ``dot_to_svg``.
    RenderError
        If the Graphviz ``dot`` program is not available.
    """
    check_engine(engine)
    dot = find_dot()
    if dot is None:
        raise RenderError(
            "PDF output needs the Graphviz program `dot` (apt-get install graphviz, "
            "or brew/conda/winget install graphviz); save as .svg or .png instead, "
            "which also work with pip install 'deltagrad[render]'"
        )
    check_source(source)
    return run_dot(dot, source, [f"-K{engine}", "-Tpdf"], timeout)


def pipe(
    source: str, format: str = "svg", engine: str = "dot", *, timeout: float | None = None
) -> bytes:
    """Render DOT source to ``format`` and return the bytes (like ``dot -T<format>``).

    ``svg``, ``png`` and ``pdf`` go through the functions above; any other Graphviz
    output format (``json``, ``dot``, ``xdot``, ``jpeg``, ...) is handed to whichever
    backend is available, and fails with ``RenderError`` if that backend lacks it.
    ``timeout`` limits the layout (seconds; default ``layout_timeout()``).
    """
    format = format.lower()
    if format == "svg":
        return dot_to_svg(source, engine, timeout=timeout).encode("utf-8")
    if format == "png":
        return dot_to_png(source, engine, timeout=timeout)
    if format == "pdf":
        return dot_to_pdf(source, engine, timeout=timeout)
    if not re.fullmatch(r"[a-z0-9_]+(:[a-z0-9_]+)*", format):
        raise ValueError(f"render: invalid output format {format!r}")
    return layout(source, format, engine, timeout)


# ------------------------------------------------------------------------------ files
def _source_and_engine(graph_or_source: Any) -> tuple[str, str]:
    if isinstance(graph_or_source, str):
        return graph_or_source, "dot"
    source = getattr(graph_or_source, "source", None)
    if isinstance(source, str):  # graphviz.Digraph / Source, viz.Drawing
        return source, getattr(graph_or_source, "engine", None) or "dot"
    raise TypeError(
        "save: expected DOT source (str) or a graphviz graph, got "
        f"{type(graph_or_source).__name__}; viz.save(node, path) draws a Value or Tensor first"
    )


def _format_for(path: pathlib.Path, format: str | None) -> str:
    if format is not None:
        fmt = format.lower().lstrip(".")
        return "dot" if fmt == "gv" else fmt
    try:
        return SUFFIX_FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(
            f"save: cannot tell the format of {str(path)!r} from its suffix; use "
            f"{', '.join(SUFFIX_FORMATS)} or pass format="
        ) from None


def save(
    graph_or_source: Any,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    timeout: float | None = None,
) -> pathlib.Path:
    """Write a graph to ``path`` as SVG, PNG, PDF or DOT source.

    Parameters
    ----------
    graph_or_source : str or graphviz graph
        DOT source text, or anything with a ``.source`` attribute (``graphviz.Digraph``,
        ``viz.Drawing``). ``viz.save`` also takes a ``Value`` or ``Tensor``.
    path : str or path-like
        Output file; missing parent directories are created.
    format : str, optional
        ``"svg"``, ``"png"``, ``"pdf"``, ``"dot"``/``"gv"`` (the DOT source itself) or
        another Graphviz format. Default: from the suffix of ``path``.
    timeout : float, optional
        Time limit of the layout in seconds (default: ``layout_timeout()``).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        If the format cannot be told from the suffix.
    GraphTooLargeError
        If the graph is too large to draw (a ``ValueError``; checked before layout).
    LayoutTimeoutError
        If the layout takes longer than the time limit (a ``RenderError``).
    RenderError
        If no backend can produce the format (the message says what to install).
    """
    path = pathlib.Path(path)
    source, engine = _source_and_engine(graph_or_source)
    fmt = _format_for(path, format)
    # Render fully before opening the file, so a failure leaves no half-written output.
    data = source.encode("utf-8") if fmt == "dot" else pipe(source, fmt, engine, timeout=timeout)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
