"""Draw the computation graph behind a ``Value`` or ``Tensor``: data, gradients, derivatives.

Picture (``rankdir="LR"``)::

    [ a | data 2 | grad 6 ] --∂/∂a = -3--> ( * ) --> [ e | data -6 | grad -2 ] ...

* one box per node: its name, data and grad (for a Tensor: shape, dtype and a summary
  of data and grad); leaves that receive gradients (inputs, weights) are blue,
  constants white and dashed, computed nodes grey, the root amber;
* one small circle per operation, fed by its operands;
* each operand edge says how the gradient gets back to that operand: the local
  derivative ``∂out/∂operand`` as a number for a ``Value``, the op's derivative rule
  (``∂/∂a = gy·bᵀ``) for a ``Tensor`` (see ``viz.describe``).

Boxes are Graphviz *record* labels rather than HTML-like tables: the WebAssembly
Graphviz used when ``dot`` is not installed is built without the XML parser that
HTML-like labels need, and the drawing must look the same with either backend.
"""

from __future__ import annotations

import os
import pathlib
import re
from collections.abc import Callable
from typing import Any, Literal

import graphviz

from autograd.graph import topological_order
from autograd.tensor import Tensor

from . import render as _render
from .describe import NodeDescription, _describe, _name, _Options, _own_name

__all__ = ["Drawing", "draw_graph", "DEFAULT_MAX_NODES"]

#: ``draw_graph``'s default limit for Tensor graphs: beyond a few hundred boxes a
#: drawing is no longer something a person can read.
DEFAULT_MAX_NODES = 500

