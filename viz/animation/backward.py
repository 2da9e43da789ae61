"""``backward_animation(root)``: backpropagation replayed one chain-rule step per frame.

The frames follow the real driver (``autograd/graph.py``) exactly:

0. the forward pass: every box shows its data, no gradient yet;
1. the root is seeded: ``grad[L] = ∂L/∂L = 1``;
2. then, walking the topological order backwards, one frame per (node, operand) pair:
   the node hands its gradient to that operand through the op's local derivative,

   .. math:: \\text{grad}[p] \\mathrel{+}= \\frac{\\partial n}{\\partial p}\\,\\text{grad}[n]

   and the operand's box shows its gradient growing (a node used twice gets two
   contributions -- the ``+=`` of the multivariable chain rule).

The gradients are computed on the side; the graph's own ``.grad`` fields are never
touched, so an animation can be built before or after ``root.backward()``. The replay
starts from zero gradients, i.e. it shows one ``backward()`` pass on a fresh graph.

The work is shared out within ``viz.animation``: ``replay`` computes each step's
gradients, ``frames`` writes the captions and ``frame_drawer`` the pictures (one Graphviz
layout shared by all, so boxes do not jump as numbers arrive), both reading one ``Scene``;
``player`` plays the rendered frames as HTML and ``frame_export`` makes the GIF and the
frame files. This module holds the public
``backward_animation`` and ``BackwardAnimation``.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape as _xml_escape
from typing import Any

from autograd.graph import topological_order
from autograd.tensor import Tensor
from autograd.value import Value

from .. import render as _render
from ..fonts import graph_font
from ..words import speaking
from .frame_export import captioned_pages, gif_bytes
from .frames import Frame, FrameBuilder
from .player import check_interval, player_document, player_fragment
from .replay import GradValue, Step, planned_steps, replay
from .scene import Scene, unique_names

__all__ = ["backward_animation", "BackwardAnimation", "Frame", "Step", "DEFAULT_MAX_FRAMES"]

#: ``backward_animation``'s default limit: an animation is watched frame by frame, and
#: a few hundred steps is already more than anyone steps through.
DEFAULT_MAX_FRAMES = 400


# -------------------------------------------------------------------- the animation
@dataclass(eq=False)
class BackwardAnimation:
    """Frames of one backward pass; shows as an HTML player in Jupyter.

    Attributes
    ----------
    frames : list[Frame]
        Frame 0 (forward values), frame 1 (seed), then one frame per chain-rule step.
    nodes : tuple
        The graph's nodes in topological order (parents before children), as the
        driver orders them; ``Step.node``/``Step.parent`` index into it.
    names : tuple[str, ...]
        The unique name each node has in the drawing and captions: its label, or
        ``n1``, ``n2``, ... (``out`` for an unlabelled root). Keys of ``Frame.grads``.
    """

    frames: list[Frame]
    nodes: tuple
    names: tuple[str, ...]
    engine: str = "dot"
    #: the language of the captions and the player's buttons ("en" or "ja")
    language: str = "en"
    _svgs: dict[int, str] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> Frame:
        return self.frames[i]

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def __repr__(self) -> str:
        return f"<BackwardAnimation: {len(self.frames)} frames, {len(self.nodes)} nodes>"

    @property
    def captions(self) -> list[str]:
        """Each frame's caption, in order."""
        return [f.caption for f in self.frames]

    @property
    def steps(self) -> list[Step]:
        """The chain-rule steps in driver order (one per ``"step"`` frame)."""
        return [f.step for f in self.frames if f.step is not None]

    def grads_of(self, node: Any, frame: int = -1) -> GradValue:
        """The gradient of ``node`` (a node of the graph) as of ``frame``."""
        for i, n in enumerate(self.nodes):
            if n is node:
                return self.frames[frame].grads[self.names[i]]
        raise ValueError("grads_of: this node is not part of the animated graph")

    # ---------------------------------------------------------------- rendering
    def svg(self, index: int) -> str:
        """Frame ``index`` as an SVG document (rendered once, then cached)."""
        index = range(len(self.frames))[index]  # negative indices, IndexError
        if index not in self._svgs:
            self._svgs[index] = _render.dot_to_svg(self.frames[index].dot, self.engine)
        return self._svgs[index]

    def svgs(self) -> list[str]:
        """All frames as SVG documents."""
        missing = [i for i in range(len(self.frames)) if i not in self._svgs]
        if len(missing) > 8:
            # One frame first: if it is refused or times out, so would every other one,
            # and the user should hear it once, not after len(frames) time limits.
            self.svg(missing.pop(0))
            # The system dot runs as a subprocess per frame: a few at a time take a
            # fraction of the wall time. (The in-process renderer serialises itself.)
            pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
            try:
                for i, svg in zip(
                    missing,
                    pool.map(
                        lambda i: _render.dot_to_svg(self.frames[i].dot, self.engine), missing
                    ),
                ):
                    self._svgs[i] = svg
            finally:
                pool.shutdown(wait=True, cancel_futures=True)  # a failure stops the rest
        return [self.svg(i) for i in range(len(self.frames))]

    def captioned_svgs(self) -> list[str]:
        """Every frame as a standalone SVG with its caption under the graph.

        All documents have the same size (the largest frame's), so they can be played
        as a movie; used for the GIF and the frame files.
        """
        return captioned_pages(self.svgs(), self.captions)

    # ---------------------------------------------------------------- HTML
    def to_html(self, autoplay: bool = False, interval_ms: int = 800) -> str:
        """A self-contained HTML page with a player for the frames.

        Parameters
        ----------
        autoplay : bool
            Start playing as soon as the page is loaded.
        interval_ms : int
            Time per frame when playing, in milliseconds.

        Returns
        -------
        str
            A complete HTML document: every frame's SVG inline, a slider, previous /
            play / next buttons, a frame counter and the caption. No external files
            or URLs; ``page.html#frame=N`` opens at frame ``N`` (0-based).
        """
        svgs = self.svgs()
        with speaking(self.language):
            return player_document(svgs, self.captions, autoplay=autoplay, interval_ms=interval_ms)

    def _repr_html_(self) -> str:
        try:
            svgs = self.svgs()
            with speaking(self.language):
                return player_fragment(svgs, self.captions, autoplay=False, interval_ms=800)
        except (_render.RenderError, _render.GraphTooLargeError) as exc:
            # A notebook cell should say what to install or draw, not show a traceback.
            return f"<pre>{_xml_escape(f'{self!r}: cannot display ({exc})')}</pre>"

    # ---------------------------------------------------------------- files
    def save(
        self,
        path: str | os.PathLike[str],
        format: str | None = None,
        *,
        interval_ms: int = 800,
        scale: float = 1.0,
    ) -> pathlib.Path:
        """Write the animation as an HTML player, an animated GIF or one file per frame.

        Parameters
        ----------
        path : str or path-like
            ``*.html``: the player (see ``to_html``). ``*.gif``: an animated GIF.
            A directory (existing, ending in ``/``, or a name without suffix): one
            file per frame, ``frame_000.png``, ``frame_001.png``, ...
        format : {"html", "gif", "png", "svg"}, optional
            Overrides the suffix. ``"png"``/``"svg"`` write frame files into the
            directory ``path``.
        interval_ms : int
            Time per frame of the player and the GIF (the GIF holds the last frame
            three times as long).
        scale : float
            Zoom of the rasterised frames (GIF and PNG); 1.0 is 96 dpi.

        Returns
        -------
        pathlib.Path
            The written file, or the directory holding the frames.

        Raises
        ------
        ValueError
            If the format is unknown or cannot be told from ``path``.
        viz.RenderError
            If no renderer is available (see ``viz.render``); GIF and PNG also need
            ``resvg-py``, and GIF needs Pillow.
        """
        check_interval(interval_ms)
        raw = os.fspath(path)
        path = pathlib.Path(raw)
        fmt = _save_format(path, raw, format)
        if fmt == "html":
            text = self.to_html(interval_ms=interval_ms)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path
        if fmt == "gif":
            data = gif_bytes(self.captioned_svgs(), interval_ms, scale)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return path
        # Render everything before writing, so a failure leaves no half-written folder.
        pages = self.captioned_svgs()
        if fmt == "png":
            files = [_render.svg_to_png(svg, scale) for svg in pages]
        else:
            files = [svg.encode("utf-8") for svg in pages]
        path.mkdir(parents=True, exist_ok=True)
        width = max(3, len(str(len(files) - 1)))
        for i, data in enumerate(files):
            (path / f"frame_{i:0{width}d}.{fmt}").write_bytes(data)
        return path


