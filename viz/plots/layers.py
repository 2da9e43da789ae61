"""Per-layer plots: gradient flow, weight/activation histograms, CNN filters and feature maps.

Re-exported by ``viz.plots`` (import them from there); the conventions are the same:
each function returns a ``matplotlib.figure.Figure``, never calls ``plt.show()``, and
matplotlib is imported only when a plot is made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..words import say
from ._mpl import figure_class, new_axes, speaking_plot
from ._mpl import numpy as _numpy

__all__ = ["plot_gradient_flow", "plot_histograms", "plot_filters", "plot_feature_maps"]


def _named(items: Any, what: str) -> list[tuple[str, Any]]:
    """``(name, object)`` pairs from a module, a mapping or an iterable of pairs."""
    named = getattr(items, "named_parameters", None)
    if callable(named):
        pairs: Any = named()  # a module's (name, Parameter) pairs
        return [(str(n), p) for n, p in pairs]
    if isinstance(items, Mapping):
        return [(str(n), p) for n, p in items.items()]
    if isinstance(items, Iterable):
        pairs = list(items)
        if all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
            return [(str(n), p) for n, p in pairs]
    raise TypeError(
        f"{what}: expected an nn.Module, a dict name -> array, or (name, array) pairs, "
        f"got {type(items).__name__}"
    )


def _grid(n: int, ncols: int) -> tuple[int, int]:
    cols = max(1, min(ncols, n))
    return math.ceil(n / cols), cols


def _image_axes(fig: Any, n: int, ncols: int) -> list[Any]:
    """``n`` bare image axes in a grid; the unused cells of the last row are removed."""
    rows, cols = _grid(n, ncols)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for a in axes[n:]:
        fig.delaxes(a)
    for a in axes[:n]:
        a.set_xticks([])
        a.set_yticks([])
    return list(axes[:n])


# -------------------------------------------------------------------- gradient flow
def plot_gradient_flow(
    model_or_named_parameters: Any,
    *,
    include_bias: bool = True,
    ax: Any = None,
    language: str | None = None,
) -> Any:
    """Mean and max |gradient| per parameter, on a log scale, in the order of the layers.

    Shows at a glance whether gradients shrink towards the input (vanishing: the bars
    fall by orders of magnitude from right to left) or blow up (exploding). Call it
    after ``loss.backward()``.

    Parameters
    ----------
    model_or_named_parameters : nn.Module, dict or iterable of (name, parameter)
        Each parameter's ``.grad`` is used; an object without ``.grad`` is taken to be
        the gradient itself (e.g. recorded NumPy arrays).
    include_bias : bool
        Include parameters whose name ends in ``bias``.
    ax : matplotlib axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        Two bar series (mean |grad|, max |grad|) with one bar per parameter; a
        parameter whose gradient is exactly 0 gets no bar (log scale) and a "0" mark.

    Raises
    ------
    ValueError
        If no parameter has a gradient.

    ``language`` (None, "en" or "ja"): the language of the plot's titles, axis
    labels and legends (None: ``viz.set_language``'s); Japanese is drawn with the
    bundled IPAexGothic font.
    """
    with speaking_plot(language, "plot_gradient_flow"):
        pairs = _named(model_or_named_parameters, "plot_gradient_flow")
        names, means, maxes = [], [], []
        for name, p in pairs:
            if not include_bias and name.endswith("bias"):
                continue
            grad = p.grad if hasattr(p, "grad") else p
            if grad is None:
                continue
            g = np.abs(_numpy(grad).astype(float, copy=False))
            names.append(name)
            means.append(float(g.mean()) if g.size else 0.0)
            maxes.append(float(g.max()) if g.size else 0.0)
        if not names:
            raise ValueError(
                "plot_gradient_flow: no parameter has a gradient; call loss.backward() first"
            )
        fig, ax = new_axes(ax, (max(5.0, 0.55 * len(names) + 2), 4.0))
        x = np.arange(len(names))
        positive = [v for v in means + maxes if v > 0]
        floor = min(positive) / 10 if positive else 1e-12
        for values, offset, label, color in (
            (maxes, 0.2, say("p_max_grad"), "tab:blue"),
            (means, -0.2, say("p_mean_grad"), "tab:orange"),
        ):
            heights = [v if v > 0 else np.nan for v in values]
            ax.bar(x + offset, heights, width=0.4, label=label, color=color, alpha=0.85)
            for xi, v in zip(x, values):
                if v == 0:
                    ax.text(xi + offset, floor, "0", ha="center", va="bottom", fontsize=8)
        ax.set_yscale("log")
        ax.set_xticks(x, names, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(say("p_gradient_abs"))
        ax.set_title(say("p_gradient_flow"))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="small")
        return fig


# -------------------------------------------------------------------- histograms
def plot_histograms(
    named_arrays: Any, *, bins: int = 50, ncols: int = 4, language: str | None = None
) -> Any:
    """One histogram per layer: weights (pass a model) or recorded activations/gradients.

    Parameters
    ----------
    named_arrays : nn.Module, dict or iterable of (name, array)
        A module gives its parameters' values; arrays may be NumPy arrays or Tensors.
    bins : int
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per array, titled with its name, mean and standard deviation (the
        numbers to compare with the initialisation variance: 1/d_in for LeCun, 2/d_in
        for He, ...).

    ``language`` (None, "en" or "ja"): the language of the plot's titles, axis
    labels and legends (None: ``viz.set_language``'s); Japanese is drawn with the
    bundled IPAexGothic font.
    """
    with speaking_plot(language, "plot_histograms"):
        pairs = [
            (n, _numpy(a).astype(float, copy=False).ravel())
            for n, a in _named(named_arrays, "plot_histograms")
        ]
        if not pairs:
            raise ValueError("plot_histograms: nothing to plot")
        rows, cols = _grid(len(pairs), ncols)
        fig = figure_class()(figsize=(3.2 * cols, 2.5 * rows), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for a in axes[len(pairs) :]:
            fig.delaxes(a)
        for a, (name, values) in zip(axes, pairs):
            finite = values[np.isfinite(values)]
            a.hist(finite, bins=bins, color="tab:blue", alpha=0.8)
            stats = (
                say("p_mean_std", mean=f"{finite.mean():.3g}", std=f"{finite.std():.3g}")
                if finite.size
                else say("p_empty")
            )
            if finite.size < values.size:
                stats += f", {values.size - finite.size} non-finite"
            a.set_title(f"{name}\n{stats}", fontsize=9)
            a.tick_params(labelsize=7)
        return fig


# -------------------------------------------------------------------- CNN images
def plot_filters(
    weight: Any,
    *,
    channel: int | None = None,
    ncols: int = 8,
    max_images: int = 256,
    language: str | None = None,
) -> Any:
    """Convolution kernels as images.

    Parameters
    ----------
    weight : array or Tensor (C_out, C_in, kH, kW)
        E.g. ``conv.weight``.
    channel : int, optional
        Show only this input channel of every filter. Default: colour images when
        C_in = 3 (each filter scaled to [0, 1]), one image per filter when C_in = 1,
        otherwise one row per filter with one image per input channel.
    ncols : int
        Images per row (when each filter is one image).
    max_images : int
        Draw at most this many images (the first filters).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image. Grey-scale kernels share one symmetric colour scale
        (blue negative, red positive), so the signs and sizes of weights compare
        across filters.

    ``language`` (None, "en" or "ja"): the language of the plot's titles, axis
    labels and legends (None: ``viz.set_language``'s); Japanese is drawn with the
    bundled IPAexGothic font.
    """
    with speaking_plot(language, "plot_filters"):
        w = _numpy(weight).astype(float, copy=False)
        if w.ndim != 4:
            raise ValueError(f"plot_filters: weight must be (C_out, C_in, kH, kW), got {w.shape}")
        c_out, c_in = w.shape[:2]
        Figure = figure_class()
        if channel is not None:
            if not -c_in <= channel < c_in:
                raise ValueError(f"plot_filters: channel {channel} out of range for C_in={c_in}")
            w, c_in = w[:, channel : channel + 1] if channel >= 0 else w[:, [channel]], 1
        if c_in == 3 and channel is None:
            n = min(c_out, max_images)
            rows, cols = _grid(n, ncols)
            fig = Figure(figsize=(1.2 * cols, 1.2 * rows), layout="constrained")
            for a, f in zip(_image_axes(fig, n, ncols), w[:n]):
                lo, hi = f.min(), f.max()
                a.imshow(((f - lo) / (hi - lo if hi > lo else 1.0)).transpose(1, 2, 0))
            return fig
        limit = float(np.abs(w).max()) or 1.0
        if c_in == 1:
            n = min(c_out, max_images)
            images, grid_cols = [w[k, 0] for k in range(n)], ncols
        else:
            rows = max(1, min(c_out, max_images // c_in))
            images, grid_cols = [w[k, c] for k in range(rows) for c in range(c_in)], c_in
        rows_, cols_ = _grid(len(images), grid_cols)
        fig = Figure(figsize=(1.1 * cols_ + 0.8, 1.1 * rows_), layout="constrained")
        axes = _image_axes(fig, len(images), grid_cols)
        shown = None
        for a, img in zip(axes, images):
            shown = a.imshow(img, cmap="RdBu_r", vmin=-limit, vmax=limit)
        fig.colorbar(shown, ax=axes, shrink=0.8)
        return fig


def plot_feature_maps(
    maps: Any,
    *,
    sample: int = 0,
    ncols: int = 8,
    max_maps: int = 64,
    cmap: str = "viridis",
    language: str | None = None,
) -> Any:
    """Activations of a convolution layer, one image per channel.

    Parameters
    ----------
    maps : array or Tensor (C, H, W) or (N, C, H, W)
        A layer's output; for a batch, ``sample`` picks the example.
    sample : int
        Which example of a batch.
    ncols : int
    max_maps : int
        Draw at most this many channels.
    cmap : str
        Colour map; each channel is scaled to its own range.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per channel, titled ``ch k``.

    ``language`` (None, "en" or "ja"): the language of the plot's titles, axis
    labels and legends (None: ``viz.set_language``'s); Japanese is drawn with the
    bundled IPAexGothic font.
    """
    with speaking_plot(language, "plot_feature_maps"):
        m = _numpy(maps).astype(float, copy=False)
        if m.ndim == 4:
            if not -m.shape[0] <= sample < m.shape[0]:
                raise ValueError(
                    f"plot_feature_maps: sample {sample} out of range for N={m.shape[0]}"
                )
            m = m[sample]
        if m.ndim != 3:
            raise ValueError(
                f"plot_feature_maps: maps must be (C, H, W) or (N, C, H, W), got {m.shape}"
            )
        n = min(m.shape[0], max_maps)
        rows, cols = _grid(n, ncols)
        fig = figure_class()(figsize=(1.3 * cols, 1.4 * rows), layout="constrained")
        for k, a in enumerate(_image_axes(fig, n, ncols)):
            a.imshow(m[k], cmap=cmap)
            a.set_title(say("p_channel", k=k), fontsize=8)
        return fig
