"""``Drawing``: a ``graphviz.Digraph`` that renders through ``viz.render``.

Every drawing of ``viz`` is one of these, so it renders with the system ``dot`` or, when
that is missing, with the in-process WebAssembly Graphviz, and shows inline in Jupyter
(scaled to the cell width rather than clipped).
"""

from __future__ import annotations

import os
import pathlib
import re
from typing import Any, cast

import graphviz
from graphviz.backend.dot_command import command
from graphviz.backend.rendering import get_outfile

from .. import render as _render
from ..render.backends import run_dot
from ..render.formats import SUFFIX_FORMATS
from ..render.limits import check_source

__all__ = ["Drawing", "responsive_svg"]

# The opening tag of the document element (not of a nested <svg>).
_SVG_TAG = re.compile(r"<svg\b[^>]*>")


def responsive_svg(svg: str) -> str:
    """Let an SVG document shrink to its container instead of being clipped.

    Graphviz writes a ``viewBox`` and a fixed ``width``/``height`` in points; a wide graph
    then overflows a notebook cell. ``max-width:100%; height:auto`` scales it down to the
    cell width (keeping its aspect ratio through the ``viewBox``) and never enlarges it.

    Parameters
    ----------
    svg : str
        An SVG document as written by Graphviz.

    Returns
    -------
    str
        The same document with a ``viewBox`` (added from ``width``/``height`` if missing)
        and the style on the ``<svg>`` element.
    """
    match = _SVG_TAG.search(svg)
    if match is None:
        return svg
    tag = match.group()
    if "viewBox" not in tag:
        size = re.search(r'width="([\d.]+)(?:pt|px)?"\s+height="([\d.]+)(?:pt|px)?"', tag)
        if size:
            tag = tag[:-1].rstrip("/") + f' viewBox="0 0 {size[1]} {size[2]}">'
    if "max-width" not in tag:
        style = "max-width:100%;height:auto"
        if 'style="' in tag:
            tag = tag.replace('style="', f'style="{style};', 1)
        else:
            tag = tag[:-1] + f' style="{style}">'
    return svg[: match.start()] + tag + svg[match.end() :]


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders through ``viz.render``.

    Displaying it in Jupyter, ``pipe``, ``render``, ``svg()`` and ``save()`` work
    without the Graphviz ``dot`` program when the in-process renderer is installed
    (``pip install 'deltagrad[render]'``). Everything else -- ``source``, ``node``,
    ``edge``, ``attr``, ``copy`` -- is plain ``graphviz.Digraph``.
    """

    # ---------------------------------------------------------------- rendering
    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """Return the graph rendered to ``format`` (bytes, or text given ``encoding``).

        ``renderer``/``formatter``/``neato_no_op`` are options of the ``dot`` program
        only; passing any of them runs the system ``dot`` with them (with the same size
        check and time limit as every other layout).
        """
        if renderer is not None or formatter is not None or neato_no_op is not None:
            dot = _render.find_dot()
            if dot is None:
                raise _render.RenderError(
                    "renderer=, formatter= and neato_no_op= are options of the Graphviz "
                    "program `dot`, which is not installed (apt-get install graphviz); "
                    "leave them out to render with the in-process Graphviz"
                )
            args = command(
                engine or self.engine,
                format or self.format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
            )[1:]
            check_source(self.source)
            data = run_dot(dot, self.source, [str(a) for a in args])
            return data.decode(encoding) if encoding is not None else data
        data = _render.pipe(self.source, format or self.format, engine or self.engine)
        return data.decode(encoding) if encoding is not None else data

    def svg(self) -> str:
        """The drawing as an SVG document (text) that scales down to fit its container.

        ``pipe(format="svg")`` and ``save("g.svg")`` give Graphviz's document unchanged.
        """
        return responsive_svg(_render.dot_to_svg(self.source, self.engine))

    def save(
        self,
        path: str | os.PathLike[str] | None = None,
        format: str | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        skip_existing: bool | None = False,
    ) -> pathlib.Path:
        """Write the drawing to ``path``; the suffix picks the format.

        ``.svg``, ``.png``, ``.pdf`` render the graph, ``.dot``/``.gv`` write the DOT
        source (see ``viz.render.save``). Without ``path``, the DOT source goes to
        ``self.filepath`` as ``graphviz.Digraph.save`` does.
        """
        if directory is not None:
            self.directory = os.fspath(directory)
            path = pathlib.Path(directory, path if path is not None else self.filename)
        elif path is None:
            path = self.filepath
        path = pathlib.Path(path)
        if skip_existing and path.exists():
            return path
        return _render.save(self, path, format)

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the DOT source and render it next to it, like ``graphviz.Digraph.render``.

        The result goes to ``outfile`` (its suffix gives the format) or to
        ``<source file>.<format>``; the path is returned. ``renderer``, ``formatter``
        and ``neato_no_op`` need the system ``dot`` (the file is then named as
        graphviz names it, ``<source file>.<renderer>.<format>``); every layout has the
        time limit of ``viz.render.layout_timeout()``.
        """
        if outfile is not None:
            outfile = pathlib.Path(outfile)
            if format is None:
                format = SUFFIX_FORMATS.get(outfile.suffix.lower(), outfile.suffix[1:])
            if directory is None:
                outfile = pathlib.Path(os.fsdecode(self.directory), outfile)
            if filename is None:
                filename = outfile.with_suffix(".gv")
        format = format or self.format
        # graphviz.Digraph.save writes the DOT source (and remembers filename/directory).
        source_path = super().save(filename, directory=directory)
        dot_only = renderer is not None or formatter is not None or neato_no_op is not None
        if outfile is not None:
            target = pathlib.Path(outfile)
        elif dot_only:  # graphviz's name: <source>.<formatter>.<renderer>.<format>
            target = get_outfile(source_path, format=format, renderer=renderer, formatter=formatter)
        else:
            target = pathlib.Path(f"{source_path}.{format}")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(target)!r}")
        if target.resolve() == pathlib.Path(source_path).resolve() and not overwrite_source:
            raise ValueError(f"outfile {os.fspath(target)!r} is the same file as the source")
        target.parent.mkdir(parents=True, exist_ok=True)
        if dot_only:  # the system dot with its own options, under the same time limit
            # bytes: no encoding was asked for
            data = cast(
                bytes, self.pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine)
            )
        else:
            data = _render.pipe(self.source, format, engine or self.engine)
        target.write_bytes(data)
        if cleanup:
            os.remove(source_path)
        if view or quiet_view:
            self._view(target, format=format, quiet=quiet_view)
        return os.fspath(target)

    # ---------------------------------------------------------------- Jupyter
    def _repr_image_svg_xml(self) -> str:
        return self.svg()

    def _repr_image_png(self) -> bytes:
        return _render.dot_to_png(self.source, self.engine)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, bytes | str]:
        # A notebook cell should say what to install, not show a traceback.
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except (_render.RenderError, _render.GraphTooLargeError) as exc:
            # including a layout stopped by the time limit: the message says what to do
            return {"text/plain": f"<{type(self).__name__}: cannot display ({exc})>"}