# -------------------------------------------------------------------- building
def backward_animation(
    root: Any,
    *,
    rankdir: str = "LR",
    number_format: str = ".4g",
    max_frames: int = DEFAULT_MAX_FRAMES,
    language: str | None = None,
) -> BackwardAnimation:
    """Replay ``root.backward()`` one chain-rule step per frame.

    Parameters
    ----------
    root : Value or Tensor
        The output (a one-element Tensor for the array engine). Its graph is read,
        never changed: no ``.grad`` is written.
    rankdir : {"LR", "RL", "TB", "BT"}
        Direction of the data flow in the drawings.
    number_format : str
        ``format()`` spec of every number, e.g. ``".4g"`` or ``".3f"``.
    max_frames : int
        Refuse graphs that need more frames than this (``ValueError``).
    language : {None, "en", "ja"}
        The language of the boxes, captions and player buttons (``None``: the
        process-wide ``viz.set_language(...)``); numbers and formulas are the same.

    Returns
    -------
    BackwardAnimation
        ``len(anim) == 2 + number of (node, operand) chain-rule steps``. Displays as a
        player in Jupyter; ``anim.save("backprop.gif")``, ``anim.save("player.html")``,
        ``anim.save("frames/")``.

    Raises
    ------
    TypeError
        If ``root`` is not a ``Value`` or ``Tensor``.
    ValueError
        If an option is invalid, or a Tensor root does not have exactly one element
        (reduce it with ``.sum()``).
    viz.GraphTooLargeError
        (a ``ValueError``) If the graph needs more than ``max_frames`` frames; checked
        before anything is computed or laid out.
    viz.LayoutTimeoutError
        If Graphviz cannot lay out the graph within ``viz.render.layout_timeout()``
        seconds (the frames share one layout, measured up front).

    Examples
    --------
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> L = a * b; L.label = "L"
    >>> anim = backward_animation(L)
    >>> len(anim)                       # forward, seed, one step per operand
    4
    >>> anim.frames[-1].grads["a"], a.grad   # computed on the side
    (-3.0, 0.0)
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(
            f"backward_animation: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}"
        )
    try:
        format(1.5, number_format)
    except (ValueError, TypeError):
        raise ValueError(
            f"backward_animation: invalid number_format {number_format!r}; try '.4g' or '.3f'"
        ) from None
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 2:
        raise ValueError(f"backward_animation: max_frames must be an int >= 2, got {max_frames!r}")
    with speaking(language, "backward_animation") as lang:
        return _animate(root, rankdir, number_format, max_frames, lang)


def _animate(
    root: Any, rankdir: str, number_format: str, max_frames: int, lang: str
) -> BackwardAnimation:
    """``backward_animation`` after its options are checked, inside ``speaking(lang)``."""
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(
            f"backward_animation: expected an autograd.Value or autograd.Tensor root, got "
            f"{type(root).__module__}.{type(root).__qualname__}"
        )
    if isinstance(root, Tensor):
        if not root.requires_grad:
            raise ValueError(
                "backward_animation: this Tensor does not require grad (no input had "
                "requires_grad=True, or it was computed under no_grad()); there is no "
                "backward pass to show"
            )
        if root.numel() != 1:
            raise ValueError(
                f"backward_animation: the root has shape {root.shape}, not one element; "
                "backward() seeds a scalar output with 1, so reduce it first "
                "(e.g. backward_animation(y.sum()))"
            )

    order = topological_order(root)  # the driver's own order
    planned = sum(planned_steps(node) for node in order)
    if planned + 2 > max_frames:
        raise _render.GraphTooLargeError(
            f"backward_animation: this graph needs {planned + 2} frames ({planned} chain-rule "
            f"steps, one per (node, operand) pair, plus the forward and seed frames), more "
            f"than max_frames={max_frames}. Animate a smaller sub-graph (a single neuron, an "
            "intermediate result, a smaller batch) or pass a larger max_frames (each frame "
            "is laid out by Graphviz, so this takes longer)"
        )
    scene = Scene(order, root, unique_names(order, root), rankdir, number_format, graph_font(lang))
    seed, steps = replay(order, root)
    frames = FrameBuilder(scene).frames(seed, steps)
    return BackwardAnimation(frames, tuple(order), scene.names, language=lang)


def _save_format(path: pathlib.Path, raw: str, format: str | None) -> str:
    if format is not None:
        fmt = format.lower().lstrip(".")
        fmt = "html" if fmt == "htm" else fmt
        if fmt not in ("html", "gif", "png", "svg"):
            raise ValueError(
                f"BackwardAnimation.save: unknown format {format!r}; use 'html', 'gif', "
                "'png' or 'svg'"
            )
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".gif":
        return "gif"
    if raw.endswith(("/", os.sep)) or path.is_dir() or not suffix:
        return "png"
    raise ValueError(
        f"BackwardAnimation.save: cannot tell what to write from {raw!r}; use a .html or "
        ".gif file, or a directory for one file per frame (format='png' or 'svg')"
    )
