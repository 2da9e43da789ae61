"""Helpers shared by ``viz.plots.training`` and ``viz.plots.layers``: lazy matplotlib, arrays."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..fonts import ja_rc
from ..words import say, speaking

PLOTS_HINT = "matplotlib is needed for plots: pip install 'deltagrad[plots]'"


def figure_class() -> Any:
    """``matplotlib.figure.Figure``, or an ImportError that says what to install.

    Imported on every call (cheap once loaded), so the error appears when a plot is
    asked for, not when ``viz`` is imported.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(PLOTS_HINT) from exc
    return Figure


def class_colormap(n: int) -> Any:
    """A colormap of ``n`` distinct class colours (tab10's first ``n``, or tab20's)."""
    import matplotlib
    from matplotlib.colors import ListedColormap

    base = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    # matplotlib's stubs give every colormap the base type; tab10 and tab20 are listed ones
    colors = list(base.colors)  # type: ignore[attr-defined]
    return ListedColormap([colors[k % len(colors)] for k in range(max(n, 1))])


def new_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """``(figure, axes)``: the given axes and its figure, or a new one-axes figure."""
    Figure = figure_class()
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


@contextlib.contextmanager
def speaking_plot(language: str | None, where: str) -> Iterator[str]:
    """The block of a plot function that takes ``language`` (None: ``viz.set_language``'s).

    In Japanese every text the plot makes (titles, axis labels, legends) is drawn with the
    bundled IPAexGothic: the block runs inside ``matplotlib.rc_context`` with that font,
    so the user's own rcParams are untouched once the plot returns.
    """
    with speaking(language, where) as lang:
        if lang == "en":
            yield lang
            return
        import matplotlib

        with matplotlib.rc_context(ja_rc()):
            yield lang


def series_name(name: str) -> str:
    """A history's series name as shown in a legend: ``train_loss`` -> 訓練 loss in Japanese."""
    for prefix, key in (("train_", "p_train"), ("val_", "p_val")):
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            return say(key, name=say("p_loss") if rest == "loss" else rest)
    return name


def numpy(x: Any) -> np.ndarray:
    """A NumPy array from an array, a Tensor/Parameter (``.data``) or a list."""
    return np.asarray(getattr(x, "data", x))
