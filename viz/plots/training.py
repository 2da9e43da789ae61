"""matplotlib plots for training: curves, decision boundaries, optimizer paths, gradients.

Every function returns a ``matplotlib.figure.Figure`` and never calls ``plt.show()``:
a notebook displays the returned figure, a script saves it (``fig.savefig("h.png")``),
and a headless machine (the Agg backend) needs nothing else. Figures are made with
``matplotlib.figure.Figure`` rather than ``pyplot``, so they are not registered with
pyplot's global figure list (no double display in Jupyter, nothing to close). Pass
``ax=`` where offered to draw into an axes of your own; its figure is returned.

matplotlib is optional (``pip install 'deltagrad[plots]'``) and imported only when a
plot is made. The per-layer plots (gradient flow, histograms, CNN filters and feature
maps) live in ``viz.plots.layers``; ``viz.plots`` hands out both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..words import say
from ._mpl import (
    PLOTS_HINT,
    class_colormap,
    figure_class,
    new_axes,
    series_name,
    speaking_plot,
)
from ._mpl import numpy as _numpy

__all__ = [
    "plot_history",
    "plot_decision_boundary",
    "plot_optimizer_trajectories",
    "plot_sequence_predictions",
    "PLOTS_HINT",
]


# -------------------------------------------------------------------- history
def _series(history: Any) -> tuple[list, dict[str, list[float]], int | None, int | None]:
    """epochs, named series, best epoch and stopped epoch of a History or a dict."""
    if isinstance(history, Mapping):
        best, stopped = history.get("best_epoch"), history.get("stopped_epoch")
        data = {
            str(k): list(v) for k, v in history.items() if k not in ("best_epoch", "stopped_epoch")
        }
        epochs = data.pop("epoch", None)
    elif hasattr(history, "train_loss"):
        data = {"train_loss": list(history.train_loss)}
        if getattr(history, "val_loss", None):
            data["val_loss"] = list(history.val_loss)
        data.update({str(k): list(v) for k, v in getattr(history, "metrics", {}).items()})
        if getattr(history, "lr", None):
            data["lr"] = list(history.lr)
        epochs = list(getattr(history, "epoch", []) or [])
        best = getattr(history, "best_epoch", None)
        stopped = getattr(history, "stopped_epoch", None)
    else:
        raise TypeError(
            "plot_history: expected a History (from nn.train.fit) or a dict of lists such "
            f"as {{'train_loss': [...], 'val_loss': [...]}}, got {type(history).__name__}"
        )
    data = {k: [float(x) for x in v] for k, v in data.items() if len(v)}
    length = max((len(v) for v in data.values()), default=0)
    if not epochs or len(epochs) != length:
        epochs = list(range(length))
    if best is None:
        losses = data.get("val_loss") or data.get("train_loss") or []
        finite = [(v, i) for i, v in enumerate(losses) if math.isfinite(v)]
        best = epochs[min(finite)[1]] if finite else None
    return epochs, data, best, stopped


def plot_history(
    history: Any,
    metrics: Sequence[str] | None = None,
    *,
    figsize: tuple[float, float] | None = None,
    language: str | None = None,
) -> Any:
    """Loss curves (train and validation) and one panel per metric.

    Parameters
    ----------
    history : nn.train.History or dict of lists
        What ``fit`` returned, or e.g. ``{"train_loss": [...], "val_loss": [...],
        "val_acc": [...]}`` (an ``"epoch"`` list is optional; ``"best_epoch"`` may be
        given as a number).
    metrics : sequence of str, optional
        Metric panels to draw, by base name (``"acc"`` draws ``train_acc`` and
        ``val_acc`` together) or full name; ``"lr"`` draws the learning rate (log
        scale). Default: every metric in the history (not ``lr``).
    figsize : (width, height), optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes for the loss, then one per metric. The best epoch (``best_epoch``, or
        the lowest validation loss, else training loss) is marked with a dashed line and
        a dot on the loss curve; an early stop (``stopped_epoch``) with a dotted line.

    ``language`` (None, "en" or "ja"): the language of the plot's titles, axis
    labels and legends (None: ``viz.set_language``'s); Japanese is drawn with the
    bundled IPAexGothic font.
    """
    with speaking_plot(language, "plot_history"):
        Figure = figure_class()
        epochs, data, best, stopped = _series(history)
        lr = data.pop("lr", None)
        groups: dict[str, list[str]] = {}
        for name in data:
            if name in ("train_loss", "val_loss"):
                continue
            base = name.split("_", 1)[1] if name.startswith(("train_", "val_")) else name
            groups.setdefault(base, []).append(name)
        if metrics is not None:
            chosen: dict[str, list[str]] = {}
            for m in metrics:
                if m == "lr":
                    if not lr:
                        raise ValueError("plot_history: this history has no learning rates (lr)")
                    chosen["lr"] = []
                elif m in groups:
                    chosen[m] = groups[m]
                elif m in data:
                    chosen[m] = [m]
                else:
                    raise ValueError(f"plot_history: no metric {m!r}; available: {sorted(groups)}")
            groups = chosen
        panels = 1 + len(groups)
        fig = Figure(figsize=figsize or (4.2 * panels, 3.4), layout="constrained")
        axes = fig.subplots(1, panels, squeeze=False)[0]
        ax = axes[0]
        for name, style in (("train_loss", "-"), ("val_loss", "-")):
            if name in data:
                ax.plot(
                    epochs[: len(data[name])],
                    data[name],
                    style,
                    marker=".",
                    label=series_name(name),
                )
        ax.set_title(say("p_loss"))
        for k, (base, names) in enumerate(groups.items(), start=1):
            if base == "lr" and lr:
                axes[k].plot(epochs[: len(lr)], lr, marker=".", label="lr")
                axes[k].set_yscale("log")
            for name in names:
                axes[k].plot(
                    epochs[: len(data[name])], data[name], marker=".", label=series_name(name)
                )
            axes[k].set_title(base)
        for a in axes:
            if best is not None:
                a.axvline(
                    best,
                    color="tab:green",
                    linestyle="--",
                    linewidth=1,
                    label=say("p_best_epoch", epoch=best),
                )
            if stopped is not None:
                a.axvline(
                    stopped,
                    color="tab:red",
                    linestyle=":",
                    linewidth=1.2,
                    label=say("p_stopped", epoch=stopped),
                )
            a.set_xlabel(say("p_epoch"))
            a.grid(alpha=0.3)
            a.legend(fontsize="small")
        if best is not None and best in epochs:
            curve = data.get("val_loss") or data.get("train_loss")
            i = epochs.index(best)
            if curve and i < len(curve):
                ax.plot([best], [curve[i]], "o", color="tab:green", markersize=7, zorder=5)
        return fig


# -------------------------------------------------------------------- decision boundary
def _predict_classes(model_or_fn: Any, points: np.ndarray) -> np.ndarray:
    """Class index per row of ``points`` from a model or a function."""
    from autograd.graph import no_grad
    from autograd.tensor import Tensor

    is_module = callable(getattr(model_or_fn, "parameters", None))
    training = getattr(model_or_fn, "training", None)
    if is_module and training:
        model_or_fn.eval()  # dropout off, batch norm on running statistics
    try:
        with no_grad():
            if is_module:
                dtype = next((p.data.dtype for p in model_or_fn.parameters()), None)
                out = model_or_fn(Tensor(points, dtype=dtype))
            else:
                out = model_or_fn(points)
    finally:
        if is_module and training:
            model_or_fn.train()
    out = _numpy(out)
    if out.dtype.kind in "iub":
        return out.reshape(len(points), -1)[:, 0].astype(int)
    out = out.reshape(len(points), -1)
    if out.shape[1] > 1:
        return out.argmax(axis=1)
    # One output: a probability (sigmoid) is cut at 0.5, a logit at 0.
    threshold = 0.5 if out.min() >= 0.0 and out.max() <= 1.0 else 0.0
    return (out[:, 0] > threshold).astype(int)


def plot_decision_boundary(
    model_or_fn: Any,
    X: Any,
    y: Any,
    resolution: int = 200,
    ax: Any = None,
    *,
    language: str | None = None,
) -> Any:
    """Predicted class over the plane as filled regions, with the data points on top.

    Parameters
    ----------
    model_or_fn : nn.Module or callable
        A module is called on a ``Tensor`` of grid points (in eval mode, without
        recording a graph); a function gets the NumPy array (N, 2). The output is class
        scores (N, C) -> argmax, one column of probabilities -> ``> 0.5``, one column of
        logits -> ``> 0``, or integer class labels.
    X : array (N, 2)
        Inputs; the plotted region is their range plus a margin.
    y : array (N,)
        Integer class of each point.
    resolution : int
        Grid points per axis.
    ax : matplotlib axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    ``language`` (None, "en" or "ja"): the language of the plot's titles, axis
    labels and legends (None: ``viz.set_language``'s); Japanese is drawn with the
    bundled IPAexGothic font.
    """
    with speaking_plot(language, "plot_decision_boundary"):
        X, y = _numpy(X), _numpy(y).reshape(-1)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"plot_decision_boundary: X must have shape (N, 2), got {X.shape}")
        if len(y) != len(X):
            raise ValueError(f"plot_decision_boundary: {len(X)} points but {len(y)} labels")
        if resolution < 2:
            raise ValueError(f"plot_decision_boundary: resolution must be >= 2, got {resolution}")
        fig, ax = new_axes(ax, (5.0, 4.4))
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        gx, gy = np.meshgrid(
            np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
            np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution),
        )
        dtype = X.dtype if X.dtype.kind == "f" else np.float64
        grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(dtype)
        classes = _predict_classes(model_or_fn, grid).reshape(gx.shape)
        labels = y.astype(int)
        n = int(max(classes.max(), labels.max())) + 1
        cmap = class_colormap(n)
        levels = np.arange(n + 1) - 0.5
        ax.contourf(gx, gy, classes, levels=levels, cmap=cmap, alpha=0.3)
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=labels,
            cmap=cmap,
            vmin=-0.5,
            vmax=n - 0.5,
            edgecolors="black",
            linewidths=0.5,
            s=22,
        )
        ax.set_xlim(gx.min(), gx.max())
        ax.set_ylim(gy.min(), gy.max())
        ax.set_title(say("p_decision", n=n))
        return fig


# -------------------------------------------------------------------- optimizer paths
def _evaluate(fn: Callable[..., Any], gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    try:
        z = _numpy(fn(gx, gy))
        if z.shape == gx.shape:
            return z.astype(float)
    except Exception:  # noqa: BLE001 - a scalar-only function: evaluate point by point
        pass
    return np.array([[float(_numpy(fn(a, b))) for a, b in zip(ra, rb)] for ra, rb in zip(gx, gy)])


def plot_optimizer_trajectories(
    fn: Callable[..., Any],
    trajectories: Mapping[str, Any],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    levels: int | Sequence[float] | str = 30,
    *,
    resolution: int = 200,
    ax: Any = None,
    language: str | None = None,
) -> Any:
    """Contours of a 2-D function with each optimizer's path over it.

    Parameters
    ----------
    fn : callable
        ``fn(x, y) -> z``; called on NumPy grids (vectorised) or, if that fails, point
        by point with floats.
    trajectories : dict
        ``name -> positions`` of shape (T, 2) (arrays, lists, or a list of 2-element
        Tensors), in step order.
    xlim, ylim : (low, high)
        The plotted region.
    levels : int, sequence of float or "log"
        Contour levels; ``"log"`` spaces 30 levels geometrically above the minimum,
        which shows both the floor of a narrow valley (Rosenbrock) and its walls.
    resolution : int
        Grid points per axis.
    ax : matplotlib axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        One line per optimizer (start marked with a circle, end with a star).

    ``language`` (None, "en" or "ja"): the language of the plot's titles, axis
    labels and legends (None: ``viz.set_language``'s); Japanese is drawn with the
    bundled IPAexGothic font.
    """
    with speaking_plot(language, "plot_optimizer_trajectories"):
        fig, ax = new_axes(ax, (6.0, 5.0))
        gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
        z = _evaluate(fn, gx, gy)
        if isinstance(levels, str):
            if levels != "log":
                raise ValueError(f"plot_optimizer_trajectories: levels={levels!r}; use 'log'")
            finite = z[np.isfinite(z)]
            span = float(finite.max() - finite.min()) or 1.0
            levels = finite.min() + np.geomspace(span * 1e-4, span, 30)
        ax.contour(gx, gy, z, levels=levels, cmap="viridis", linewidths=0.7, alpha=0.8)
        for name, path in trajectories.items():
            pts = np.array([_numpy(p).reshape(-1) for p in path], dtype=float).reshape(-1, 2)
            (line,) = ax.plot(
                pts[:, 0],
                pts[:, 1],
                marker=".",
                markersize=3,
                linewidth=1.4,
                label=say("p_steps", name=name, n=len(pts) - 1),
            )
            ax.plot(pts[0, 0], pts[0, 1], "o", color=line.get_color(), markersize=6)
            ax.plot(pts[-1, 0], pts[-1, 1], "*", color=line.get_color(), markersize=11)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        if trajectories:
            ax.legend(fontsize="small")
        return fig


# -------------------------------------------------------------------- sequences
def plot_sequence_predictions(
    targets: Any,
    predictions: Any,
    inputs: Any = None,
    *,
    n_series: int = 3,
    ax: Any = None,
    language: str | None = None,
) -> Any:
    """Predicted vs true sequences (e.g. an RNN's next-step predictions of a sine wave).

    Parameters
    ----------
    targets, predictions : array or Tensor of shape (N, T), (N, T, 1) or (T,)
        The true and the predicted values per time step.
    inputs : same shapes, optional
        Drawn faintly for context (the sequence the model saw).
    n_series : int
        How many of the N sequences to draw (one colour each).

    Returns
    -------
    matplotlib.figure.Figure
        Solid lines are targets, dashed lines predictions; the title gives the MSE over
        everything passed in.

    ``language`` (None, "en" or "ja"): the language of the plot's titles, axis
    labels and legends (None: ``viz.set_language``'s); Japanese is drawn with the
    bundled IPAexGothic font.
    """
    with speaking_plot(language, "plot_sequence_predictions"):
        t, p = (_numpy(a).astype(float) for a in (targets, predictions))
        if t.shape != p.shape:
            raise ValueError(
                f"plot_sequence_predictions: targets {t.shape} and predictions {p.shape} differ"
            )
        t, p = (a.reshape(-1, a.shape[-2] if a.ndim == 3 else a.shape[-1]) for a in (t, p))
        x = None if inputs is None else _numpy(inputs).astype(float).reshape(t.shape)
        fig, ax = new_axes(ax, (7.0, 3.5))
        steps = np.arange(t.shape[1])
        for k in range(min(n_series, t.shape[0])):
            color = f"C{k}"
            if x is not None:
                ax.plot(steps, x[k], color=color, alpha=0.25, linewidth=1.0)
            ax.plot(
                steps, t[k], color=color, linewidth=1.6, label=say("p_target") if k == 0 else None
            )
            ax.plot(
                steps,
                p[k],
                color=color,
                linestyle="--",
                linewidth=1.6,
                label=say("p_prediction") if k == 0 else None,
            )
        ax.set_xlabel(say("p_time_step"))
        ax.set_title(f"MSE {float(np.mean((t - p) ** 2)):.3g}")
        ax.legend(fontsize="small")
        return fig
