"""viz.plots: every plot runs headless, returns a Figure with the expected content."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

import nn  # noqa: E402
from autograd import Tensor  # noqa: E402
from nn.layers.conv import Conv2d  # noqa: E402
from nn.train.history import History  # noqa: E402
from viz import plots  # noqa: E402

HISTORY = {
    "train_loss": [1.0, 0.6, 0.4, 0.35, 0.3],
    "val_loss": [1.1, 0.7, 0.5, 0.55, 0.6],
    "train_acc": [0.5, 0.72, 0.85, 0.88, 0.9],
    "val_acc": [0.5, 0.7, 0.8, 0.79, 0.78],
}


def renders(fig: Figure) -> None:
    """The figure really draws (to PNG, in memory)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def line_labels(ax) -> list[str]:
    return [line.get_label() for line in ax.get_lines()]


# ------------------------------------------------------------------------ history
def test_history_from_a_dict():
    fig = plots.plot_history(HISTORY)
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "loss" and acc_ax.get_title() == "acc"
    labels = line_labels(loss_ax)
    assert labels[:2] == ["train_loss", "val_loss"]
    assert "best epoch 2" in labels  # lowest validation loss
    val = loss_ax.get_lines()[1]
    np.testing.assert_allclose(val.get_ydata(), HISTORY["val_loss"])
    np.testing.assert_allclose(val.get_xdata(), range(5))
    best_dot = [ln for ln in loss_ax.get_lines() if ln.get_marker() == "o"]
    assert len(best_dot) == 1 and list(best_dot[0].get_xdata()) == [2]
    assert list(best_dot[0].get_ydata()) == [0.5]
    assert {"train_acc", "val_acc"} <= set(line_labels(acc_ax))
    renders(fig)


def test_history_object_with_early_stop_and_lr():
    h = History()
    for e in range(6):
        h.record(
            e,
            {
                "train_loss": 1 / (e + 1),
                "val_loss": 1 / (e + 1) + 0.1 * max(0, e - 3),
                "val_acc": 0.5 + 0.05 * e,
                "lr": 0.1 * 0.5**e,
            },
        )
    h.best_epoch, h.stopped_epoch = 3, 5
    fig = plots.plot_history(h)
    assert [a.get_title() for a in fig.axes] == ["loss", "acc"]
    labels = line_labels(fig.axes[0])
    assert "best epoch 3" in labels and "stopped after epoch 5" in labels
    fig = plots.plot_history(h, metrics=["lr", "val_acc"])
    assert [a.get_title() for a in fig.axes] == ["loss", "lr", "val_acc"]
    assert fig.axes[1].get_yscale() == "log"
    np.testing.assert_allclose(fig.axes[1].get_lines()[0].get_ydata(), h.lr)
    with pytest.raises(ValueError, match="no metric 'f1'"):
        plots.plot_history(h, metrics=["f1"])
    with pytest.raises(TypeError, match="History"):
        plots.plot_history([1, 2, 3])


def test_history_from_a_real_fit():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=16)
    model = nn.MLP([2, 8, 2], rng=0)
    history = nn.train.fit(
        model,
        nn.functional.cross_entropy,
        nn.optim.SGD(model.parameters(), lr=0.1),
        loader,
        val_loader=loader,
        epochs=3,
        progress=False,
    )
    fig = plots.plot_history(history)
    assert len(fig.axes[0].get_lines()[0].get_ydata()) == 3
    renders(fig)


# ------------------------------------------------------------------------ 2-D plots
def moons():
    from nn.datasets import make_moons

    X, y = make_moons(120, noise=0.1, random_state=0)
    return np.asarray(X, dtype=np.float32), np.asarray(y)