# Colours: explicit light fills with dark text, so the drawing reads the same on light
# and dark notebook themes.
_INK = "#1f2937"
_FONT = "Helvetica"  # metrics known to both Graphviz builds; resvg maps it to sans-serif
_STYLE = {
    "leaf": {"fillcolor": "#dbeafe", "color": "#1d4ed8", "penwidth": "1.2"},
    "computed": {"fillcolor": "#f3f4f6", "color": "#4b5563", "penwidth": "1"},
    "constant": {
        "fillcolor": "#ffffff",
        "color": "#9ca3af",
        "penwidth": "1",
        "style": "filled,dashed",
    },
    "root": {"fillcolor": "#fde68a", "color": "#b45309", "penwidth": "2.2"},
    "op": {"fillcolor": "#ffffff", "color": "#6b7280", "penwidth": "1"},
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders through ``viz.render``.

    Displaying it in Jupyter, ``pipe``, ``render``, ``svg()`` and ``save()`` work
    without the Graphviz ``dot`` program when the in-process renderer is installed
    (``pip install 'deltagrad[render]'``). Everything else -- ``source``, ``node``,
    ``edge``, ``attr``, ``copy`` -- is plain ``graphviz.Digraph``.
    """

    # ---------------------------------------------------------------- rendering
    def pipe(  # type: ignore[override]
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
        only; passing any of them hands the call to ``graphviz.Digraph.pipe``.
        """
        if renderer is not None or formatter is not None or neato_no_op is not None:
            return super().pipe(
                format=format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                engine=engine,
                encoding=encoding,
            )
        data = _render.pipe(self.source, format or self.format, engine or self.engine)
        return data.decode(encoding) if encoding is not None else data

    def svg(self) -> str:
        """The drawing as an SVG document (text)."""
        return _render.dot_to_svg(self.source, self.engine)

    def save(  # type: ignore[override]
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

    def render(  # type: ignore[override]
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
        ``<source file>.<format>``; the path is returned.
        """
        if renderer is not None or formatter is not None or neato_no_op is not None:
            # dot-only options: let graphviz run dot, on a plain Source so that its
            # internal self.save() call keeps graphviz's meaning (write the DOT source).
            plain = graphviz.Source(
                self.source,
                filename=self.filename,
                directory=self.directory,
                format=self.format,
                engine=self.engine,
                encoding=self.encoding,
            )
            return plain.render(
                filename=filename,
                directory=directory,
                view=view,
                cleanup=cleanup,
                format=format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                quiet_view=quiet_view,
                outfile=outfile,
                engine=engine,
                raise_if_result_exists=raise_if_result_exists,
                overwrite_source=overwrite_source,
            )
        if outfile is not None:
            outfile = pathlib.Path(outfile)
            if format is None:
                format = _render.SUFFIX_FORMATS.get(outfile.suffix.lower(), outfile.suffix[1:])
            if directory is None:
                outfile = pathlib.Path(self.directory, outfile)
            if filename is None:
                filename = outfile.with_suffix(".gv")
        format = format or self.format
        # graphviz.Digraph.save writes the DOT source (and remembers filename/directory).
        source_path = super().save(filename, directory=directory)
        target = pathlib.Path(outfile if outfile is not None else f"{source_path}.{format}")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(target)!r}")
        if target.resolve() == pathlib.Path(source_path).resolve() and not overwrite_source:
            raise ValueError(f"outfile {os.fspath(target)!r} is the same file as the source")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_render.pipe(self.source, format, engine or self.engine))
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
        except _render.RenderError as exc:
            return {"text/plain": f"<{type(self).__name__}: cannot display ({exc})>"}


# -------------------------------------------------------------------- escaping
def _escape(text: str, *, record: bool = False) -> str:
    r"""Make arbitrary text show literally in a Graphviz label.

    Graphviz reads ``\`` escapes (``\n``, ``\N``, ...) and HTML entities (``&amp;``)
    in every label, and ``{ } | < >`` structure record labels; double quotes are
    escaped by the ``graphviz`` package when it quotes the attribute.
    """
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\t", " "))
    text = text.replace("\\", "\\\\").replace("&", "&amp;")
    if record:
        text = re.sub(r"([{}|<>])", r"\\\1", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n")


def _record(desc: NodeDescription, *, flip: bool = True) -> str:
    parts = ([_escape(desc.name, record=True)] if desc.name else []) + [
        _escape(f, record=True) for f in desc.fields
    ]
    # Braces flip the record: fields side by side for LR, stacked for TB. No spaces
    # around "|": Graphviz 2.x drops a space after a non-ASCII letter in a field that
    # starts with one.
    body = "|".join(parts)
    return graphviz.nohtml("{" + body + "}" if flip else body)


def _edge_label(parent_name: str, local: str) -> str:
    wrt = f"∂/∂{parent_name}" if parent_name else "∂"
    return graphviz.nohtml(_escape(f"{wrt} = {local}"))


# -------------------------------------------------------------------- drawing
def _parameter_names(model: Any) -> tuple[dict[int, str], dict[str, str]]:
    """``id(parameter) -> "layers.0.weight"`` and ``module path -> class name``."""
    named = getattr(model, "named_parameters", None)
    if not callable(named):
        raise TypeError(
            f"draw_graph: model= needs an object with named_parameters() (an nn.Module), "
            f"got {type(model).__name__}"
        )
    params = {id(p): str(name) for name, p in named()}
    modules = getattr(model, "named_modules", None)
    classes = {str(path): type(m).__name__ for path, m in modules()} if callable(modules) else {}
    return params, classes


def _check_size(order: list, root: Any, max_nodes: int | None | str) -> None:
    if max_nodes == "auto":
        # Value graphs were always drawn whole (every scalar of a tiny net is the point
        # of them); Tensor graphs get the limit.
        max_nodes = DEFAULT_MAX_NODES if isinstance(root, Tensor) else None
    if max_nodes is None:
        return
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_graph: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            "a drawing that large is not readable. Pass max_nodes=None to draw it anyway, "
            "or draw a smaller sub-graph (call draw_graph on an intermediate result, or "
            "use a smaller model or batch)"
        )


def draw_graph(
    root: Any,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = True,
    number_format: str = ".4g",
    label_fn: Callable[[Any], str] | None = None,
    model: Any = None,
    max_nodes: int | None | Literal["auto"] = "auto",
) -> Drawing:
    """Draw the computation graph that produced ``root``.

    Parameters
    ----------
    root : Value or Tensor
        The output node; everything it depends on is drawn.
    rankdir : {"LR", "RL", "TB", "BT"}
        Direction of the data flow.
    show_grad : bool
        Show each node's ``grad`` (run ``root.backward()`` first to fill them). A Tensor
        that has no gradient yet shows ``grad: —  (not computed yet)``, never 0.
    show_local_grads : bool
        Label each operand edge with how the gradient reaches that operand. For a
        ``Value``: the local derivative ``∂out/∂operand``, the number that ``out.grad``
        is multiplied by on its way back (chain rule). For a ``Tensor``: the op's rule
        for the operand's gradient in terms of the output gradient ``gy``, e.g.
        ``∂/∂a = gy·bᵀ`` for ``a @ b`` (``viz.describe.DERIVATIVE_RULES``); a number
        again when the op's output and inputs all have one element.
    number_format : str
        ``format()`` spec for all numbers, e.g. ``".4g"`` or ``".3f"``.
    label_fn : callable, optional
        ``label_fn(node) -> str`` overrides the displayed name (default: the module
        path given by ``model``, else ``node.label``, else "param" for a parameter).
    model : nn.Module, optional
        Name parameters after their module path (``layers.0.weight``) and group them
        in one box per module.
    max_nodes : int or None or "auto"
        Refuse graphs with more nodes than this (``ValueError``); ``None``: no limit.
        ``"auto"``: ``DEFAULT_MAX_NODES`` (500) for a Tensor root, no limit for a Value.

    Returns
    -------
    Drawing
        A ``graphviz.Digraph``; shows inline in Jupyter; ``.save("g.svg")``,
        ``.svg()``, ``.source``.

    Raises
    ------
    TypeError
        If ``root`` (or a node it depends on) is neither a ``Value`` nor a ``Tensor``,
        or ``model`` has no ``named_parameters()``.
    ValueError
        If ``rankdir``, ``number_format`` or ``max_nodes`` is invalid, or the graph has
        more than ``max_nodes`` nodes.

    Examples
    --------
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> L = a * b; L.backward()
    >>> "∂/∂a = -3" in draw_graph(L).source
    True
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    try:
        format(1.5, number_format)
    except (ValueError, TypeError):
        raise ValueError(
            f"draw_graph: invalid number_format {number_format!r}; try '.4g' or '.3f'"
        ) from None
    param_names, module_classes = _parameter_names(model) if model is not None else ({}, {})
    opts = _Options(show_grad, show_local_grads, number_format, label_fn, param_names)
    _describe(root, opts)  # reject a non-node root before walking it

    order = topological_order(root)  # iterative: deep graphs are fine
    _check_size(order, root, max_nodes)
    taken = frozenset(filter(None, (_own_name(node, opts) for node in order)))
    opts = _Options(show_grad, show_local_grads, number_format, label_fn, param_names, taken)

    g = Drawing(name="computation_graph", format="svg")
    g.attr(
        rankdir=rankdir,
        bgcolor="white",
        fontname=_FONT,
        fontcolor=_INK,
        nodesep="0.25",
        ranksep="0.35",
    )
    g.attr("node", fontname=_FONT, fontcolor=_INK, fontsize="11", style="filled")
    g.attr("edge", fontname=_FONT, fontcolor=_INK, fontsize="9", color="#374151", arrowsize="0.7")

    clusters: dict[str, graphviz.Digraph] = {}  # module path -> its box of parameters
    index = {node: i for i, node in enumerate(order)}  # stable ids, not id()
    for i, node in enumerate(order):
        desc = _describe(node, opts)
        if node is root:
            kind = "root"
        else:
            kind = desc.kind or ("computed" if node.parents else "leaf")
        target = g
        path = param_names.get(id(node))
        if path is not None and "." in path and node is not root:
            module_path = path.rpartition(".")[0]
            if module_path not in clusters:
                clusters[module_path] = _module_cluster(
                    len(clusters), module_path, module_classes.get(module_path, "")
                )
            target = clusters[module_path]
        # A Tensor's lines (shape, data, grad) are too long to sit side by side: stack
        # them, whatever the direction of the data flow.
        flip = not isinstance(node, Tensor) or rankdir in ("TB", "BT")
        target.node(f"v{i}", _record(desc, flip=flip), shape="record", **_STYLE[kind])
        if not node.parents:
            continue
        op = node.op or "?"
        g.node(
            f"op{i}",
            graphviz.nohtml(_escape(op)),
            # a circle around "cross_entropy" would dwarf the boxes
            shape="circle" if len(op) <= 4 else "ellipse",
            width="0.3",
            height="0.3",
            margin="0.02",
            fontsize="10",
            **_STYLE["op"],
        )
        for j, parent in enumerate(node.parents):
            label = None
            if desc.edge_labels:
                text = desc.edge_labels[j] if j < len(desc.edge_labels) else None
                label = graphviz.nohtml(_escape(text)) if text is not None else None
            elif j < len(desc.local_grads) and desc.local_grads[j] is not None:
                label = _edge_label(_name(parent, opts), desc.local_grads[j])
            # dashed: a constant operand, to which no gradient flows back
            style = "dashed" if getattr(parent, "requires_grad", True) is False else None
            g.edge(f"v{index[parent]}", f"op{i}", label=label, style=style)
        g.edge(f"op{i}", f"v{i}")
    for cluster in clusters.values():
        g.subgraph(cluster)
    return g


def _module_cluster(number: int, module_path: str, class_name: str) -> graphviz.Digraph:
    title = f"{module_path} ({class_name})" if class_name else module_path
    cluster = graphviz.Digraph(name=f"cluster_module{number}")
    cluster.attr(
        label=graphviz.nohtml(_escape(title)),
        style="rounded,dashed",
        color="#9ca3af",
        fontsize="10",
        fontcolor=_INK,
        labeljust="l",
    )
    return cluster