def test_decision_boundary_of_a_model_and_of_a_function():
    X, y = moons()
    model = nn.MLP([2, 16, 2], rng=0, dropout=0.5)
    fig = plots.plot_decision_boundary(model, X, y, resolution=50)
    assert model.training  # put back after drawing in eval mode
    (ax,) = fig.axes
    filled, points = ax.collections[0], ax.collections[-1]
    assert len(points.get_offsets()) == len(X)
    np.testing.assert_allclose(points.get_offsets(), X)
    assert filled.get_array() is not None
    # a rule of our own: class 1 right of x = 0.5 -> the regions split there
    fig = plots.plot_decision_boundary(lambda p: (p[:, 0] > 0.5).astype(int), X, y, resolution=41)
    assert fig.axes[0].get_title() == "decision regions (2 classes)"
    # one sigmoid output (probabilities) is cut at 0.5; three scores use argmax
    probs = plots.plot_decision_boundary(lambda p: 1 / (1 + np.exp(-p[:, :1])), X, y)
    assert probs.axes[0].get_title() == "decision regions (2 classes)"
    three = plots.plot_decision_boundary(
        lambda p: np.stack([p[:, 0], p[:, 1], -p[:, 0]], 1), X, np.arange(len(X)) % 3
    )
    assert three.axes[0].get_title() == "decision regions (3 classes)"
    renders(three)
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        plots.plot_decision_boundary(model, np.ones((5, 3)), np.zeros(5))


def test_optimizer_trajectories():
    def rosenbrock(x, y):
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    paths = {
        "SGD": np.column_stack([np.linspace(-1.5, 1.0, 21), np.linspace(2.0, 1.0, 21)]),
        "Adam": [[-1.0, 0.0], [0.0, 0.0], [1.0, 1.0]],
    }
    fig = plots.plot_optimizer_trajectories(rosenbrock, paths, (-2, 2), (-1, 3), levels="log")
    (ax,) = fig.axes
    labels = line_labels(ax)
    assert labels.count("SGD (20 steps)") == 1 and labels.count("Adam (2 steps)") == 1
    sgd = ax.get_lines()[labels.index("SGD (20 steps)")]
    np.testing.assert_allclose(sgd.get_xydata(), paths["SGD"])
    assert len(ax.get_lines()) == 6  # path, start and end marker per optimizer
    assert ax.get_xlim() == (-2, 2)
    # a function of floats only is evaluated point by point
    fig = plots.plot_optimizer_trajectories(
        lambda x, y: float(x) ** 2 + float(y) ** 2, {}, (-1, 1), (-1, 1), levels=5, resolution=20
    )
    renders(fig)


# ------------------------------------------------------------------------ layers
def trained_mlp():
    X, y = moons()
    model = nn.MLP([2, 8, 8, 2], rng=0)
    nn.functional.cross_entropy(model(Tensor(X)), y).backward()
    return model


def test_gradient_flow():
    model = trained_mlp()
    fig = plots.plot_gradient_flow(model)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert names == [n for n, _ in model.named_parameters()]
    bars = ax.patches
    assert len(bars) == 2 * len(names)
    maxes, means = ([b.get_height() for b in c] for c in ax.containers)
    for k, (_, p) in enumerate(model.named_parameters()):
        g = np.abs(p.grad.data.astype(np.float64))
        assert maxes[k] == pytest.approx(g.max()) and means[k] == pytest.approx(g.mean())
    fig = plots.plot_gradient_flow(model.named_parameters(), include_bias=False)
    assert len(fig.axes[0].patches) == 2 * 3
    # recorded gradients (plain arrays) and an all-zero gradient
    fig = plots.plot_gradient_flow({"a": np.zeros(3), "b": np.ones(2)})
    assert "0" in [t.get_text() for t in fig.axes[0].texts]
    model.zero_grad()
    with pytest.raises(ValueError, match="backward"):
        plots.plot_gradient_flow(model)


def test_histograms():
    model = trained_mlp()
    fig = plots.plot_histograms(model, ncols=4)
    assert len(fig.axes) == 6
    w = model.layers[0].weight.data
    assert fig.axes[0].get_title().startswith("layers.0.weight\nmean")
    assert sum(p.get_height() for p in fig.axes[0].patches) == w.size
    acts = {
        "relu1": np.maximum(np.random.default_rng(0).standard_normal(500), 0),
        "bad": np.array([1.0, np.nan, np.inf, 2.0]),
    }
    fig = plots.plot_histograms(acts, bins=10)
    assert len(fig.axes) == 2 and len(fig.axes[0].patches) == 10
    assert "2 non-finite" in fig.axes[1].get_title()
    renders(fig)


def test_filters_and_feature_maps():
    rgb = Conv2d(3, 6, 5, rng=0)
    fig = plots.plot_filters(rgb.weight)
    assert len(fig.axes) == 6
    assert fig.axes[0].get_images()[0].get_array().shape == (5, 5, 3)
    deep = Conv2d(4, 5, 3, rng=0)
    fig = plots.plot_filters(deep.weight)
    assert len(fig.axes) == 5 * 4 + 1  # one image per (filter, input channel) + colour bar
    img = fig.axes[0].get_images()[0]
    np.testing.assert_allclose(img.get_array(), deep.weight.data[0, 0])
    assert img.get_clim()[0] == -img.get_clim()[1]  # shared symmetric scale
    fig = plots.plot_filters(deep.weight.data, channel=2)
    assert len(fig.axes) == 5 + 1
    x = Tensor(np.random.default_rng(0).standard_normal((2, 4, 10, 10)), dtype=np.float32)
    maps = deep(x)
    fig = plots.plot_feature_maps(maps, sample=1, ncols=3)
    assert len(fig.axes) == 5
    np.testing.assert_allclose(fig.axes[4].get_images()[0].get_array(), maps.data[1, 4])
    assert fig.axes[4].get_title() == "ch 4"
    assert len(plots.plot_feature_maps(maps.data[0], max_maps=2).axes) == 2
    renders(fig)
    with pytest.raises(ValueError, match="C_out, C_in, kH, kW"):
        plots.plot_filters(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        plots.plot_feature_maps(np.ones((3, 3)))


def test_axes_can_be_given():
    fig = Figure()
    ax = fig.add_subplot()
    X, y = moons()
    assert plots.plot_decision_boundary(lambda p: p[:, 0] > 0, X, y, ax=ax) is fig
    assert (
        plots.plot_optimizer_trajectories(lambda x, y: x * x + y * y, {}, (-1, 1), (-1, 1), ax=ax)
        is fig
    )


# ------------------------------------------------------------------------ no matplotlib
CALLS = [
    lambda: plots.plot_history(HISTORY),
    lambda: plots.plot_decision_boundary(lambda p: p[:, 0] > 0, np.ones((3, 2)), np.zeros(3)),
    lambda: plots.plot_optimizer_trajectories(lambda x, y: x + y, {}, (0, 1), (0, 1)),
    lambda: plots.plot_gradient_flow({"w": np.ones(2)}),
    lambda: plots.plot_histograms({"w": np.ones(2)}),
    lambda: plots.plot_filters(np.ones((2, 1, 3, 3))),
    lambda: plots.plot_feature_maps(np.ones((2, 3, 3))),
]


@pytest.mark.parametrize("call", CALLS)
def test_clear_import_error_without_matplotlib(monkeypatch, call):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'deltagrad\[plots\]'"):
        call()


def test_plot_sequence_predictions_draws_targets_and_predictions() -> None:
    from viz.plots import plot_sequence_predictions

    t = np.sin(np.linspace(0, 6, 40)).reshape(2, 20, 1)
    p = t + 0.1
    fig = plot_sequence_predictions(t, p, inputs=t, n_series=2)
    ax = fig.axes[0]
    assert len(ax.lines) == 6  # per series: input, target, prediction
    np.testing.assert_allclose(ax.lines[1].get_ydata(), t[0, :, 0])
    np.testing.assert_allclose(ax.lines[2].get_ydata(), p[0, :, 0])
    assert ax.get_title() == "MSE 0.01"
    with pytest.raises(ValueError, match="differ"):
        plot_sequence_predictions(t, p[:, :10])
